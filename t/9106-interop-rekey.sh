#!/bin/sh
# A strongSwan client rekeys its CHILD_SA with ikegated (CREATE_CHILD_SA,
# RFC 7296 1.3.3) every few seconds while it pings the protected network:
# no ping is lost, the SPIs move on and both ends agree on them, the
# replaced SAs leave both ends (one CHILD_SA each, 1 inbound and 1
# outbound SA in the data plane), and the session's counters include what
# the replaced SAs carried. A CHILD_SA the client deletes and creates again
# inside its IKE_SA (CREATE_CHILD_SA without REKEY_SA) works too, and so
# does rekeying the IKE_SA every 5 s (RFC 7296 1.3.2): no ping lost, the
# same address and session, no new login, one IKE SA left; the operator's
# disconnect of that session reaches the new IKE SA. Then
# with PFS (a profile whose ESP says pfs = 19, a client that proposes
# curve25519 first, then ECP-256): each rekey carries a key exchange, and
# the client's first curve25519 KE gets INVALID_KE_PAYLOAD naming 19 (RFC
# 7296 1.3) before its retry with ECP-256 succeeds. Last, a client without
# PFS against that profile: its rekey is refused with NO_PROPOSAL_CHOSEN
# and its tunnel keeps working on the SAs it has. Then ikegated rekeys a
# client that never does: at its ESP lifetime (with PFS), and by volume
# (lifetime_kilobytes) while 48 MB go each way, intact. Every run ends
# with a clean exit of ikegated (sanitizers, no key in the log).
test_description='CHILD and IKE SA rekeying with strongSwan, with and without PFS'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:socat cmd:sha256sum
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
interop_topology

# rekey_run: connect, note the SPIs, ping for 12 s (rekeys every 4 s),
# and check the outcome (see the top of this file). $1 is the phase.
rekey_run() {
	swan_initiate "$CLI" home &&
	ikeg_agree "$CLI" home &&
	va=$(swan_sa_field "$CLI" local-vips) &&
	spi0=$(ikeg_field spi_in) &&
	netns_exec cli ping -q -c 120 -i 0.1 -W 2 -I "$va" "$GW_LAN_ADDR" \
	    > "$TRASH/ping.$1" &&
	cat "$TRASH/ping.$1" &&
	grep -F " 0% packet loss" "$TRASH/ping.$1" &&
	n=$(ikeg_field rekeys) && echo "rekeys: $n" && [ "$n" -ge 2 ] &&
	[ "$(ikeg_field spi_in)" != "$spi0" ] &&
	wait_for settled 8 &&
	[ "$(grep -c "rekeyed: now" "$TRASH/ikegated.log")" -ge "$n" ] &&
	! grep -F "did not delete it" "$TRASH/ikegated.log"
}

# settled: between two rekeys, each end has one CHILD SA (the client one
# installed CHILD_SA, besides those it keeps a few seconds after a rekey
# for late packets; the data plane one SA each way) and they agree on its
# SPIs.
settled() {
	ikeg_agree "$CLI" home &&
	[ "$(swan_list_sas "$CLI" | grep -c "reqid.*INSTALLED")" = 1 ] &&
	ikectl_gw show dataplane | grep -F "1 inbound and 1 outbound SAs"
}

# ike_sas: how many IKE SAs ikegated lists.
ike_sas() {
	ikectl_gw show sa --json | grep -o '"spi_i":' | wc -l
}

# cli_restart ESP [LIFE [IKE]]: a fresh client charon with ESP proposals
# ESP whose CHILD_SA is rekeyed every 4 s and lives LIFE (20 s), and
# whose IKE_SA is rekeyed every IKE (4h; then it may live 30 s more).
cli_restart() {
	swan_stop "$CLI" 2>/dev/null
	rm -rf "$CLI" &&
	swan_client "$CLI" home pki="$PKI" esp="$1" encap=yes rekey=4s \
	    life="${2:-20s}" ike_rekey="${3:-4h}" ike_over=30s &&
	swan_start cli "$CLI" client && swan_load "$CLI"
}

test_expect_success 'PKI, ikegated (resumable sessions)' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= \
	    extra_profile="reconnect_timeout = 60" &&
	ikeg_start "$TRASH/gw.ini"
'
test_expect_success 'rekeyed twice or more while pinging, nothing lost' '
	cli_restart aes256gcm16 && rekey_run plain &&
	! grep -F "with PFS" "$TRASH/ikegated.log"
'
test_expect_success 'the session counts the replaced SAs too' '
	ikectl_gw show sessions --detail | tee "$TRASH/sess" &&
	s=$(sed -n "s/.*#pkts dec.ed \([0-9]*\).*/\1/p" "$TRASH/sess") &&
	c=$(ikeg_field packets_in) && echo "session $s, CHILD SA $c" &&
	[ "$s" -ge 120 ] && [ "$c" -lt "$s" ]
'
test_expect_success 'a CHILD SA deleted, then created again in the IKE SA' '
	swan_ctl "$CLI" --terminate --child home &&
	wait_for "[ -z \"\$(ikeg_field spi_in)\" ]" 5 &&
	swan_initiate "$CLI" home &&
	grep -F "created in place of a deleted one" "$TRASH/ikegated.log" &&
	wait_for settled 8 &&
	va=$(swan_sa_field "$CLI" local-vips) &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$va" "$GW_LAN_ADDR"
'
test_expect_success 'IKE SA rekeyed too: nothing lost, no new login' '
	swan_terminate "$CLI" home &&
	cli_restart aes256gcm16 20s 5s && swan_initiate "$CLI" home &&
	wait_for settled 8 &&
	va=$(swan_sa_field "$CLI" local-vips) &&
	spi0=$(ikeg_field spi_r) &&
	logins=$(grep -c "established with" "$TRASH/ikegated.log") &&
	netns_exec cli ping -q -c 120 -i 0.1 -W 2 -I "$va" "$GW_LAN_ADDR" \
	    > "$TRASH/ping.ike" &&
	cat "$TRASH/ping.ike" && grep -F " 0% packet loss" "$TRASH/ping.ike" &&
	wait_for "settled && [ \$(ike_sas) = 1 ]" 10 &&
	[ "$(ikeg_field spi_r)" != "$spi0" ] &&
	[ "$(grep -c "IKE SA .* rekeyed: now" "$TRASH/ikegated.log")" -ge 2 ] &&
	[ "$(grep -c "established with" "$TRASH/ikegated.log")" = "$logins" ] &&
	[ "$(ikeg_field address)" = "$va" ] &&
	ikectl_gw show sessions | grep -F UP-ACTIVE &&
	! grep -F "did not delete it" "$TRASH/ikegated.log"
'
test_expect_success 'the operator disconnects the session of the new IKE SA' '
	sid=$(ikectl_gw show sessions | awk "NR == 1 { print \$1 }") &&
	ikectl_gw disconnect "$sid" &&
	wait_for "[ \$(ike_sas) = 0 ]" 5 &&
	wait_for "! swan_list_sas \"$CLI\" | grep -q ESTABLISHED" 5
'
test_expect_success 'ikegated exits cleanly' 'ikeg_check_clean'

test_expect_success 'ikegated whose ESP requires PFS with ECP-256' '
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= &&
	sed -i "/^esn = /a pfs = 19" "$TRASH/gw.ini" &&
	grep -F "pfs = 19" "$TRASH/gw.ini" &&
	ikeg_start "$TRASH/gw.ini"
'
test_expect_success 'rekeyed with a key exchange each time' '
	cli_restart aes256gcm16-curve25519-ecp256 && rekey_run pfs &&
	[ "$(grep -c "rekeyed: now.* with PFS" "$TRASH/ikegated.log")" \
	    -ge 2 ] &&
	[ "$(swan_child_field "$CLI" dh-group)" = ECP_256 ]
'
test_expect_success 'a curve25519 KE was answered INVALID_KE_PAYLOAD(19)' '
	grep "CHILD SA rekey from .*: KE group 31, asking for 19" \
	    "$TRASH/ikegated.log" &&
	grep "parsed CREATE_CHILD_SA response .*N(INVAL_KE)" "$CLI/charon.log"
'
test_expect_success 'a client without PFS: rekey refused, tunnel kept' '
	swan_terminate "$CLI" home &&
	cli_restart aes256gcm16 60s && swan_initiate "$CLI" home &&
	va=$(swan_sa_field "$CLI" local-vips) &&
	spi0=$(ikeg_field spi_in) &&
	wait_for "grep -q \"no acceptable proposal (the profile requires PFS)\" \
	    \"$TRASH/ikegated.log\"" 15 &&
	grep -F "NO_PROPOSAL_CHOSEN" "$CLI/charon.log" &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$va" "$GW_LAN_ADDR" &&
	[ "$(ikeg_field spi_in)" = "$spi0" ] &&
	[ "$(ikeg_field rekeys)" = 0 ] && ikeg_agree "$CLI" home
'
test_expect_success 'ikegated exits cleanly' 'ikeg_check_clean'

# restart_pair OLDLOG ESP LINE...: ikegated anew with each LINE in its
# [esp] (its log so far kept as ikegated.log.OLDLOG), and a fresh client
# charon proposing ESP that never rekeys (rekey_time 0), connected.
restart_pair() {
	local old=$1 esp=$2 l
	shift 2
	mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.$old" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= || return 1
	for l in "$@"; do
		sed -i "/^esn = /a $l" "$TRASH/gw.ini" &&
		grep -Fx "$l" "$TRASH/gw.ini" || return 1
	done
	ikeg_start "$TRASH/gw.ini" &&
	swan_stop "$CLI" && rm -rf "$CLI" &&
	swan_client "$CLI" home pki="$PKI" esp="$esp" encap=yes rekey=0s \
	    life=0s &&
	swan_start cli "$CLI" client && swan_load "$CLI" &&
	swan_initiate "$CLI" home && ikeg_agree "$CLI" home
}

# ikegated rekeys by itself ([esp] lifetime = 4 s: at 3.4 to 3.6 s, with
# pfs = 19) a client that never does (rekey_time 0): charon answers each
# CREATE_CHILD_SA with its KE, what both send moves to the new SA, and
# the gateway's DELETE ends the old one on both sides.
test_expect_success 'ikegated rekeys at the lifetime, with PFS' '
	restart_pair pfs aes256gcm16-ecp256 "lifetime = 4" "pfs = 19"
'
test_expect_success 'ikegated rekeys: no ping lost, both ends agree' '
	va=$(swan_sa_field "$CLI" local-vips) &&
	netns_exec cli ping -q -c 120 -i 0.1 -W 2 -I "$va" "$GW_LAN_ADDR" \
	    > "$TRASH/ping.ours" &&
	cat "$TRASH/ping.ours" &&
	grep -F " 0% packet loss" "$TRASH/ping.ours" &&
	n=$(grep -c "rekeyed by us: now.* with PFS" "$TRASH/ikegated.log") &&
	echo "rekeys: $n" && [ "$n" -ge 2 ] &&
	[ "$(grep -c "received DELETE for ESP CHILD_SA" "$CLI/charon.log")" \
	    -ge 2 ] &&
	wait_for settled 8 &&
	[ "$(swan_child_field "$CLI" dh-group)" = ECP_256 ] &&
	! grep -E "expired|failed" "$TRASH/ikegated.log"
'
test_expect_success 'ikegated exits cleanly (lifetime)' 'ikeg_check_clean'

# A client that insists on PFS with MODP-2048 (its ESP proposal has that
# group only) against a profile without pfs: the gateway's rekeys still
# carry a KE, first of the IKE SA's group (ECP-256), answered
# INVALID_KE_PAYLOAD(14), then of MODP-2048, which charon takes.
test_expect_success 'a client that insists on PFS, a profile without' '
	restart_pair life aes256gcm16-modp2048 "lifetime = 4" &&
	! grep -F "pfs =" "$TRASH/gw.ini"
'
test_expect_success 'it gets PFS with the group it names, nothing lost' '
	va=$(swan_sa_field "$CLI" local-vips) &&
	netns_exec cli ping -q -c 120 -i 0.1 -W 2 -I "$va" "$GW_LAN_ADDR" \
	    > "$TRASH/ping.insist" &&
	cat "$TRASH/ping.insist" &&
	grep -F " 0% packet loss" "$TRASH/ping.insist" &&
	grep -F "the client wants D-H group 14" "$TRASH/ikegated.log" &&
	[ "$(grep -c "rekeyed by us: now.* with PFS" "$TRASH/ikegated.log")" \
	    -ge 2 ] &&
	wait_for settled 8 &&
	[ "$(swan_child_field "$CLI" dh-group)" = MODP_2048 ] &&
	! grep -E "expired|failed" "$TRASH/ikegated.log"
'
test_expect_success 'ikegated exits cleanly (insisting client)' \
	'ikeg_check_clean'

# By volume ([esp] lifetime_kilobytes = 16384: 16 MB each way): ikegated
# rekeys when an SA has carried 75 to 80% of it, while 48 MB go each
# way over TCP; the bytes arrive intact and the SAs never reach the end.
# xfer FROM TO ADDR BIND: 48 MB from namespace FROM to TO's ADDR.
xfer() {
	head -c 48000000 /dev/urandom > "$TRASH/data.$1" &&
	sha256sum < "$TRASH/data.$1" > "$TRASH/want.$1" &&
	netns_spawn "$2" "$TRASH/sink.$1.pid" "$TRASH/sink.$1.log" \
	    socat -u TCP-LISTEN:5001,bind=$3,reuseaddr \
	    OPEN:"$TRASH/got.$1",creat,trunc &&
	wait_for "netns_exec $2 ss -ltn | grep -q $3:5001" 5 &&
	netns_exec "$1" socat -u OPEN:"$TRASH/data.$1" TCP:$3:5001,bind=$4 &&
	wait_for "! proc_alive $TRASH/sink.$1.pid" 30 &&
	sha256sum < "$TRASH/got.$1" > "$TRASH/have.$1" &&
	cmp "$TRASH/want.$1" "$TRASH/have.$1"
}
test_expect_success 'ikegated rekeys by volume' '
	restart_pair insist aes256gcm16 "lifetime_kilobytes = 16384"
'
test_expect_success 'by volume: 48 MB each way arrive intact' '
	va=$(swan_sa_field "$CLI" local-vips) &&
	xfer cli gw "$GW_LAN_ADDR" "$va" &&
	xfer gw cli "$va" "$GW_LAN_ADDR" &&
	n=$(grep -c "nears the end of its volume: rekeying" \
	    "$TRASH/ikegated.log") && echo "volume rekeys: $n" &&
	[ "$n" -ge 4 ] &&
	[ "$(grep -c "rekeyed by us: now" "$TRASH/ikegated.log")" -ge "$n" ] &&
	wait_for settled 8 &&
	! grep -E "expired|failed" "$TRASH/ikegated.log"
'
test_expect_success 'by volume: show sa has the remaining key lifetime' '
	ikectl_gw show sa | tee sa.txt &&
	grep -E "remaining key lifetime \(k/sec\): \([0-9]+/3[0-9]{3}\)" \
	    sa.txt &&
	kb=$(ikeg_field life_left_kb) && s=$(ikeg_field life_left_s) &&
	due=$(ikeg_field rekey_due_s) && echo "left $kb KB $s s, due $due" &&
	[ "$kb" -gt 0 ] && [ "$kb" -le 16384 ] && [ "$s" -le 3600 ] &&
	[ "$s" -gt 3000 ] && [ "$due" -gt 2000 ] && [ "$due" -lt "$s" ]
'
test_expect_success 'ikegated exits cleanly (volume)' 'ikeg_check_clean'
test_done
