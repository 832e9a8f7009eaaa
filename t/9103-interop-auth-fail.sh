#!/bin/sh
# Authentication against ikegated, good and bad, with strongSwan clients:
#   certificate client (remote_auth = cert, ECDSA client certificate from
#     the profile's CA): connects, SPIs and address agree, and its DELETE
#     returns the address;
#   wrong EAP-MSCHAPv2 password: EAP-Failure (RFC 3748 4.2; the client
#     then sends AUTHENTICATION_FAILED itself, RFC 7296 2.21.2);
#   wrong PSK: AUTHENTICATION_FAILED in the IKE_AUTH response;
#   a certificate from another CA with the same name and the same
#     identity: AUTHENTICATION_FAILED.
# After the failures no SA is left (within a bound) and no address is
# leased (`ikectl show pools`); ikegated exits cleanly and never logged a
# password or the PSK.
test_description='ikegated refuses bad credentials, accepts certificates'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl
interop_require_swan

PKI=$TRASH/pki
PKI2=$TRASH/pki2
CLI=$TRASH/cli
CLI2=$TRASH/cli2
PSK='the 9103 gateway psk'
BADPSK='the 9103 wrong psk'
interop_topology

# fails CLIDIR CONN: initiating CONN fails (within the bound).
fails() {
	if swan_ctl "$1" --initiate --child "$2" --timeout "$SWAN_TIMEOUT"
	then
		echo "$2: initiation succeeded"
		return 1
	fi
	return 0
}

test_expect_success 'two PKIs and the configuration' '
	pki_make "$PKI" vpn.ikegate.test 198.51.100.1 carol@ikegate.test &&
	pki_make "$PKI2" vpn.ikegate.test 198.51.100.1 carol@ikegate.test &&
	! cmp -s "$PKI/ca.pem" "$PKI2/ca.pem" &&
	[ "$(openssl x509 -in "$PKI/ca.pem" -noout -subject)" = \
	  "$(openssl x509 -in "$PKI2/ca.pem" -noout -subject)" ] &&
	! openssl verify -CAfile "$PKI/ca.pem" "$PKI2/client.pem" &&
	ikeg_config "$TRASH/gw.ini" match="email alice@ikegate.test" \
	    extra="[profile psk]
match = email psk@ikegate.test
local_auth = psk
remote_auth = psk
psk = $PSK
proposal = p
esp = e
policy = pol

[profile cert]
match = email carol@ikegate.test
local_auth = rsa-sig
remote_auth = cert
ca = $PKI/ca.pem
proposal = p
esp = e
policy = pol" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini"
'
test_expect_success 'ikegated starts' 'ikeg_start "$TRASH/gw.ini"'
test_expect_success 'strongSwan client starts' '
	swan_client "$CLI" certok pki="$PKI" auth=pubkey cert=client \
	    id=carol@ikegate.test ike=aes256-sha384-ecp256 \
	    esp=aes256gcm16 &&
	swan_client "$CLI" eapbad pki="$PKI" auth=eap-mschapv2 \
	    id=alice@ikegate.test eap_id=alice secret=wrongpw \
	    ike=aes256-sha384-ecp256 esp=aes256gcm16 &&
	swan_client "$CLI" pskbad auth=psk id=psk@ikegate.test psk="$BADPSK" \
	    ike=aes256-sha384-ecp256 esp=aes256gcm16 &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'certificate client connects' '
	swan_initiate "$CLI" certok &&
	ikeg_agree "$CLI" certok &&
	grep -F "authentication of '\''vpn.ikegate.test'\'' with RSA" \
	    "$CLI/charon.log" | grep -F successful &&
	i=$(swan_sa_field "$CLI" initiator-spi certok) &&
	[ "$(ikeg_field profile "$i")" = cert ] &&
	[ "$(ikeg_field identity "$i")" = carol@ikegate.test ] &&
	case $(ikeg_field auth "$i") in *ECDSA*|*ecdsa*) ;; *) false ;; esac &&
	[ "$(ikeg_pool_used pool)" = 1 ]
'
test_expect_success 'certificate client disconnects: SA and address freed' '
	swan_terminate "$CLI" certok &&
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'wrong EAP password: MS-CHAPv2 failure, SA deleted' '
	fails "$CLI" eapbad &&
	grep -F "<eapbad|" "$CLI/charon.log" | grep -F \
	    "EAP-MS-CHAPv2 failed with error ERROR_AUTHENTICATION_FAILURE" &&
	grep -F "<eapbad|" "$CLI/charon.log" |
	    grep -F "generating INFORMATIONAL request 4 [ N(AUTH_FAILED) ]" &&
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 2 &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'wrong PSK: AUTHENTICATION_FAILED' '
	fails "$CLI" pskbad &&
	grep -F "<pskbad|" "$CLI/charon.log" | grep -F \
	    "parsed IKE_AUTH response 1 [ N(AUTH_FAILED) ]" &&
	grep -F "<pskbad|" "$CLI/charon.log" |
	    grep -F "received AUTHENTICATION_FAILED notify error" &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'client with a certificate of another CA' '
	swan_stop "$CLI" &&
	swan_client "$CLI2" certbad pki="$PKI2" auth=pubkey cert=client \
	    id=carol@ikegate.test ike=aes256-sha384-ecp256 \
	    esp=aes256gcm16 &&
	cp "$PKI/ca.pem" "$CLI2/swanctl/x509ca/gateway-ca.pem" &&
	swan_start cli "$CLI2" client && swan_load "$CLI2"
'
test_expect_success 'certificate of another CA: AUTHENTICATION_FAILED' '
	fails "$CLI2" certbad &&
	grep -F "[ IDi CERT N(INIT_CONTACT) CERTREQ IDr AUTH" \
	    "$CLI2/charon.log" &&
	grep -F "parsed IKE_AUTH response 1 [ N(AUTH_FAILED) ]" \
	    "$CLI2/charon.log" &&
	grep -F "received AUTHENTICATION_FAILED notify error" \
	    "$CLI2/charon.log" &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'no SA left, no address leased' '
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 10 &&
	ikectl_gw show pools &&
	[ "$(ikeg_pool_used pool)" = 0 ] &&
	ikectl_gw show pools | grep -x "pool pool ipv4 total 14 used 0"
'
test_expect_success 'ikegated logged the failures' '
	grep -F "wrong pre-shared key" "$TRASH/ikegated.log" &&
	grep -F "the peer gave up with AUTHENTICATION_FAILED" \
	    "$TRASH/ikegated.log" &&
	grep -F "certificate not trusted" "$TRASH/ikegated.log"
'
test_expect_success 'ikegated exits cleanly; no secret in its log' '
	ikeg_check_clean alicepw wrongpw "$PSK" "$BADPSK" bobpw
'
test_done
