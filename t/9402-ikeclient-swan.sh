#!/bin/sh
# ikeclient against strongSwan (charon) as the gateway: an implementation
# we did not write, which ignores the session-id and token attributes.
# Run 1: EAP-MSCHAPv2, the gateway signs with its RSA certificate. Run 2:
# PSK both ways, ChaCha20-Poly1305 and X25519. Each: the client connects,
# gets an address from charon's pool, pings the protected network, says
# the session is not resumable, and its DELETE ends the SA on charon.
# charon sends no split list: the client routes the CHILD SA's TSr.
test_description='ikeclient <-> strongSwan gateway'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:openssl
interop_require_swan
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"

PKI=$TRASH/pki
PSK='9402 ikeclient pre-shared key'
interop_topology

status() {
	ip netns exec "$CLI_NS" "$TOP/ikeclient" --status -S "$TRASH/$1.sock"
}

# run NAME CONFIG-LINES...: starts ikeclient NAME with a [client] section
# of the common lines and CONFIG-LINES, and waits until it is connected.
run() {
	local n=$1
	shift
	{
		echo "[client]"
		echo "name = swan"
		echo "gateway = $GW_ADDR"
		echo "remote_id = fqdn:vpn.ikegate.test"
		echo "local_id = email:alice@ikegate.test"
		echo "tun = ikec0"
		echo "control_socket = $TRASH/$n.sock"
		printf '%s\n' "$@"
	} > "$TRASH/$n.ini" &&
	netns_spawn cli "$TRASH/$n.pid" "$TRASH/$n.log" \
	    "$TOP/ikeclient" -c "$TRASH/$n.ini" &&
	wait_for "grep -q \"^Connected to swan as\" \"$TRASH/$n.log\"" 15
	local rc=$?
	cat "$TRASH/$n.log"
	return $rc
}

# check NAME GWDIR: address, traffic, status, then a clean disconnect.
check() {
	local v
	v=$(sed -n 's/^Connected to swan as \([0-9.]*[0-9]\)\.$/\1/p' \
	    "$TRASH/$1.log") &&
	case $v in
	198.18.20.[1-9]|198.18.20.1[0-4]) ;;
	*) echo "address '$v' not in the pool"; return 1 ;;
	esac &&
	[ "$(swan_sa_field "$2" remote-vips)" = "$v" ] &&
	netns_exec cli ip route show dev ikec0 | grep "^198.18.10.0/24" &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$v" "$GW_LAN_ADDR" &&
	swan_ctl "$2" --list-sas --raw | grep -q 'packets-in=[1-9]' &&
	status "$1" | tee st && grep -q "^state: connected$" st &&
	grep -q "^resumable: no$" st &&
	kill -TERM "$(proc_pid "$TRASH/$1.pid")" &&
	wait_for "! proc_alive \"$TRASH/$1.pid\"" 10 &&
	wait_for "[ -z \"\$(swan_list_sas \"$2\" | grep ESTABLISHED)\" ]" 5 &&
	! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" "$TRASH/$1.log"
}

test_expect_success 'PKI' 'pki_make "$PKI"'

GW=$TRASH/gw1
test_expect_success 'run 1: charon with EAP-MSCHAPv2 and an RSA cert' '
	swan_gateway "$GW" rw pki="$PKI" cert=gw-rsa auth=eap-mschapv2 \
	    users="alice:alicepw" esp=aes256gcm16 &&
	swan_start gw "$GW" gateway && swan_load "$GW"
'
test_expect_success 'run 1: ikeclient connects with EAP-MSCHAPv2' '
	run eap "ca = $PKI/ca.pem" "user = alice" "password = alicepw" &&
	grep -F "EAP method EAP_MSCHAPV2 succeeded" "$GW/charon.log"
'
test_expect_success 'run 1: address, traffic, disconnect' 'check eap "$GW"'
test_expect_success 'run 1: stop charon' 'swan_stop "$GW"'

GW=$TRASH/gw2
test_expect_success 'run 2: charon with PSK, chacha20poly1305, x25519' '
	swan_gateway "$GW" psk auth=psk psk="$PSK" \
	    ike=chacha20poly1305-prfsha256-curve25519 esp=chacha20poly1305 &&
	swan_start gw "$GW" gateway && swan_load "$GW"
'
test_expect_success 'run 2: ikeclient connects with a PSK' '
	run psk "auth = psk" "psk = $PSK" &&
	grep -q "IKE chacha20poly1305-prfsha256-x25519" "$TRASH/psk.log" &&
	grep -q "ESP chacha20poly1305" "$TRASH/psk.log"
'
test_expect_success 'run 2: address, traffic, disconnect' 'check psk "$GW"'
test_expect_success 'no secret in the client logs' '
	! grep -F -e alicepw -e "$PSK" "$TRASH/eap.log" "$TRASH/psk.log"
'
test_done
