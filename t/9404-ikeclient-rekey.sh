#!/bin/sh
# ikeclient rekeys its CHILD SA (rekey = 3 s): CREATE_CHILD_SA with
# REKEY_SA and a new nonce, then a DELETE of the old SA (RFC 7296 1.3.3,
# 2.8), while it pings through the tunnel. Against ikegated, then against
# a strongSwan gateway: no ping lost across at least two rekeys; the
# gateway's SPIs are the ones the client logged for its newest SA; each
# end is left with one SA each way (the replaced ones deleted on both);
# the client's counters carry over the replaced SAs; the client stops
# cleanly. The client rekeys its IKE SA too (ike_rekey = 4 s, 2.18): the
# gateway is left with one IKE SA, under the SPIs the client logged last,
# the CHILD SA carrying on. Against ikegated requiring PFS (pfs = 21),
# the client's rekeys carry a KE of the group the gateway names with
# INVALID_KE_PAYLOAD. Last, strongSwan rekeys (every 3 s, with ECP-256
# PFS) and ikeclient answers, with the same checks. Then ikeclient
# rekeys by volume (lifetime_kilobytes), not by time; and strongSwan
# rekeys the IKE SA, which ikeclient refuses and rekeys itself.
test_description='ikeclient rekeys its CHILD SA'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:openssl
interop_require_swan
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"

PKI=$TRASH/pki
PSK='9404 ikeclient rekey pre-shared key'
PINGS=60
interop_topology

# cstat SOCK FIELD: a line of the client's --status.
cstat() {
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$1" |
	    sed -n "s/^$2: //p"
}
# newest LOG: "IN OUT", the SPIs of the client's newest CHILD SA.
HEX='\([0-9a-f]*\)'
newest() {
	sed -n "s/.*CHILD SA rekeyed[a-z ]*: $HEX\/$HEX replaces.*/\1 \2/p" \
	    "$1" | tail -n 1
}
# newest_ike LOG: "SPIi SPIr" of the client's newest IKE SA ("" before
# its first rekey).
newest_ike() {
	sed -n "s/.*IKE SA rekeyed: $HEX\/$HEX replaces.*/\1 \2/p" "$1" |
	    tail -n 1
}
# vip LOG: the address the client got.
vip() {
	sed -n 's/^Connected to [^ ]* as \([0-9.]*[0-9]\).*/\1/p' "$1" |
	    head -n 1
}
# pings LOG SOCK: PINGS pings 0.2 s apart, none lost, at least two
# rekeys meanwhile, counted with every SA's packets.
pings() {
	netns_exec cli ping -q -c $PINGS -i 0.2 -W 2 -I "$(vip "$1")" \
	    "$GW_LAN_ADDR" > "$TRASH/ping" &&
	cat "$TRASH/ping" && grep -F " 0% packet loss" "$TRASH/ping" &&
	n=$(cstat "$2" "child rekeys") && echo "rekeys: $n" &&
	[ "$n" -ge 2 ] &&
	[ "$(cstat "$2" "packets out")" -ge $PINGS ] &&
	[ "$(cstat "$2" "packets in")" -ge $PINGS ]
}
# cstop PIDFILE LOG
cstop() {
	kill -TERM "$(proc_pid "$1")" &&
	wait_for "! proc_alive \"$1\"" 10 &&
	! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$2"
}

# look N CMD...: one look at both ends: CMD's output in $TRASH/look.gw,
# client N's status in $TRASH/look.cli, its newest SPIs ("CHILD-IN
# CHILD-OUT [SPIi SPIr]") in $TRASH/look.spis. False when a rekey
# ended meanwhile (the newest SPIs moved), as the ends' views may then
# disagree; the client keeps rekeying while the tests look.
look() {
	local n=$1 before
	shift
	before="$(newest "$TRASH/c$n.log") $(newest_ike "$TRASH/c$n.log")"
	"$@" > "$TRASH/look.gw" &&
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status \
	    -S "$TRASH/c$n.sock" > "$TRASH/look.cli" &&
	echo "$(newest "$TRASH/c$n.log") $(newest_ike "$TRASH/c$n.log")" \
	    > "$TRASH/look.spis" &&
	[ "$(cat "$TRASH/look.spis")" = "$before" ] &&
	grep -F "1 inbound and 1 outbound SAs" "$TRASH/look.cli"
}

# 1. ikegated, with IKE SA rekeys too (ike_rekey = 4).
ikeg_look() { ikectl_gw show sa --json && ikectl_gw show dataplane; }
# ikeg_settled N: ikegated's SPIs are client N's newest (its IKE SPIs
# too once it rekeyed that), one IKE SA and one SA each way left.
ikeg_settled() {
	look "$1" ikeg_look &&
	set -- $(cat "$TRASH/look.spis") && [ -n "$1" ] &&
	[ "$(ikeg_json_field spi_out < "$TRASH/look.gw")" = "$1" ] &&
	[ "$(ikeg_json_field spi_in < "$TRASH/look.gw")" = "$2" ] &&
	{ [ -z "$3" ] ||
	    { [ "$(ikeg_json_field spi_i < "$TRASH/look.gw")" = "$3" ] &&
	    [ "$(ikeg_json_field spi_r < "$TRASH/look.gw")" = "$4" ]; }; } &&
	[ "$(grep -o "\"spi_i\":" "$TRASH/look.gw" | wc -l)" = 1 ] &&
	grep -F "1 inbound and 1 outbound SAs" "$TRASH/look.gw"
}
test_expect_success 'ikegated' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= &&
	ikeg_start "$TRASH/gw.ini"
'
test_expect_success 'ikegated: ikeclient connects, rekey = 3, ike_rekey = 4' '
	printf "alicepw\n" > "$TRASH/pw" && chmod 600 "$TRASH/pw" &&
	ikec_config "$TRASH/c1.ini" pw="$TRASH/pw" sock="$TRASH/c1.sock" \
	    extra="rekey = 3
ike_rekey = 4" &&
	netns_spawn cli "$TRASH/c1.pid" "$TRASH/c1.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/c1.ini" &&
	wait_for "[ -n \"\$(vip \"$TRASH/c1.log\")\" ]" 15
'
test_expect_success 'ikegated: no ping lost across the rekeys' '
	pings "$TRASH/c1.log" "$TRASH/c1.sock"
'
test_expect_success 'ikegated: same SPIs, the replaced SAs gone' '
	wait_for "ikeg_settled 1" 20 && cat "$TRASH/look.spis" &&
	[ -n "$(newest_ike "$TRASH/c1.log")" ] &&
	[ "$(ikeg_json_field rekeys < "$TRASH/look.gw")" -ge 2 ] &&
	[ "$(cstat "$TRASH/c1.sock" "ike rekeys")" -ge 2 ] &&
	[ "$(ikectl_gw stats ike --json |
	    sed -n "s/.*\"ike_rekeys\":\([0-9]*\).*/\1/p")" -ge 2 ] &&
	! grep -F "did not delete it" "$TRASH/ikegated.log"
'
test_expect_success 'ikegated: the client stops cleanly' '
	cstop "$TRASH/c1.pid" "$TRASH/c1.log" &&
	wait_for "[ -z \"\$(ikeg_field spi_in)\" ]" 5 &&
	ikeg_check_clean alicepw
'

# 1b. ikegated whose ESP requires PFS with ECP-521 (pfs = 21): the
# client's first rekey offers the IKE SA's group (ECP-256), is answered
# INVALID_KE_PAYLOAD(21) and goes again at once with an ECP-521 KE.
test_expect_success 'ikegated whose ESP requires PFS with ECP-521' '
	mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.1" &&
	ikeg_config "$TRASH/gw4.ini" esp_enc=aes-gcm-256 esp_integ= &&
	sed -i "/^esn = /a pfs = 21" "$TRASH/gw4.ini" &&
	grep -F "pfs = 21" "$TRASH/gw4.ini" &&
	ikeg_start "$TRASH/gw4.ini" &&
	ikec_config "$TRASH/c4.ini" pw="$TRASH/pw" sock="$TRASH/c4.sock" \
	    extra="rekey = 3" &&
	netns_spawn cli "$TRASH/c4.pid" "$TRASH/c4.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/c4.ini" &&
	wait_for "[ -n \"\$(vip \"$TRASH/c4.log\")\" ]" 15
'
test_expect_success 'PFS: no ping lost, each rekey with an ECP-521 KE' '
	pings "$TRASH/c4.log" "$TRASH/c4.sock" &&
	grep -F "the gateway wants D-H group 21" "$TRASH/c4.log" &&
	[ "$(grep -c "rekeyed: now.* with PFS" "$TRASH/ikegated.log")" \
	    -ge 2 ] &&
	! grep -F "failed" "$TRASH/c4.log" &&
	wait_for "ikeg_settled 4" 20
'
test_expect_success 'PFS: the client stops cleanly' '
	cstop "$TRASH/c4.pid" "$TRASH/c4.log" &&
	wait_for "[ -z \"\$(ikeg_field spi_in)\" ]" 5 &&
	ikeg_check_clean alicepw
'

# 1c. ikegated rekeys by itself ([esp] lifetime = 4: at 3.4 to 3.6 s),
# PFS with ECP-256 too; the client (rekey = 0) answers, and the gateway's
# DELETE of each old SA ends it on both sides.
test_expect_success 'ikegated rekeys at the lifetime, with PFS' '
	mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.4" &&
	ikeg_config "$TRASH/gw5.ini" esp_enc=aes-gcm-256 esp_integ= &&
	sed -i "/^esn = /a lifetime = 4\\
pfs = 19" "$TRASH/gw5.ini" &&
	grep -Fx "lifetime = 4" "$TRASH/gw5.ini" &&
	ikeg_start "$TRASH/gw5.ini" &&
	ikec_config "$TRASH/c5.ini" pw="$TRASH/pw" sock="$TRASH/c5.sock" \
	    extra="rekey = 0" &&
	netns_spawn cli "$TRASH/c5.pid" "$TRASH/c5.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/c5.ini" &&
	wait_for "[ -n \"\$(vip \"$TRASH/c5.log\")\" ]" 15
'
test_expect_success 'ikegated rekeys: no ping lost, each rekey with PFS' '
	pings "$TRASH/c5.log" "$TRASH/c5.sock" &&
	! grep -q "CHILD SA rekeyed: " "$TRASH/c5.log" &&
	[ "$(grep -c "rekeyed by us: now.* with PFS" "$TRASH/ikegated.log")" \
	    -ge 2 ] &&
	wait_for "ikeg_settled 5" 20 && cat "$TRASH/look.spis" &&
	! grep -E "expired|failed" "$TRASH/ikegated.log" "$TRASH/c5.log" &&
	[ "$(ikeg_json_field life_left_s < "$TRASH/look.gw")" -le 4 ] &&
	[ "$(ikeg_json_field life_left_kb < "$TRASH/look.gw")" = -1 ]
'
test_expect_success 'ikegated rekeys: the client stops cleanly' '
	cstop "$TRASH/c5.pid" "$TRASH/c5.log" &&
	wait_for "[ -z \"\$(ikeg_field spi_in)\" ]" 5 &&
	ikeg_check_clean alicepw
'

# 2. strongSwan. charon keeps a replaced SA a few seconds after its
# DELETE (DELETED, for late packets): one is INSTALLED.
# swan_settled N: client N's newest SPIs are charon's ($GW); one IKE
# SA, one CHILD SA installed.
swan_settled() {
	look "$1" swan_ctl "$GW" --list-sas --raw &&
	set -- $(cat "$TRASH/look.spis") && [ -n "$1" ] &&
	[ "$(swan_raw_child_field spi-out < "$TRASH/look.gw")" = "$1" ] &&
	[ "$(swan_raw_child_field spi-in < "$TRASH/look.gw")" = "$2" ] &&
	{ [ -z "$3" ] ||
	    { [ "$(swan_raw_sa_field initiator-spi < "$TRASH/look.gw")" = \
	    "$3" ] &&
	    [ "$(swan_raw_sa_field responder-spi < "$TRASH/look.gw")" = \
	    "$4" ]; }; } &&
	[ "$(grep -o "state=ESTABLISHED" "$TRASH/look.gw" | wc -l)" = 1 ] &&
	[ "$(grep -o "state=INSTALLED" "$TRASH/look.gw" | wc -l)" = 1 ]
}
# ikec_swan N LINES...: ikeclient N, PSK, against charon, connected.
ikec_swan() {
	local n=$1
	shift
	{
		echo "[client]"
		echo "name = swan"
		echo "gateway = $GW_ADDR"
		echo "remote_id = fqdn:vpn.ikegate.test"
		echo "local_id = email:alice@ikegate.test"
		echo "auth = psk"
		echo "psk = $PSK"
		echo "tun = ikec0"
		echo "control_socket = $TRASH/c$n.sock"
		printf '%s\n' "$@"
	} > "$TRASH/c$n.ini" &&
	netns_spawn cli "$TRASH/c$n.pid" "$TRASH/c$n.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/c$n.ini" &&
	wait_for "[ -n \"\$(vip \"$TRASH/c$n.log\")\" ]" 15
}
# swan_gone: charon has no IKE SA left.
swan_gone() {
	[ -z "$(swan_list_sas "$GW" | grep ESTABLISHED)" ]
}
# swan_cstop N: client N stops cleanly, charon is left with no IKE SA,
# and charon stops (the next section's listens on the same port).
swan_cstop() {
	cstop "$TRASH/c$1.pid" "$TRASH/c$1.log" && wait_for swan_gone 5 &&
	swan_stop "$GW"
}

GW=$TRASH/swan
test_expect_success 'strongSwan gateway' '
	swan_gateway "$GW" psk auth=psk psk="$PSK" esp=aes256gcm16 &&
	swan_start gw "$GW" gateway && swan_load "$GW"
'
test_expect_success 'strongSwan: ikeclient connects, rekey = 3, ike_rekey = 4' '
	ikec_swan 2 "rekey = 3" "ike_rekey = 4"
'
test_expect_success 'strongSwan: no ping lost across the rekeys' '
	pings "$TRASH/c2.log" "$TRASH/c2.sock"
'
test_expect_success 'strongSwan: same SPIs, the replaced SAs gone' '
	wait_for "swan_settled 2" 20 && cat "$TRASH/look.spis" &&
	[ -n "$(newest_ike "$TRASH/c2.log")" ] &&
	[ "$(cstat "$TRASH/c2.sock" "ike rekeys")" -ge 2 ] &&
	[ "$(grep -c "received DELETE for ESP CHILD_SA" "$GW/charon.log")" \
	    -ge 2 ]
'
test_expect_success 'strongSwan: the client stops cleanly' '
	swan_cstop 2
'

# 3. The gateway rekeys (charon, rekey_time 3 s, with PFS: its ESP
# proposal has a group, so each of its rekeys carries a KE); ikeclient
# (rekey = 0) answers, and moves what it sends to the new SA when charon
# deletes the old one.
GW=$TRASH/swan3
test_expect_success 'strongSwan rekeys, with ECP-256 PFS' '
	swan_gateway "$GW" psk auth=psk psk="$PSK" esp=aes256gcm16-ecp256 \
	    rekey=3s life=6s &&
	swan_start gw "$GW" gateway && swan_load "$GW"
'
test_expect_success 'gateway rekeys: ikeclient connects, rekey = 0' '
	ikec_swan 3 "rekey = 0"
'
test_expect_success 'gateway rekeys: no ping lost' '
	pings "$TRASH/c3.log" "$TRASH/c3.sock" &&
	[ "$(grep -c "CHILD SA rekeyed by the gateway" "$TRASH/c3.log")" \
	    -ge 2 ] &&
	! grep -q "CHILD SA rekeyed: " "$TRASH/c3.log"
'
test_expect_success 'gateway rekeys: same SPIs, with PFS, replaced SAs gone' '
	wait_for "swan_settled 3" 20 && cat "$TRASH/look.spis" &&
	[ "$(swan_raw_child_field dh-group < "$TRASH/look.gw")" = ECP_256 ]
'
test_expect_success 'gateway rekeys: the client stops cleanly' '
	swan_cstop 3
'

# 4. Rekeys by volume: ikeclient with rekey = 0 and lifetime_kilobytes =
# 1024 against charon (which rekeys after an hour only) sends 2.8 MB
# each way (2000 pings of 1400 bytes, 2 ms apart): its data plane reports
# each SA at 75 to 80% of 1 MB and the client rekeys the CHILD SA, at
# least twice, no ping lost, charon left with the client's newest SPIs.
GW=$TRASH/swan4
test_expect_success 'volume: strongSwan gateway, ikeclient rekey = 0' '
	swan_gateway "$GW" psk auth=psk psk="$PSK" esp=aes256gcm16 &&
	swan_start gw "$GW" gateway && swan_load "$GW" &&
	ikec_swan 6 "rekey = 0" "lifetime_kilobytes = 1024"
'
test_expect_success 'volume: 2.8 MB each way, rekeyed, no ping lost' '
	netns_exec cli ping -q -c 2000 -i 0.002 -s 1400 -W 2 \
	    -I "$(vip "$TRASH/c6.log")" "$GW_LAN_ADDR" > "$TRASH/ping" &&
	cat "$TRASH/ping" && grep -F " 0% packet loss" "$TRASH/ping" &&
	n=$(grep -c "CHILD SA rekeyed: " "$TRASH/c6.log") &&
	echo "rekeys: $n" && [ "$n" -ge 2 ] &&
	[ "$(grep -c "nears the end of its volume" "$TRASH/c6.log")" -ge 2 ] &&
	! grep -q "reached the end of its volume" "$TRASH/c6.log" &&
	[ "$(cstat "$TRASH/c6.sock" "packets out")" -ge 2000 ] &&
	[ "$(cstat "$TRASH/c6.sock" "drops out")" = 0 ]
'
test_expect_success 'volume: same SPIs, the replaced SAs gone' '
	wait_for "swan_settled 6" 20 && cat "$TRASH/look.spis" &&
	[ "$(grep -c "received DELETE for ESP CHILD_SA" "$GW/charon.log")" \
	    -ge 2 ]
'
test_expect_success 'volume: the client stops cleanly' '
	swan_cstop 6
'

# 5. charon rekeys the IKE SA (rekey_time 4 s, expiring 30 s later, as a
# 4-hour SA 24 minutes later by default); ikeclient (ike_rekey = 0)
# answers TEMPORARY_FAILURE and rekeys it itself at once, so the tunnel
# outlives charon's IKE SA lifetime: no ping lost over 12 s, at least
# two IKE SA rekeys, all the client's, no new login, charon left with one
# IKE SA under the client's newest SPIs.
GW=$TRASH/swan5
# swan_ike_settled N: charon has one IKE SA, under client N's newest IKE
# SPIs (client N rekeys no CHILD SA), and one CHILD SA installed.
swan_ike_settled() {
	look "$1" swan_ctl "$GW" --list-sas --raw &&
	set -- $(cat "$TRASH/look.spis") && [ $# = 2 ] &&
	[ "$(swan_raw_sa_field initiator-spi < "$TRASH/look.gw")" = "$1" ] &&
	[ "$(swan_raw_sa_field responder-spi < "$TRASH/look.gw")" = "$2" ] &&
	[ "$(grep -o "state=ESTABLISHED" "$TRASH/look.gw" | wc -l)" = 1 ] &&
	[ "$(grep -o "state=INSTALLED" "$TRASH/look.gw" | wc -l)" = 1 ]
}
test_expect_success 'gateway IKE rekeys: strongSwan, ikeclient ike_rekey = 0' '
	swan_gateway "$GW" psk auth=psk psk="$PSK" esp=aes256gcm16 \
	    ike_rekey=4s ike_over=30s &&
	swan_start gw "$GW" gateway && swan_load "$GW" &&
	ikec_swan 7 "rekey = 0" "ike_rekey = 0"
'
test_expect_success 'gateway IKE rekeys: the client rekeys, no ping lost' '
	netns_exec cli ping -q -c $PINGS -i 0.2 -W 2 \
	    -I "$(vip "$TRASH/c7.log")" "$GW_LAN_ADDR" > "$TRASH/ping" &&
	cat "$TRASH/ping" && grep -F " 0% packet loss" "$TRASH/ping" &&
	n=$(cstat "$TRASH/c7.sock" "ike rekeys") && echo "IKE rekeys: $n" &&
	[ "$n" -ge 2 ] &&
	[ "$(grep -c "the gateway rekeys IKE SA" "$TRASH/c7.log")" -ge 2 ] &&
	[ "$(cstat "$TRASH/c7.sock" "full logins")" = 1 ] &&
	[ "$(cstat "$TRASH/c7.sock" "attempts")" = 1 ]
'
test_expect_success 'gateway IKE rekeys: same SPIs, one IKE SA' '
	wait_for "swan_ike_settled 7" 20 && cat "$TRASH/look.spis"
'
test_expect_success 'gateway IKE rekeys: the client stops cleanly' '
	swan_cstop 7
'
test_done
