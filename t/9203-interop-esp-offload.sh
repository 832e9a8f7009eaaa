#!/bin/sh
# Bulk TCP both ways through ikegated's data plane with its TUN offloads
# (virtio-net headers, TSO/USO, userspace segmentation and coalescing):
# 100 MB from a strongSwan client (kernel-libipsec) to the protected
# network, whose segments ikegated coalesces before writing them to its
# TUN device, and 100 MB from the protected network to the client,
# which the kernel hands ikegated as TSO super-packets to split. The
# receiving kernels verify every TCP checksum; sha256 checks the bytes.
# Then the counters: per-SA packets count inner packets (segments), not
# super-packets, and `show dataplane` shows the offloads at work.
test_description='bulk TCP both ways through the TUN offloads'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:socat cmd:sha256sum
interop_require_swan

PKI=$TRASH/pki
A=$TRASH/alice
POOLNET=198.18.20.0/28
SIZE=100000000
interop_topology

# dp FIELD: a counter of `ikectl show dataplane --json`.
dp() {
	ikectl_gw show dataplane --json |
	    sed -n "s/.*\"$1\":\"*\([0-9a-z+]*\).*/\1/p"
}

test_expect_success 'ikegated with the data plane, alice connects' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" split="198.18.10.0/24, $POOLNET" \
	    esp_enc=aes-gcm-256 esp_integ= &&
	ikeg_start "$TRASH/gw.ini" &&
	swan_client "$A" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
	    secret=alicepw esp=aes256gcm16 \
	    remote_ts=198.18.10.0/24,$POOLNET &&
	swan_start cli "$A" client && swan_load "$A" &&
	swan_initiate "$A" home && ikeg_agree "$A" home
'
VA=$(swan_sa_field "$A" local-vips 2>/dev/null)
SPI=$(swan_sa_field "$A" initiator-spi 2>/dev/null)

test_expect_success 'the log names the offloads in effect' '
	grep -E "data plane on ikeg0 .*offloads (gro|none)" \
	    "$TRASH/ikegated.log"
'
test_expect_success '100 MB client -> protected network arrive intact' '
	head -c $SIZE /dev/urandom > data &&
	sha256sum < data > want &&
	netns_spawn gw "$TRASH/up.pid" "$TRASH/up.log" socat -u \
	    TCP-LISTEN:5001,bind=$GW_LAN_ADDR,reuseaddr \
	    OPEN:got-up,creat,trunc &&
	wait_for "netns_exec gw ss -ltn | grep -q :5001" 5 &&
	netns_exec cli socat -u OPEN:data TCP:$GW_LAN_ADDR:5001,bind=$VA &&
	wait_for "! proc_alive $TRASH/up.pid" 30 &&
	sha256sum < got-up > have && cmp want have
'
test_expect_success '100 MB protected network -> client arrive intact' '
	netns_spawn cli "$TRASH/down.pid" "$TRASH/down.log" socat -u \
	    TCP-LISTEN:5002,bind=$VA,reuseaddr OPEN:got-down,creat,trunc &&
	wait_for "netns_exec cli ss -ltn | grep -q :5002" 5 &&
	netns_exec gw socat -u OPEN:data TCP:$VA:5002,bind=$GW_LAN_ADDR &&
	wait_for "! proc_alive $TRASH/down.pid" 30 &&
	sha256sum < got-down > have && cmp want have
'
test_expect_success 'per-SA counters count segments, both ways' '
	in=$(ikeg_field packets_in "$SPI") &&
	out=$(ikeg_field packets_out "$SPI") &&
	echo "packets in $in out $out" &&
	[ "$in" -ge $((SIZE / 1400)) ] && [ "$out" -ge $((SIZE / 1400)) ] &&
	[ "$(ikeg_field drops_in "$SPI")" = 0 ]
'
test_expect_success 'show dataplane: the offloads did the work' '
	ikectl_gw show dataplane &&
	off=$(dp offload) && echo "offload $off" &&
	case $off in
	none) echo "no offloads on this kernel: nothing more to check" ;;
	*gro+tso*)
		# Fewer reads than packets read (super-packets), coalesced
		# writes, and fewer writes than packets written.
		[ "$(dp gso_rx)" -gt 0 ] && [ "$(dp gro_tx)" -gt 0 ] &&
		[ "$(dp tun_reads)" -lt "$(dp tun_rx)" ] &&
		[ "$(dp tun_writes)" -lt "$(dp tun_tx)" ] &&
		[ "$(dp gso_bad)" = 0 ] ;;
	*) [ "$(dp gro_tx)" -gt 0 ] ;;
	esac &&
	# The kernel took every (super-)packet written, cut none read.
	[ "$(dp tun_tx_invalid)" = 0 ] && [ "$(dp tun_rx_truncated)" = 0 ]
'
test_expect_success 'ikegated exits cleanly' 'ikeg_check_clean alicepw'
test_done
