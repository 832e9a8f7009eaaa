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
# PFS) and ikeclient answers, with the same checks.
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

# 1. ikegated, with IKE SA rekeys too (ike_rekey = 4).
ikeg_settled() {
	set -- $(newest "$TRASH/c1.log") $(newest_ike "$TRASH/c1.log")
	[ -n "$4" ] && [ "$(ikeg_field spi_out)" = "$1" ] &&
	[ "$(ikeg_field spi_in)" = "$2" ] &&
	[ "$(ikeg_field spi_i)" = "$3" ] && [ "$(ikeg_field spi_r)" = "$4" ] &&
	[ "$(ikectl_gw show sa --json | grep -o "\"spi_i\":" | wc -l)" = 1 ] &&
	ikectl_gw show dataplane | grep -F "1 inbound and 1 outbound SAs" &&
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$TRASH/c1.sock" |
	    grep -F "1 inbound and 1 outbound SAs"
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
	wait_for ikeg_settled 5 && ikeg_settled &&
	[ "$(ikeg_field rekeys)" -ge 2 ] &&
	[ "$(cstat "$TRASH/c1.sock" "ike rekeys")" -ge 2 ] &&
	ikectl_gw stats ike --json | grep -q "\"ike_rekeys\":[2-9]" &&
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
ikeg_pfs_settled() {
	set -- $(newest "$TRASH/c4.log")
	[ -n "$1" ] && [ "$(ikeg_field spi_out)" = "$1" ] &&
	[ "$(ikeg_field spi_in)" = "$2" ] &&
	ikectl_gw show dataplane | grep -F "1 inbound and 1 outbound SAs"
}
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
	wait_for ikeg_pfs_settled 5 && ikeg_pfs_settled
'
test_expect_success 'PFS: the client stops cleanly' '
	cstop "$TRASH/c4.pid" "$TRASH/c4.log" &&
	wait_for "[ -z \"\$(ikeg_field spi_in)\" ]" 5 &&
	ikeg_check_clean alicepw
'

# 2. strongSwan. charon keeps a replaced SA a few seconds after its
# DELETE (DELETED, for late packets): one is INSTALLED.
# swan_settled N: client N's newest SPIs are charon's ($GW).
swan_settled() {
	local ike
	ike=$(newest_ike "$TRASH/c$1.log")
	set -- $(newest "$TRASH/c$1.log") "$1" $ike
	[ -n "$1" ] && [ "$(swan_child_field "$GW" spi-out)" = "$1" ] &&
	[ "$(swan_child_field "$GW" spi-in)" = "$2" ] &&
	{ [ -z "$4" ] || { [ "$(swan_sa_field "$GW" initiator-spi)" = "$4" ] &&
	    [ "$(swan_sa_field "$GW" responder-spi)" = "$5" ] &&
	    [ "$(swan_list_sas "$GW" | grep -c ESTABLISHED)" = 1 ]; }; } &&
	[ "$(swan_list_sas "$GW" | grep -c "reqid.*INSTALLED")" = 1 ] &&
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$TRASH/c$3.sock" |
	    grep -F "1 inbound and 1 outbound SAs"
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
	wait_for "swan_settled 2" 5 && swan_settled 2 &&
	[ -n "$(newest_ike "$TRASH/c2.log")" ] &&
	[ "$(cstat "$TRASH/c2.sock" "ike rekeys")" -ge 2 ] &&
	[ "$(grep -c "received DELETE for ESP CHILD_SA" "$GW/charon.log")" \
	    -ge 2 ]
'
test_expect_success 'strongSwan: the client stops cleanly' '
	cstop "$TRASH/c2.pid" "$TRASH/c2.log" && wait_for swan_gone 5 &&
	swan_stop "$GW"
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
	wait_for "swan_settled 3" 5 && swan_settled 3 &&
	[ "$(swan_child_field "$GW" dh-group)" = ECP_256 ]
'
test_expect_success 'gateway rekeys: the client stops cleanly' '
	cstop "$TRASH/c3.pid" "$TRASH/c3.log" && wait_for swan_gone 5
'
test_done
