#!/bin/sh
# Traffic through ikegated's userspace ESP data plane with strongSwan
# clients (kernel-libipsec): ping both ways between a client and the
# gateway's protected network, a 100 MB TCP transfer whose bytes arrive
# intact, two clients pinging each other through the gateway, and the
# counters of `ikectl show sa` and `show dataplane` adding up. Read
# pacing (rx_coalesce_usecs): never for pings 0.2 s apart, but for the
# transfer.
test_description='ESP traffic through ikegated'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:socat cmd:sha256sum
interop_require_swan

PKI=$TRASH/pki
A=$TRASH/alice
B=$TRASH/bob
POOLNET=198.18.20.0/28
TS=198.18.10.0/24,$POOLNET
interop_topology

test_expect_success 'a second client namespace on its own link' '
	netns_create cli2 &&
	netns_link gw wan2 203.0.113.1/24 cli2 wan 203.0.113.2/24 &&
	netns_route cli2 198.51.100.0/24 203.0.113.1 &&
	netns_forward gw
'
test_expect_success 'ikegated with the data plane' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" split="198.18.10.0/24, $POOLNET" \
	    esp_enc=aes-gcm-256 esp_integ= gw_extra="user = nobody" &&
	chmod 755 "$TRASH" &&
	ikeg_start "$TRASH/gw.ini" &&
	netns_exec gw ip link show ikeg0 | grep -q UP &&
	netns_exec gw ip route show | grep -F "$POOLNET dev ikeg0"
'
test_expect_success 'it dropped root after setup' '
	pid=$(cut -d" " -f1 "$TRASH/ikegated.pid") &&
	[ "$(ps -o user= -p "$pid")" = nobody ] &&
	grep -F "running as user nobody" "$TRASH/ikegated.log"
'
test_expect_success 'alice and bob connect' '
	swan_client "$A" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
	    secret=alicepw esp=aes256gcm16 remote_ts=$TS &&
	swan_start cli "$A" client && swan_load "$A" &&
	swan_initiate "$A" home &&
	swan_client "$B" home pki="$PKI" auth=eap-mschapv2 \
	    id=bob@ikegate.test eap_id=bob secret=bobpw esp=aes256gcm16 \
	    remote_ts=$TS &&
	swan_start cli2 "$B" client && swan_load "$B" &&
	swan_initiate "$B" home &&
	ikeg_agree "$A" home && ikeg_agree "$B" home
'
VA=$(swan_sa_field "$A" local-vips 2>/dev/null)
VB=$(swan_sa_field "$B" local-vips 2>/dev/null)
# paced: the reads the NAT-T sockets delayed (rx_coalesce_usecs, 100 us by
# default), the total of `show dataplane --json`.
paced() {
	ikectl_gw show dataplane --json | grep -o '"rx_waits":[0-9]*' |
	    tail -n 1 | cut -d: -f2
}
PACED0=$(paced)

test_expect_success 'client to the protected network' '
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$VA" "$GW_LAN_ADDR"
'
test_expect_success 'protected network to the client' '
	netns_exec gw ping -c 3 -i 0.2 -W 2 -I "$GW_LAN_ADDR" "$VA"
'
test_expect_success 'pings 0.2 s apart are read at once, never paced' '
	[ -n "$PACED0" ] && [ "$(paced)" = "$PACED0" ]
'
test_expect_success 'client to client through the gateway' '
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$VA" "$VB" &&
	netns_exec cli2 ping -c 3 -i 0.2 -W 2 -I "$VB" "$VA"
'
test_expect_success 'show sa counts the packets, both directions' '
	ikectl_gw show sa --json > sa.json &&
	[ "$(ikeg_field packets_in "$(swan_sa_field "$A" initiator-spi)")" -ge 9 ] &&
	[ "$(ikeg_field packets_out "$(swan_sa_field "$A" initiator-spi)")" -ge 9 ] &&
	[ "$(ikeg_field drops_in "$(swan_sa_field "$A" initiator-spi)")" = 0 ]
'
test_expect_success '100 MB over TCP arrive intact' '
	head -c 100000000 /dev/urandom > data &&
	sha256sum < data > want &&
	netns_spawn gw "$TRASH/sink.pid" "$TRASH/sink.log" socat -u \
	    TCP-LISTEN:5001,bind=$GW_LAN_ADDR,reuseaddr OPEN:got,creat,trunc &&
	wait_for "netns_exec gw ss -ltn | grep -q :5001" 5 &&
	netns_exec cli socat -u OPEN:data TCP:$GW_LAN_ADDR:5001,bind=$VA &&
	wait_for "! proc_alive $TRASH/sink.pid" 30 &&
	sha256sum < got > have && cmp want have
'
# strongSwan sends one datagram per system call: a steady stream wakes the
# reader for one or two packets at a time unless it waits a little.
test_expect_success 'the transfer was read in paced batches' '
	[ "$(paced)" -gt "$PACED0" ]
'
test_expect_success 'show dataplane: no drops beyond TCP retransmits' '
	ikectl_gw show dataplane && ikectl_gw show dataplane --json > dp.json &&
	grep -q "\"bad-icv\":0" dp.json && grep -q "\"spoofed\":0" dp.json &&
	grep -q "\"replay\":0" dp.json
'
# The operator rekeys alice's CHILD SA: charon answers, both ends move to
# the new SPIs, pings go on; bob's SA is untouched.
test_expect_success 'ikectl rekey: new ESP SA on demand, nothing lost' '
	spi=$(swan_sa_field "$A" initiator-spi) && [ ${#spi} = 16 ] &&
	in0=$(ikeg_field spi_in "$spi") && bob0=$(swan_child_field "$B" \
	    spi-in) &&
	ikectl_gw rekey "$spi" &&
	wait_for "[ \"\$(ikeg_field spi_in $spi)\" != $in0 ] &&
	    ikeg_agree \"$A\" home" 10 &&
	grep -F "rekey asked by the operator" "$TRASH/ikegated.log" &&
	grep -F "rekeyed by us" "$TRASH/ikegated.log" &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$VA" "$GW_LAN_ADDR" &&
	[ "$(swan_child_field "$B" spi-in)" = "$bob0" ]
'
test_expect_success 'ikectl rekey: unknown or malformed SPI refused' '
	! ikectl_gw rekey 0123456789abcdef > out 2>&1 &&
	grep -F "no established IKE SA" out &&
	! ikectl_gw rekey 12zz > out 2>&1 && grep -F "usage: rekey" out
'
test_expect_success 'ikegated exits cleanly' 'ikeg_check_clean alicepw bobpw'
test_done
