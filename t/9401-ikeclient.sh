#!/bin/sh
# ikeclient against ikegated with session resumption (DESIGN.md, "The flow
# of a session"; issue "ikeclient"). Steps: full EAP-MSCHAPv2 login, an
# address from the pool, traffic through the tunnel; the client's link cut
# until dead peer detection fails on both sides, then back: the client
# resumes by itself (same address, no password: KEY_ID + token), the
# gateway counts one successful reconnect and traffic flows again; a
# simulated suspend (the SIGUSR1 test hook moves the client's wall clock)
# makes it resume again; so does a move to another link and address, at
# once (rtnetlink), without waiting for DPD; the gateway restarted (its
# in-memory sessions lost) refuses the resume and the client falls back to
# a full login, and so does a session the gateway ends (ikectl
# disconnect); --status; a user disconnect (SIGTERM) sends a DELETE that
# ends the session; with --state and -k a restarted client resumes; a
# wrong password ends the client (exit 1) instead of a retry loop; no
# secret is logged on either side.
test_description='ikeclient <-> ikegated: connect, lose, resume'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:ping cmd:openssl
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"

PKI=$TRASH/pki
CLOG=$TRASH/ikeclient.log
CSOCK=$TRASH/ikeclient.sock
interop_topology

gwstat() { ikectl_gw stats reconnect | sed -n "s/^$1: //p"; }
connected() { grep -c "^Connected to vpn-test" "${1:-$CLOG}"; }
status() { ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$CSOCK"; }
cstat() { status | sed -n "s/^$1: //p"; }
vip() { sed -n 's/^Connected to vpn-test as \([0-9.]*[0-9]\).*/\1/p' "$CLOG" |
    sed -n "${1}p"; }
tunping() {
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$1" "$GW_LAN_ADDR"
}

test_expect_success 'ikegated with resumption and fast DPD' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= \
	    extra_profile="reconnect_timeout = 30
dpd = 2 1" &&
	netns_forward gw &&
	ikeg_start "$TRASH/gw.ini"
'

test_expect_success 'full login with EAP-MSCHAPv2' '
	printf "alicepw\n" > "$TRASH/pw" && chmod 600 "$TRASH/pw" &&
	ikec_config "$TRASH/cli.ini" pw="$TRASH/pw" sock="$CSOCK" extra="dpd = 2
retransmit_base = 500
retransmit_tries = 3" &&
	netns_spawn cli "$TRASH/ikeclient.pid" "$CLOG" \
	    "$TOP/ikeclient" -d -c "$TRASH/cli.ini" &&
	wait_for "[ \$(connected) = 1 ]" 15 &&
	cat "$CLOG" &&
	grep -q "^Connecting to vpn-test\.\.\.$" "$CLOG" &&
	grep -q "^DNS (not applied): domain ikegate\.test$" "$CLOG" &&
	V=$(vip 1) && echo "$V" | grep -q "^198\.18\.20\.[0-9]*$" &&
	netns_exec cli ip -4 addr show dev ikec0 | grep -q "inet $V/32" &&
	netns_exec cli ip route show dev ikec0 | grep -q "^198.18.10.0/24" &&
	! netns_exec cli ip route show dev ikec0 | grep -q "^default" &&
	tunping "$V" &&
	ikectl_gw show sessions | tee s && grep -q UP-ACTIVE s &&
	[ "$(gwstat "Reconnect capable active session count")" = 1 ] &&
	[ "$(cstat state)" = connected ] &&
	[ "$(cstat address)" = "$V" ] &&
	[ "$(cstat resumable)" = yes ] &&
	[ "$(cstat resumes)" = 0 ]
'

test_expect_success 'link cut: DPD fails on both sides' '
	netns_exec cli ip link set wan down &&
	wait_for "grep -q \"is dead\" \"$TRASH/ikegated.log\"" 25 &&
	wait_for "grep -q \"^Reconnecting to vpn-test\" \"$CLOG\"" 25 &&
	ikectl_gw show sessions | grep -q IDLE &&
	grep "lost: gateway dead" "$CLOG" &&
	netns_exec cli ip -4 addr show dev ikec0 | grep -q "inet $(vip 1)/32"
'

test_expect_success 'link back: the client resumes by itself' '
	netns_exec cli ip link set wan up &&
	wait_for "[ \$(connected) = 2 ]" 40 &&
	cat "$CLOG" &&
	[ "$(vip 2)" = "$(vip 1)" ] &&
	grep -q "as $(vip 1) (session resumed)" "$CLOG" &&
	tunping "$(vip 1)" &&
	ikectl_gw show sessions | grep -q UP-ACTIVE &&
	[ "$(gwstat "Total incoming reconnect connection")" = 1 ] &&
	[ "$(gwstat "Success reconnect connection")" = 1 ] &&
	[ "$(gwstat "Failed reconnect connection")" = 0 ] &&
	[ "$(cstat resumes)" = 1 ] && [ "$(cstat "full logins")" = 1 ] &&
	grep -F "resumed from" "$TRASH/ikegated.log"
'

test_expect_success 'a suspend (wall clock jump) makes it resume again' '
	kill -USR1 "$(proc_pid "$TRASH/ikeclient.pid")" &&
	wait_for "[ \$(connected) = 3 ]" 20 &&
	grep -q "^Clock jumped by" "$CLOG" &&
	[ "$(vip 3)" = "$(vip 1)" ] &&
	tunping "$(vip 1)" &&
	[ "$(gwstat "Success reconnect connection")" = 2 ] &&
	[ "$(cstat resumes)" = 2 ]
'

test_expect_success 'network change: new link and address, resume at once' '
	netns_link gw wan2 203.0.113.1/24 cli wan2 203.0.113.2/24 &&
	netns_exec cli ip link set wan down &&
	netns_route cli 198.51.100.0/24 203.0.113.1 &&
	wait_for "[ \$(connected) = 4 ]" 6 &&
	cat "$CLOG" &&
	grep -q "^Network changed: .* from 203.0.113.2, not 198.51.100.2.$" \
	    "$CLOG" &&
	[ "$(vip 4)" = "$(vip 1)" ] &&
	tunping "$(vip 1)" &&
	ikectl_gw show sa | grep -F 203.0.113.2 &&
	[ "$(gwstat "Success reconnect connection")" = 3 ] &&
	[ "$(cstat resumes)" = 3 ]
'

test_expect_success 'gateway restarted: resume refused, full login' '
	ikeg_check_clean alicepw &&
	mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.1" &&
	ikeg_start "$TRASH/gw.ini" &&
	wait_for "[ \$(connected) = 5 ]" 60 &&
	cat "$CLOG" &&
	grep -q "refused to resume the session; logging in again" "$CLOG" &&
	[ "$(cstat "full logins")" = 2 ] &&
	[ "$(cstat "resumes refused")" = 1 ] &&
	V=$(vip 5) && tunping "$V" &&
	[ "$(gwstat "Success reconnect connection")" = 0 ] &&
	[ "$(gwstat "Reconnect capable active session count")" = 1 ]
'

# ikectl disconnect needs the session-id, which only debug builds show.
if grep -q '^#define IKEGATE_DEBUG 1' "$TOP/config.h" 2>/dev/null; then
test_expect_success 'the gateway ends the session: resume refused, login' '
	SID=$(ikectl_gw debug sessions | awk "NR == 1 { print \$1 }") &&
	[ -n "$SID" ] &&
	ikectl_gw disconnect "$SID" &&
	wait_for "[ \$(connected) = 6 ]" 20 &&
	cat "$CLOG" &&
	grep -q "^Connection to vpn-test lost: deleted by the gateway" \
	    "$CLOG" &&
	[ "$(cstat "full logins")" = 3 ] &&
	[ "$(cstat "resumes refused")" = 2 ] &&
	tunping "$(vip 6)"
'
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP ikectl disconnect: needs a debug build"
fi

test_expect_success 'a user disconnect ends the session' '
	kill -TERM "$(proc_pid "$TRASH/ikeclient.pid")" &&
	wait_for "! proc_alive \"$TRASH/ikeclient.pid\"" 10 &&
	grep -q "^Disconnecting from vpn-test" "$CLOG" &&
	wait_for "[ -z \"\$(ikectl_gw show sessions)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ] &&
	! netns_exec cli ip link show ikec0 &&
	! [ -e "$CSOCK" ]
'

test_expect_success '--state: a restarted client resumes' '
	netns_spawn cli "$TRASH/ikeclient2.pid" "$TRASH/c2.log" \
	    "$TOP/ikeclient" -k --state "$TRASH/state" -c "$TRASH/cli.ini" &&
	wait_for "[ \$(connected $TRASH/c2.log) = 1 ]" 15 &&
	[ "$(stat -c %a "$TRASH/state")" = 600 ] &&
	grep -q "^session_id [0-9a-f]*$" "$TRASH/state" &&
	V=$(sed -n "s/^Connected to vpn-test as \([0-9.]*[0-9]\)\.$/\1/p" \
	    "$TRASH/c2.log") && [ -n "$V" ] &&
	kill -TERM "$(proc_pid "$TRASH/ikeclient2.pid")" &&
	wait_for "! proc_alive \"$TRASH/ikeclient2.pid\"" 10 &&
	[ -s "$TRASH/state" ] &&
	ikectl_gw show sessions | grep -q UP &&
	netns_spawn cli "$TRASH/ikeclient3.pid" "$TRASH/c3.log" \
	    "$TOP/ikeclient" --state "$TRASH/state" -c "$TRASH/cli.ini" &&
	wait_for "[ \$(connected $TRASH/c3.log) = 1 ]" 15 &&
	cat "$TRASH/c3.log" &&
	grep -E -m 1 "^(Connecting|Reconnecting) to" "$TRASH/c3.log" |
	    grep -q "^Reconnecting to vpn-test" &&
	! grep -q "^Connecting to" "$TRASH/c3.log" &&
	grep -q "^Connected to vpn-test as $V (session resumed)" \
	    "$TRASH/c3.log" &&
	tunping "$V" &&
	kill -TERM "$(proc_pid "$TRASH/ikeclient3.pid")" &&
	wait_for "! proc_alive \"$TRASH/ikeclient3.pid\"" 10 &&
	! [ -e "$TRASH/state" ] &&
	wait_for "[ -z \"\$(ikectl_gw show sessions)\" ]" 5
'

test_expect_success 'a wrong password: the client gives up, exit 1' '
	netns_spawn cli "$TRASH/ikeclient4.pid" "$TRASH/c4.log" \
	    sh -c '\''"$@"; echo $? > "$0"'\'' "$TRASH/c4.rc" \
	    "$TOP/ikeclient" -c "$TRASH/cli.ini" -o password=wrongpw \
	    -S "$TRASH/c4.sock" &&
	wait_for "[ -s \"$TRASH/c4.rc\" ]" 20 &&
	cat "$TRASH/c4.log" &&
	[ "$(cat "$TRASH/c4.rc")" = 1 ] &&
	grep -q "^Cannot connect to vpn-test: " "$TRASH/c4.log" &&
	[ "$(grep -c "^Connecting to" "$TRASH/c4.log")" = 1 ] &&
	[ -z "$(ikectl_gw show sessions)" ]
'

test_expect_success 'no secret or sanitizer report in the client logs' '
	for f in "$CLOG" "$TRASH/c2.log" "$TRASH/c3.log" "$TRASH/c4.log"; do
		! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$f" &&
		! grep -F -e alicepw -e wrongpw "$f" &&
		! grep -E "[0-9A-Fa-f]{32}" "$f" || exit 1
	done
'

test_expect_success 'ikegated exits cleanly; no secret logged' '
	ikeg_check_clean alicepw wrongpw
'
test_done
