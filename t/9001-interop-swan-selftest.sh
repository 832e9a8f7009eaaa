#!/bin/sh
# strongSwan gateway <-> strongSwan client in network namespaces, both on
# userspace ESP (kernel-libipsec). It proves that t/interop/lib.sh and this
# machine work, and it is the baseline the benchmarks compare ikegated
# against: if this fails, an interop failure says nothing about ikegated.
#
# Run 1: RSA gateway certificate, EAP-MSCHAPv2 user alice, virtual IP from
#        the gateway's pool, AES-GCM.
# Run 2: PSK both ways, curve25519, chacha20poly1305 IKE and ESP.
# Run 3: through a NAT namespace: ECDSA gateway and client certificates,
#        UDP encapsulation detected (NAT-T, RFC 7296 section 2.23).

test_description='strongSwan to strongSwan through the interop library'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:nft
interop_require_swan

POOL=198.18.20.0/28
PKI=$TRASH/pki

# check_vip CLIDIR: the client's IKE_SA holds a virtual IP from $POOL and
# the address sits on an interface (libipsec's TUN) in namespace cli.
check_vip() {
	vip=$(swan_sa_field "$1" local-vips) &&
	echo "virtual IP: $vip" &&
	case $vip in
	198.18.20.[1-9]|198.18.20.1[0-4]) ;;
	*) echo "virtual IP '$vip' not in $POOL"; false ;;
	esac &&
	netns_exec cli ip -4 addr show | grep -F "inet $vip/"
}

# check_spis GWDIR CLIDIR: both ends list an ESTABLISHED IKE_SA with the
# same initiator and responder SPIs.
check_spis() {
	for f in state initiator-spi responder-spi; do
		g=$(swan_sa_field "$1" $f) && c=$(swan_sa_field "$2" $f) &&
		echo "$f: gateway '$g' client '$c'" &&
		[ -n "$g" ] && [ "$g" = "$c" ] || return 1
	done
	[ "$(swan_sa_field "$1" state)" = ESTABLISHED ]
}

# check_ping GWDIR CLIDIR: a ping from the client's virtual IP reaches the
# gateway's protected network, and the ESP packet counters of both
# CHILD_SAs moved, so it went through the tunnel.
check_ping() {
	vip=$(swan_sa_field "$2" local-vips) &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$vip" "$GW_LAN_ADDR" &&
	swan_list_sas "$1" && swan_list_sas "$2" &&
	swan_ctl "$1" --list-sas --raw | grep -q 'packets-in=[1-9]' &&
	swan_ctl "$2" --list-sas --raw | grep -q 'packets-in=[1-9]'
}

interop_topology

test_expect_success 'namespaces and links are up' '
	netns_exec cli ping -c 1 -W 2 "$GW_ADDR" &&
	netns_exec gw ip -4 addr show lan1 | grep -F "inet $GW_LAN_ADDR/24"
'

test_expect_success 'throwaway PKI (RSA and ECDSA gateway, client)' '
	pki_make "$PKI" &&
	openssl verify -CAfile "$PKI/ca.pem" "$PKI/gw-rsa.pem" \
	    "$PKI/gw-ecdsa.pem" "$PKI/client.pem" &&
	openssl x509 -in "$PKI/gw-rsa.pem" -noout -ext subjectAltName |
	    grep -F "DNS:vpn.ikegate.test, IP Address:198.51.100.1" &&
	openssl x509 -in "$PKI/gw-ecdsa.pem" -noout -text |
	    grep -F "prime256v1" &&
	openssl x509 -in "$PKI/gw-rsa.pem" -noout -text |
	    grep -F "Public-Key: (2048 bit)"
'

# Run 1: EAP-MSCHAPv2, RSA certificate.
GW=$TRASH/gw1 CLI=$TRASH/cli1
test_expect_success 'run 1: start gateway and client' '
	swan_gateway "$GW" rw pki="$PKI" cert=gw-rsa auth=eap-mschapv2 \
	    users="alice:alicepw bob:bobpw" pool=$POOL \
	    ike=aes256gcm16-prfsha256-ecp256 esp=aes256gcm16 &&
	swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 \
	    eap_id=alice secret=alicepw \
	    ike=aes256gcm16-prfsha256-ecp256 esp=aes256gcm16 &&
	swan_start gw "$GW" gateway && swan_load "$GW" &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'run 1: client initiates' 'swan_initiate "$CLI" home'
test_expect_success 'run 1: virtual IP from the pool' 'check_vip "$CLI"'
test_expect_success 'run 1: same IKE_SA on both ends' 'check_spis "$GW" "$CLI"'
test_expect_success 'run 1: EAP-MSCHAPv2 authenticated alice' '
	grep -F "EAP method EAP_MSCHAPV2 succeeded" "$GW/charon.log" &&
	[ "$(swan_sa_field "$GW" remote-eap-id)" = alice ]
'
test_expect_success 'run 1: ping through the tunnel' 'check_ping "$GW" "$CLI"'
test_expect_success 'run 1: stop both charons' '
	swan_stop "$CLI" && swan_stop "$GW" &&
	! proc_alive "$CLI/charon.pid" && ! proc_alive "$GW/charon.pid" &&
	[ -z "$(ip netns pids "$GW_NS")" ] && [ -z "$(ip netns pids "$CLI_NS")" ]
'

# Run 2: PSK, curve25519, chacha20poly1305.
GW=$TRASH/gw2 CLI=$TRASH/cli2
P2IKE=chacha20poly1305-prfsha256-curve25519
test_expect_success 'run 2: start gateway and client (PSK)' '
	swan_gateway "$GW" psk auth=psk psk=2tY8kPq-test-only pool=$POOL \
	    ike=$P2IKE esp=chacha20poly1305 &&
	swan_client "$CLI" home auth=psk psk=2tY8kPq-test-only \
	    ike=$P2IKE esp=chacha20poly1305 &&
	swan_start gw "$GW" gateway && swan_load "$GW" &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'run 2: client initiates' 'swan_initiate "$CLI" home'
test_expect_success 'run 2: negotiated curve25519 and chacha20poly1305' '
	swan_list_sas "$CLI" | tee sas &&
	grep -F CHACHA20_POLY1305/PRF_HMAC_SHA2_256/CURVE_25519 sas &&
	grep -F ESP:CHACHA20_POLY1305 sas
'
test_expect_success 'run 2: virtual IP from the pool' 'check_vip "$CLI"'
test_expect_success 'run 2: same IKE_SA on both ends' 'check_spis "$GW" "$CLI"'
test_expect_success 'run 2: ping through the tunnel' 'check_ping "$GW" "$CLI"'
test_expect_success 'run 2: a wrong PSK is refused' '
	swan_client "$CLI" bad auth=psk psk=not-the-key \
	    id=mallory@ikegate.test ike=$P2IKE \
	    esp=chacha20poly1305 && swan_load "$CLI" &&
	! swan_initiate "$CLI" bad 2>err &&
	grep -F AUTHENTICATION_FAILED "$CLI/charon.log"
'
test_expect_success 'run 2: stop both charons' 'swan_stop "$CLI" && swan_stop "$GW"'

# Run 3: through NAT, certificates both ways (ECDSA).
test_expect_success 'run 3: NAT namespace between client and gateway' '
	netns_exec gw ip link del wan &&
	interop_wan_nat &&
	netns_exec cli ping -c 1 -W 2 "$GW_ADDR"
'
GW=$TRASH/gw3 CLI=$TRASH/cli3
test_expect_success 'run 3: start gateway and client (certificates)' '
	swan_gateway "$GW" certs pki="$PKI" cert=gw-ecdsa auth=pubkey \
	    pool=$POOL \
	    ike=aes128gcm16-prfsha256-ecp256 esp=aes128gcm16 &&
	swan_client "$CLI" home pki="$PKI" auth=pubkey cert=client \
	    ike=aes128gcm16-prfsha256-ecp256 esp=aes128gcm16 &&
	swan_start gw "$GW" gateway && swan_load "$GW" &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'run 3: client initiates' 'swan_initiate "$CLI" home'
test_expect_success 'run 3: NAT detected, ESP in UDP 4500' '
	[ "$(swan_sa_field "$GW" nat-remote)" = yes ] &&
	[ "$(swan_sa_field "$CLI" nat-local)" = yes ] &&
	[ "$(swan_sa_field "$GW" remote-host)" = 198.51.100.2 ] &&
	[ "$(swan_sa_field "$GW" remote-port)" != 500 ] &&
	[ "$(swan_sa_field "$GW" encap)" = yes ] &&
	[ "$(swan_sa_field "$GW" remote-id)" = alice@ikegate.test ]
'
test_expect_success 'run 3: virtual IP from the pool' 'check_vip "$CLI"'
test_expect_success 'run 3: same IKE_SA on both ends' 'check_spis "$GW" "$CLI"'
test_expect_success 'run 3: ping through the tunnel' 'check_ping "$GW" "$CLI"'

test_done
