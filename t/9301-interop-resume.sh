#!/bin/sh
# Session resumption with a strongSwan client (DESIGN.md, "The flow of a
# session"). strongSwan does not ask for the session-id and token
# attributes, so the test reads what ikegated issued with the debug-build
# hook `ikectl debug sessions`, and resumes with id = keyid:<session-id>
# and PSK = token, as Cisco Secure Client does. Steps: full EAP login; link
# cut until dead peer detection fails and the session is IDLE; a wrong
# token fails and counts; the right one resumes with the same address and
# traffic flows; `ikectl stats reconnect` adds up; after the reconnect
# timeout the resume fails and the address is back in the pool; a client's
# DELETE leaves no idle session.
test_description='session resumption with strongSwan'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping
interop_require_swan
grep -q '^#define IKEGATE_DEBUG 1' "$TOP/config.h" 2>/dev/null ||
    skip_all "needs a debug build (configure --enable-debug) for ikectl debug sessions"

PKI=$TRASH/pki
CLI=$TRASH/cli
TIMEOUT=8
interop_topology

# session FIELD: a field of the only session of `ikectl debug sessions`
# (1 session-id, 2 token, 3 identity, 4 address, 5 state).
session() { ikectl_gw debug sessions | awk -v f="$1" 'NR == 1 { print $f }'; }
stat() { ikectl_gw stats reconnect | sed -n "s/^$1: //p"; }

test_expect_success 'ikegated with resumption and fast DPD' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= \
	    extra_profile="reconnect_timeout = $TIMEOUT
dpd = 2 1" &&
	netns_forward gw &&
	ikeg_start "$TRASH/gw.ini" &&
	ikectl_gw debug sessions
'

test_expect_success 'full login with EAP-MSCHAPv2' '
	swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
	    secret=alicepw esp=aes256gcm16 &&
	swan_start cli "$CLI" client && swan_load "$CLI" &&
	swan_initiate "$CLI" home &&
	ikeg_agree "$CLI" home &&
	ikectl_gw show sessions | tee s && grep -q UP-ACTIVE s &&
	[ "$(stat "Reconnect capable active session count")" = 1 ]
'
SID=$(session 1) TOKEN=$(session 2) VIP=$(session 4)
test_expect_success 'a session-id and a token were issued' '
	echo "$SID" | grep -Eqx "[A-Za-z]{18}" &&
	echo "$TOKEN" | grep -Eqx "[0-9a-f]{64}" &&
	[ "$VIP" = "$(swan_sa_field "$CLI" local-vips)" ] &&
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$VIP" "$GW_LAN_ADDR"
'
# Wait on the daemon's log, not on ikectl: a control command also brings
# the responder's clock up to date, which once hid a stale-clock bug that
# kept dead peer detection from ever firing.
test_expect_success 'link cut: DPD fails, the session goes IDLE' '
	netns_exec cli ip link set wan down &&
	wait_for "grep -q \"is dead\" \"$TRASH/ikegated.log\"" 20 &&
	ikectl_gw show sessions | grep -q IDLE &&
	[ -z "$(ikectl_gw show sa)" ] &&
	[ "$(ikeg_pool_used pool)" = 1 ] &&
	[ "$(stat "Reconnect capable inactive session count")" = 1 ] &&
	grep -F "is dead" "$TRASH/ikegated.log"
'
test_expect_success 'link back; the client drops its stale SA' '
	netns_exec cli ip link set wan up &&
	wait_for "netns_exec cli ping -c 1 -W 1 $GW_ADDR" 10 &&
	swan_ctl "$CLI" --terminate --ike home --force --timeout 2 || :
'
test_expect_success 'a wrong token is refused and counted' '
	swan_client "$CLI" bad auth=psk rauth=pubkey pki="$PKI" \
	    id="keyid:$SID" psk=0000000000000000000000000000000000000000 \
	    esp=aes256gcm16 && swan_load "$CLI" &&
	! swan_initiate "$CLI" bad &&
	grep -F AUTHENTICATION_FAILED "$CLI/charon.log" &&
	[ "$(stat "Failed reconnect connection")" = 1 ] &&
	ikectl_gw show sessions | grep -q IDLE
'
test_expect_success 'the right token resumes: same address, no password' '
	swan_client "$CLI" resume auth=psk rauth=pubkey pki="$PKI" \
	    id="keyid:$SID" psk="$TOKEN" esp=aes256gcm16 && swan_load "$CLI" &&
	swan_initiate "$CLI" resume &&
	[ "$(swan_sa_field "$CLI" local-vips)" = "$VIP" ] &&
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$VIP" "$GW_LAN_ADDR" &&
	ikectl_gw show sessions --detail | tee d &&
	grep -q UP-ACTIVE d && grep -q "Capabilities:.*R" d &&
	[ "$(stat "Total incoming reconnect connection")" = 2 ] &&
	[ "$(stat "Success reconnect connection")" = 1 ] &&
	[ "$(stat "Failed reconnect connection")" = 1 ] &&
	[ "$(stat "Reconnect capable active session count")" = 1 ] &&
	[ "$(stat "Reconnect capable inactive session count")" = 0 ] &&
	grep -F "resumed from" "$TRASH/ikegated.log"
'
test_expect_success 'after the reconnect timeout the session is gone' '
	netns_exec cli ip link set wan down &&
	wait_for "[ \$(grep -c \"is dead\" \"$TRASH/ikegated.log\") = 2 ]" 20 &&
	ikectl_gw show sessions | grep -q IDLE &&
	wait_for "[ -z \"\$(ikectl_gw show sessions)\" ]" $((TIMEOUT + 5)) &&
	[ "$(ikeg_pool_used pool)" = 0 ] &&
	netns_exec cli ip link set wan up &&
	wait_for "netns_exec cli ping -c 1 -W 1 $GW_ADDR" 10 &&
	{ swan_ctl "$CLI" --terminate --ike resume --force --timeout 2 || :; } &&
	! swan_initiate "$CLI" resume &&
	[ "$(stat "Failed reconnect connection")" = 2 ]
'
test_expect_success 'a client DELETE ends its session for good' '
	swan_initiate "$CLI" home &&
	[ "$(stat "Reconnect capable active session count")" = 1 ] &&
	swan_terminate "$CLI" home &&
	wait_for "[ -z \"\$(ikectl_gw show sessions)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'ikegated exits cleanly; no session secret logged' '
	ikeg_check_clean alicepw "$SID" "$TOKEN"
'
test_done
