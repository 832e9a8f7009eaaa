#!/bin/sh
# ikeclient <-> ikegated on one data-plane engine (core/dp) at both ends,
# with the TUN offloads (issue 7): TSO/USO super-packets read and split in
# userspace, decrypted TCP segments coalesced before one write. The
# receiving kernel verifies every checksum we compute, so intact bytes
# (sha256) prove the segmentation and the coalescing: 100 MB of TCP each
# way over IPv4, then over IPv6 (a dual-stack pool: RFC 7296 3.15.1
# INTERNAL_IP6_ADDRESS, TSi/TSr with ::/0); pings of every size from 0 to
# the MTU in steps, both families; UDP datagrams of several sizes. Then
# the counters: super-packets split and coalesced writes on both ends
# (the offloads engaged), nothing dropped by either data plane while the
# traffic ran, and what one end sealed is what the other opened.
#
# IPv6 is enabled only where it is needed: the two TUN devices and the
# gateway's protected network, without link-local autoconfiguration (no
# router solicitations into the tunnel; ikeclient turns it off on its
# device by itself). Inner IPv6 addresses come from
# 2001:2::/48, the IPv6 benchmarking prefix (RFC 5180), the counterpart of
# 198.18.0.0/15; like everything here they exist only inside the test's
# namespaces.
test_description='ikeclient <-> ikegated: offloads, IPv6 inner traffic'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:ping cmd:openssl cmd:socat cmd:sha256sum
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"
[ -d /proc/sys/net/ipv6 ] || skip_all "no IPv6 in this kernel"

PKI=$TRASH/pki
CLOG=$TRASH/ikeclient.log
CSOCK=$TRASH/ikeclient.sock
LAN6=2001:2:0:10::1
MB=100
interop_topology

status() { ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$CSOCK"; }
cstat() { status | sed -n "s/^$1: //p"; }
# dpfield TEXT NAME: a counter of the dataplane lines (dp_show): "split N".
dpfield() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}" |
    head -n 1; }
# dpdrops TEXT: the sum of the data plane's drops, every reason.
dpdrops() {
	printf '%s\n' "$1" | sed -n 's/^  drops://p' |
	    awk '{ s = 0; for (i = 2; i <= NF; i += 2) s += $i; print s }'
}
gwdp() { ikectl_gw show dataplane; }
# gso_segs NS DEV: the device's gso_max_segs, as ip(8) shows it.
gso_segs() { netns_exec "$1" ip -d link show dev "$2" |
    sed -n "s/.* gso_max_segs \([0-9]*\).*/\1/p"; }
# v6_on NS IF...: IPv6 on these interfaces only, no autoconfiguration.
v6_on() {
	local ns=$1 i
	shift
	for i do
		netns_exec "$ns" sysctl -qw net.ipv6.conf.$i.addr_gen_mode=1 \
		    net.ipv6.conf.$i.disable_ipv6=0 || return 1
	done
}
# xfer NAME FAMILY HOST PORT: $MB megabytes each way between the client
# and servers on HOST (in the gateway's namespace), FAMILY 4 or 6; the
# sha256 of what arrived at each end compared with the data's. The
# client's status before and after the upload: $TRASH/NAME.cli0, .cli1.
xfer() {
	local n=$1 f=$2 h=$3 port=$4
	[ "$f" = 6 ] && h="[$3]"
	rm -f "$TRASH/$n.up" "$TRASH/$n.down" &&
	# Client to gateway.
	netns_spawn gw "$TRASH/$n.srv1.pid" "$TRASH/$n.srv1.log" \
	    sh -c 'socat -u "$1" STDOUT | sha256sum > "$0.tmp" &&
		mv "$0.tmp" "$0"' "$TRASH/$n.up" \
	    "TCP$f-LISTEN:$port,bind=$h,reuseaddr" &&
	wait_for "netns_exec gw ss -ltn | grep -q ':$port '" 5 &&
	status > "$TRASH/$n.cli0" &&
	netns_exec cli socat -u OPEN:"$TRASH/data" "TCP$f:$h:$port" &&
	wait_for "[ -s '$TRASH/$n.up' ]" 30 &&
	status > "$TRASH/$n.cli1" &&
	# Gateway to client.
	netns_spawn gw "$TRASH/$n.srv2.pid" "$TRASH/$n.srv2.log" \
	    socat -u OPEN:"$TRASH/data" \
	    "TCP$f-LISTEN:$((port + 1)),bind=$h,reuseaddr" &&
	wait_for "netns_exec gw ss -ltn | grep -q ':$((port + 1)) '" 5 &&
	netns_exec cli sh -c 'socat -u "$1" STDOUT | sha256sum > "$2"' sh \
	    "TCP$f:$h:$((port + 1))" "$TRASH/$n.down" &&
	echo "sent $(cat "$TRASH/data.sum")" &&
	echo "up   $(cat "$TRASH/$n.up")" &&
	echo "down $(cat "$TRASH/$n.down")" &&
	[ "$(cat "$TRASH/$n.up")" = "$(cat "$TRASH/data.sum")" ] &&
	[ "$(cat "$TRASH/$n.down")" = "$(cat "$TRASH/data.sum")" ]
}

test_expect_success 'a dual-stack gateway, IPv6 on its device and LAN' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= \
	    pool="198.18.20.0/28
network = 2001:2:0:20::/124" \
	    split="198.18.10.0/24, 2001:2:0:10::/64" &&
	cat "$TRASH/gw.ini" &&
	v6_on gw lan0 lan1 default &&
	netns_exec gw ip -6 addr add "$LAN6/64" dev lan1 nodad &&
	# The client side keeps the kernel default addr_gen_mode: ikeclient
	# itself turns link-local autoconfiguration off on its device.
	netns_exec cli sysctl -qw net.ipv6.conf.default.disable_ipv6=0 &&
	ikeg_start "$TRASH/gw.ini" &&
	gwdp | tee "$TRASH/dp0" &&
	grep -q "offload gro+tso" "$TRASH/dp0"
'

test_expect_success 'ikeclient gets an IPv4 and an IPv6 address' '
	printf "alicepw\n" > "$TRASH/pw" && chmod 600 "$TRASH/pw" &&
	ikec_config "$TRASH/cli.ini" pw="$TRASH/pw" sock="$CSOCK" &&
	netns_spawn cli "$TRASH/ikeclient.pid" "$CLOG" \
	    "$TOP/ikeclient" -d -c "$TRASH/cli.ini" &&
	wait_for "grep -q \"^Connected to vpn-test\" \"$CLOG\"" 15 &&
	cat "$CLOG" &&
	line=$(grep "^Connected to vpn-test as " "$CLOG") &&
	V4=$(echo "$line" | sed -n "s/.* as \([0-9.]*\) and .*/\1/p") &&
	V6=$(echo "$line" | sed -n "s/.* and \([0-9a-f:]*\)\.$/\1/p") &&
	echo "$V4" | grep -q "^198\.18\.20\.[0-9]*$" &&
	echo "$V6" | grep -q "^2001:2:0:20::[0-9a-f]*$" &&
	echo "$V4" > "$TRASH/v4" && echo "$V6" > "$TRASH/v6" &&
	[ "$(cstat address)" = "$V4" ] && [ "$(cstat address6)" = "$V6" ] &&
	netns_exec cli ip -6 addr show dev ikec0 | grep -q "inet6 $V6/128" &&
	netns_exec cli ip -6 route show dev ikec0 |
	    grep -q "^2001:2:0:10::/64" &&
	! netns_exec cli ip -6 addr show dev ikec0 | grep -q "inet6 fe80" &&
	grep -q "offloads gro+tso" "$CLOG" &&
	ikectl_gw show sa | tee s &&
	grep -q "2001:2:0:20::" "$TRASH/ikegated.log"
'

test_expect_success 'pings of every size, both families' '
	V4=$(cat "$TRASH/v4") && V6=$(cat "$TRASH/v6") &&
	for s in $(seq 0 98 1372) 1372; do
		netns_exec cli ping -q -c 1 -W 3 -M do -s "$s" \
		    -I "$V4" 198.18.10.1 >/dev/null || {
			echo "ping -s $s failed"; exit 1; }
	done &&
	for s in $(seq 0 96 1352) 1352; do
		netns_exec cli ping -6 -q -c 1 -W 3 -M do -s "$s" \
		    -I "$V6" "$LAN6" >/dev/null || {
			echo "ping -6 -s $s failed"; exit 1; }
	done &&
	netns_exec cli ping -q -c 20 -i 0.01 -W 3 -I "$V4" 198.18.10.1 &&
	netns_exec cli ping -6 -q -c 20 -i 0.01 -W 3 -I "$V6" "$LAN6"
'

# The drops so far (the kernel may have sent something no SA covers
# while the devices came up): what follows must add none.
test_expect_success 'counters before the bulk traffic' '
	gwdp > "$TRASH/gw.before" && status > "$TRASH/cli.before" &&
	cat "$TRASH/gw.before" "$TRASH/cli.before" &&
	dpdrops "$(cat "$TRASH/gw.before")" > "$TRASH/gw.drops0" &&
	dpdrops "$(cat "$TRASH/cli.before")" > "$TRASH/cli.drops0" &&
	[ -n "$(cat "$TRASH/gw.drops0")" ] &&
	[ -n "$(cat "$TRASH/cli.drops0")" ]
'

test_expect_success 'UDP datagrams of several sizes, both ways' '
	V4=$(cat "$TRASH/v4") &&
	sizes="1 28 100 512 1000 1371 1372" && total=0 &&
	for s in $sizes; do total=$((total + s)); done &&
	netns_spawn gw "$TRASH/udp.pid" "$TRASH/udp.out" \
	    socat -u UDP-RECV:5400,bind=198.18.10.1 STDOUT &&
	netns_spawn cli "$TRASH/udp6.pid" "$TRASH/udp6.out" \
	    socat -u "UDP6-RECV:5401,bind=[$(cat "$TRASH/v6")]" STDOUT &&
	sleep 0.3 &&
	for s in $sizes; do
		head -c "$s" /dev/zero | tr "\\000" u |
		    netns_exec cli socat -u STDIN \
		    UDP-SENDTO:198.18.10.1:5400,bind="$V4" &&
		head -c "$s" /dev/zero | tr "\\000" v |
		    netns_exec gw socat -u STDIN \
		    "UDP6-SENDTO:[$(cat "$TRASH/v6")]:5401,bind=[$LAN6]" ||
		exit 1
	done &&
	wait_for "[ \$(wc -c < \"$TRASH/udp.out\") = $total ]" 5 &&
	wait_for "[ \$(wc -c < \"$TRASH/udp6.out\") = $total ]" 5 &&
	[ "$(tr -d u < "$TRASH/udp.out" | wc -c)" = 0 ] &&
	[ "$(tr -d v < "$TRASH/udp6.out" | wc -c)" = 0 ]
'

test_expect_success "$MB MB of TCP each way over IPv4, bytes intact" '
	openssl enc -aes-128-ctr -pass pass:ikegate -nosalt -pbkdf2 \
	    < /dev/zero 2>/dev/null | head -c $((MB * 1048576)) \
	    > "$TRASH/data" &&
	[ "$(wc -c < "$TRASH/data")" = $((MB * 1048576)) ] &&
	sha256sum < "$TRASH/data" > "$TRASH/data.sum" &&
	xfer tcp4 4 198.18.10.1 5100
'

test_expect_success "$MB MB of TCP each way over IPv6, bytes intact" '
	gwdp > "$TRASH/gw.mid" && status > "$TRASH/cli.mid" &&
	xfer tcp6 6 "$LAN6" 5200
'

# Split: TSO super-packets read from the device and cut before ESP;
# coalesced: writes that merged decrypted segments. Both ends, each
# family (the IPv6 transfer alone must move both counters).
test_expect_success 'the offloads engaged on both ends, IPv6 too' '
	gwdp > "$TRASH/gw.after" && status > "$TRASH/cli.after" &&
	cat "$TRASH/gw.after" "$TRASH/cli.after" &&
	for f in gw cli; do
		t=$(cat "$TRASH/$f.after") && m=$(cat "$TRASH/$f.mid") &&
		echo "$f: split $(dpfield "$m" split) then" \
		    "$(dpfield "$t" split), coalesced" \
		    "$(dpfield "$m" coalesced) then" \
		    "$(dpfield "$t" coalesced)" &&
		[ "$(dpfield "$m" split)" -gt 0 ] &&
		[ "$(dpfield "$m" coalesced)" -gt 0 ] &&
		[ "$(dpfield "$t" split)" -gt "$(dpfield "$m" split)" ] &&
		[ "$(dpfield "$t" coalesced)" -gt \
		    "$(dpfield "$m" coalesced)" ] || exit 1
	done
'

# The client's TCP sizes its bursts to what one UDP GSO send carries
# once sealed (the device's gso_max_segs), and a burst's segments are
# sealed in one batch: each leaves as one send (a few more for equal
# single packets sent together). The gateway's device, which forwards
# bursts others sized, is left uncapped (65535 segments).
test_expect_success 'a TCP burst of the client leaves in one UDP send' '
	cap=$(gso_segs cli ikec0) && gcap=$(gso_segs gw ikeg0) &&
	a=$(cat "$TRASH/tcp4.cli0") && b=$(cat "$TRASH/tcp4.cli1") &&
	split=$(($(dpfield "$b" split) - $(dpfield "$a" split))) &&
	gso=$(($(dpfield "$b" sends) - $(dpfield "$a" sends))) &&
	echo "gso_max_segs: client $cap, gateway $gcap;" \
	    "upload: $split bursts split, $gso GSO sends" &&
	[ "$cap" -ge 16 ] && [ "$cap" -lt 64 ] && [ "$gcap" = 65535 ] &&
	[ "$split" -ge 500 ] && [ "$gso" -le $((split + split / 10)) ]
'

# UDP GSO at the sender, GRO at the receiver: each end sends segmented
# ESP and receives datagrams the kernel coalesced (the other end's GSO
# sends arrive whole over the veth).
test_expect_success 'UDP GSO and GRO engaged on both ends' '
	for f in gw cli; do
		t=$(cat "$TRASH/$f.after") &&
		gso=$(printf "%s\n" "$t" |
		    sed -n "s/.* gso sends \([0-9]*\) .*/\1/p") &&
		gro=$(printf "%s\n" "$t" |
		    sed -n "s/.* gro reads \([0-9]*\) .*/\1/p") &&
		echo "$f: gso sends $gso, gro reads $gro" &&
		[ "$gso" -gt 0 ] && [ "$gro" -gt 0 ] || exit 1
	done
'

test_expect_success 'no drops, and what one end sealed the other opened' '
	[ "$(dpdrops "$(cat "$TRASH/gw.after")")" = \
	    "$(cat "$TRASH/gw.drops0")" ] &&
	[ "$(dpdrops "$(cat "$TRASH/cli.after")")" = \
	    "$(cat "$TRASH/cli.drops0")" ] &&
	ikectl_gw show sa --json > "$TRASH/sa.json" &&
	gin=$(ikeg_field packets_in) && gout=$(ikeg_field packets_out) &&
	cin=$(cstat "packets in") && cout=$(cstat "packets out") &&
	echo "gateway in $gin out $gout; client in $cin out $cout" &&
	[ "$gin" -gt $((2 * MB * 700)) ] &&
	[ "$cin" -gt $((2 * MB * 700)) ] &&
	[ "$(cstat "drops in")" = 0 ] && [ "$(cstat "drops out")" = 0 ] &&
	[ "$(ikeg_field drops_in)" = 0 ] &&
	[ "$(ikeg_field drops_out)" = 0 ] &&
	[ "$gin" = "$cout" ] && [ "$cin" = "$gout" ]
'

test_expect_success 'both exit cleanly; no secret or sanitizer report' '
	kill -TERM "$(proc_pid "$TRASH/ikeclient.pid")" &&
	wait_for "! proc_alive \"$TRASH/ikeclient.pid\"" 10 &&
	! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$CLOG" &&
	! grep -F alicepw "$CLOG" &&
	ikeg_check_clean alicepw
'
test_done
