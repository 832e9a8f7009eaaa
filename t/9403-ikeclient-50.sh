#!/bin/sh
# 50 ikeclients against one ikegated, at once (DESIGN.md, "The flow of a
# session"; t/9401-ikeclient.sh for one). Each client logs in with its own
# EAP-MSCHAPv2 user (u00..u49), its own TUN device, control socket and no
# routes (routes = none: 50 sets of split routes would clash in the one
# client namespace, so there is no data-plane check here; 9401 has it).
# The clients' link is cut until dead peer detection fails on both sides
# for all 50 (50 IDLE sessions on the gateway), then restored: every
# client resumes by itself and gets its own address back, and `ikectl
# stats reconnect` counts 50 incoming, 50 successful, 0 failed reconnects
# and 50 active, 0 inactive sessions; 50 user disconnects (SIGTERM) end
# all 50 sessions. Bounded: about 40 s.
test_description='50 ikeclients: connect, lose, resume, concurrently'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:openssl
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"

N=50
PKI=$TRASH/pki
interop_topology

# The clients are numbered 00..49 (two digits: u00, ikec00, c00.log).
clients() { seq -w 0 $((N - 1)); }
gwstat() { ikectl_gw stats reconnect | sed -n "s/^$1: //p"; }
nsess() { ikectl_gw show sessions | grep -c -- "$1" || :; }
clog() { echo "$TRASH/c$1.log"; }
connected() { grep -c "^Connected to vpn-test" "$(clog "$1")" || :; }
cstat() {
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status \
	    -S "$TRASH/c$1.sock" | sed -n "s/^$2: //p"
}
vip() {
	sed -n 's/^Connected to vpn-test as \([0-9.]*[0-9]\).*/\1/p' \
	    "$(clog "$1")" | sed -n "${2}p"
}
# all_n K: every client has logged "Connected" K times.
all_n() {
	local i
	for i in $(clients); do
		[ "$(connected "$i")" = "$1" ] || return 1
	done
}
# count_grep RE: how many client logs match RE.
count_grep() {
	local i n=0
	for i in $(clients); do
		! grep -q -e "$1" "$(clog "$i")" || n=$((n + 1))
	done
	echo "$n"
}

test_expect_success 'ikegated: 50 users, a /26 pool, resumption, fast DPD' '
	pki_make "$PKI" &&
	users=$(for i in $(clients); do
		printf "[user u%s]\npassword = pw-%s\n\n" "$i" "$i"
	done) &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= \
	    pool=198.18.20.0/26 extra="$users" \
	    extra_profile="reconnect_timeout = 60
dpd = 2 1" &&
	[ "$(grep -c "^\[user u" "$TRASH/gw.ini")" = $N ] &&
	ikeg_start "$TRASH/gw.ini"
'

test_expect_success '50 clients log in at once' '
	for i in $(clients); do
		printf "pw-%s\n" "$i" > "$TRASH/pw$i" &&
		chmod 600 "$TRASH/pw$i" &&
		ikec_config "$TRASH/c$i.ini" user="u$i" pw="$TRASH/pw$i" \
		    tun="ikec$i" sock="$TRASH/c$i.sock" extra="routes = none
dpd = 2
retransmit_base = 500
retransmit_tries = 3"
	done &&
	for i in $(clients); do
		netns_spawn cli "$TRASH/c$i.pid" "$(clog "$i")" \
		    "$TOP/ikeclient" -c "$TRASH/c$i.ini"
	done &&
	wait_for "all_n 1" 40 &&
	ikectl_gw show sessions > s &&
	[ "$(grep -c UP-ACTIVE s)" = $N ] &&
	[ "$(gwstat "Reconnect capable active session count")" = $N ] &&
	[ "$(ikeg_pool_used pool)" = $N ] &&
	for i in $(clients); do
		V=$(vip "$i" 1) &&
		echo "$V" | grep -q "^198\.18\.20\.[0-9]*$" &&
		echo "$V" >> vips &&
		[ "$(cstat "$i" state)" = connected ] &&
		[ "$(cstat "$i" address)" = "$V" ] &&
		[ "$(cstat "$i" resumable)" = yes ] &&
		netns_exec cli ip -4 addr show dev "ikec$i" |
		    grep -q "inet $V/32" &&
		! netns_exec cli ip route show dev "ikec$i" | grep -q via ||
		{ echo "client $i"; cat "$(clog "$i")"; exit 1; }
	done &&
	[ "$(sort -u vips | wc -l)" = $N ] &&
	! netns_exec cli ip route show | grep -q "^198\.18\.10\."
'

test_expect_success 'link cut: DPD fails on both sides for all 50' '
	netns_exec cli ip link set wan down &&
	wait_for "[ \$(nsess IDLE) = $N ]" 40 &&
	wait_for "[ \$(count_grep \"^Reconnecting to vpn-test\") = $N ]" 30 &&
	[ "$(nsess UP-ACTIVE)" = 0 ] &&
	[ "$(gwstat "Reconnect capable inactive session count")" = $N ] &&
	[ "$(gwstat "Reconnect capable active session count")" = 0 ] &&
	[ "$(count_grep "lost: gateway dead")" = $N ] &&
	[ "$(ikeg_pool_used pool)" = $N ]
'

test_expect_success 'link back: all 50 resume by themselves, same address' '
	netns_exec cli ip link set wan up &&
	wait_for "all_n 2" 40 &&
	for i in $(clients); do
		V=$(vip "$i" 1) &&
		[ "$(vip "$i" 2)" = "$V" ] &&
		grep -q "as $V (session resumed)" "$(clog "$i")" &&
		[ "$(cstat "$i" state)" = connected ] &&
		[ "$(cstat "$i" address)" = "$V" ] &&
		[ "$(cstat "$i" resumes)" = 1 ] &&
		[ "$(cstat "$i" "full logins")" = 1 ] &&
		netns_exec cli ip -4 addr show dev "ikec$i" |
		    grep -q "inet $V/32" ||
		{ echo "client $i"; cat "$(clog "$i")"; exit 1; }
	done &&
	ikectl_gw stats reconnect | tee st &&
	[ "$(nsess UP-ACTIVE)" = $N ] && [ "$(nsess IDLE)" = 0 ] &&
	[ "$(gwstat "Total incoming reconnect connection")" = $N ] &&
	[ "$(gwstat "Success reconnect connection")" = $N ] &&
	[ "$(gwstat "Failed reconnect connection")" = 0 ] &&
	[ "$(gwstat "Reconnect capable active session count")" = $N ] &&
	[ "$(gwstat "Reconnect capable inactive session count")" = 0 ] &&
	[ "$(ikeg_pool_used pool)" = $N ] &&
	[ "$(grep -c -F "resumed from" "$TRASH/ikegated.log")" = $N ]
'

# Stopped here rather than by the exit hook, so that sanitizer builds'
# exit-time reports (leaks) land in the logs checked next.
test_expect_success '50 user disconnects end all 50 sessions' '
	for i in $(clients); do
		kill -TERM "$(proc_pid "$TRASH/c$i.pid")" || exit 1
	done &&
	for i in $(clients); do
		wait_for "! proc_alive \"$TRASH/c$i.pid\"" 20 &&
		grep -q "^Disconnecting from vpn-test" "$(clog "$i")" &&
		! [ -e "$TRASH/c$i.sock" ] || exit 1
	done &&
	wait_for "[ -z \"\$(ikectl_gw show sessions)\" ]" 10 &&
	[ "$(ikeg_pool_used pool)" = 0 ] &&
	! netns_exec cli ip link show | grep -q ikec
'

test_expect_success 'no secret or sanitizer report in the client logs' '
	for i in $(clients); do
		f=$(clog "$i") &&
		! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$f" &&
		! grep -F "pw-$i" "$f" &&
		! grep -E "[0-9A-Fa-f]{32}" "$f" || exit 1
	done
'

test_expect_success 'ikegated exits cleanly; no secret logged' '
	ikeg_check_clean $(for i in $(clients); do echo "pw-$i"; done)
'
test_done
