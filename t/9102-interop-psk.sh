#!/bin/sh
# A strongSwan PSK client against ikegated, which signs with an ECDSA P-256
# certificate (RFC 7427 digital signature): the client authenticates with
# the pre-shared key and checks the gateway's certificate (remote auth
# pubkey). IKE: ChaCha20-Poly1305 (RFC 7634) with PRF-HMAC-SHA-256 and
# curve25519 (group 31, RFC 8031); ESP: ChaCha20-Poly1305. Both ends must
# agree on the algorithms, the SPIs and the virtual IP, and the PSK must
# never reach ikegated's log. The gateway asks every IKE_SA_INIT for a
# cookie (cookie_threshold = 0, RFC 7296 2.6): the client must come back
# with it, and `ikectl stats ike` count it.
test_description='strongSwan PSK client, ECDSA gateway, curve25519, chacha20'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
PSK='9102 interop pre-shared key, 42 bytes long'
interop_topology

test_expect_success 'PKI and configuration' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" cert=gw-ecdsa local_auth=ecdsa-sig \
	    remote_auth=psk psk="$PSK" ike_enc=chacha20-poly1305 \
	    ike_integ= groups=31 esp_enc=chacha20-poly1305 esp_integ= \
	    gw_extra="cookie_threshold = 0" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini"
'
test_expect_success 'ikegated starts' 'ikeg_start "$TRASH/gw.ini"'
test_expect_success 'strongSwan client starts' '
	swan_client "$CLI" home pki="$PKI" auth=psk psk="$PSK" rauth=pubkey \
	    ike=chacha20poly1305-prfsha256-curve25519 esp=chacha20poly1305 &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'client connects' 'swan_initiate "$CLI" home'
test_expect_success 'the client came back with the cookie' '
	grep -F "parsed IKE_SA_INIT response 0 [ N(COOKIE) ]" \
	    "$CLI/charon.log" &&
	grep -F "generating IKE_SA_INIT request 0 [ N(COOKIE) SA KE No" \
	    "$CLI/charon.log" &&
	ikectl_gw stats ike && ikectl_gw stats ike --json > st.json &&
	grep -q "\"init_ok\":1,.*\"cookie_threshold\":0,\"cookies_sent\":1,\"cookies_ok\":1,\"cookies_bad\":0," st.json
'
test_expect_success 'gateway sent its certificate and an ECDSA signature' '
	grep -F "[ IDr CERT AUTH" "$CLI/charon.log" &&
	grep -F "authentication of '\''vpn.ikegate.test'\'' with ECDSA" \
	    "$CLI/charon.log" | grep -F successful &&
	grep -F "(myself) with pre-shared key" "$CLI/charon.log"
'
test_expect_success 'SPIs (IKE and ESP) and address agree' '
	ikeg_agree "$CLI" home &&
	case $(swan_sa_field "$CLI" local-vips) in
	198.18.20.*) ;; *) false ;; esac
'
test_expect_success 'IKE chacha20poly1305-prfsha256-curve25519' '
	[ "$(ikeg_field ike)" = chacha20poly1305-prfsha256-x25519 ] &&
	[ "$(swan_sa_field "$CLI" encr-alg)" = CHACHA20_POLY1305 ] &&
	[ "$(swan_sa_field "$CLI" prf-alg)" = PRF_HMAC_SHA2_256 ] &&
	[ "$(swan_sa_field "$CLI" dh-group)" = CURVE_25519 ] &&
	[ -z "$(swan_sa_field "$CLI" integ-alg)" ]
'
test_expect_success 'ESP chacha20poly1305' '
	[ "$(ikeg_field esp)" = chacha20poly1305 ] &&
	[ "$(swan_child_field "$CLI" encr-alg)" = CHACHA20_POLY1305 ] &&
	[ -z "$(swan_child_field "$CLI" integ-alg)" ]
'
test_expect_success 'ikegated verified the PSK' '
	[ "$(ikeg_field auth)" = PSK ] &&
	[ "$(ikeg_field identity)" = alice@ikegate.test ]
'
test_expect_success 'ikegated exits cleanly; the PSK is not in its log' '
	ikeg_check_clean "$PSK" "9102 interop"
'
test_done
