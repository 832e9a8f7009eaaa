#!/bin/sh
# A strongSwan client against ikegated: EAP-MSCHAPv2, RSA gateway
# certificate, the reference IKE proposal (aes-cbc-256, sha512/sha384,
# groups 19 14 21). Two users, two IKE SAs side by side: alice (password
# in the configuration) offers ESP aes256gcm16 and aes256-sha384 and gets
# AES-GCM; bob (nt_hash in the configuration) offers only aes256-sha384
# (CBC + HMAC) and gets it. Both ends must list the same IKE and ESP SPIs
# and virtual IPs; deleting bob's SA frees his address; ikegated exits
# cleanly (status 0, no sanitizer report) with alice still connected, and
# its log holds no password, hash or key.
test_description='strongSwan EAP-MSCHAPv2 client against ikegated'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
interop_topology

test_expect_success 'PKI and configuration' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini"
'
test_expect_success 'ikegated starts' 'ikeg_start "$TRASH/gw.ini"'
test_expect_success 'strongSwan client starts' '
	swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 \
	    eap_id=alice secret=alicepw ike=aes256-sha384-ecp256 \
	    esp=aes256gcm16,aes256-sha384 &&
	swan_client "$CLI" bob pki="$PKI" auth=eap-mschapv2 \
	    id=bob@ikegate.test eap_id=bob secret=bobpw \
	    ike=aes256-sha384-ecp256 esp=aes256-sha384 &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'alice connects' 'swan_initiate "$CLI" home'
test_expect_success 'alice: SPIs (IKE and ESP) and address agree' '
	ikeg_agree "$CLI" home &&
	case $(swan_sa_field "$CLI" local-vips home) in
	198.18.20.*) ;; *) false ;; esac
'
test_expect_success 'alice: IKE aes256-sha384-ecp256, ESP AES-GCM-256' '
	i=$(swan_sa_field "$CLI" initiator-spi home) &&
	[ "$(ikeg_field ike "$i")" = aes256-sha384-prfsha384-ecp256 ] &&
	[ "$(swan_sa_field "$CLI" encr-alg home)" = AES_CBC ] &&
	[ "$(swan_sa_field "$CLI" integ-alg home)" = HMAC_SHA2_384_192 ] &&
	[ "$(swan_sa_field "$CLI" dh-group home)" = ECP_256 ] &&
	[ "$(ikeg_field esp "$i")" = aes256gcm16 ] &&
	[ "$(swan_child_field "$CLI" encr-alg home)" = AES_GCM_16 ] &&
	[ "$(swan_child_field "$CLI" encr-keysize home)" = 256 ] &&
	[ "$(ikeg_field identity "$i")" = alice ] &&
	[ "$(ikeg_field auth "$i")" = EAP-MSCHAPv2 ]
'
test_expect_success 'bob (nt_hash) connects with ESP aes256-sha384 only' '
	swan_initiate "$CLI" bob
'
test_expect_success 'bob: SPIs (IKE and ESP) and address agree' '
	ikeg_agree "$CLI" bob &&
	[ "$(swan_sa_field "$CLI" local-vips bob)" != \
	  "$(swan_sa_field "$CLI" local-vips home)" ]
'
test_expect_success 'bob: ESP AES-CBC-256 with HMAC-SHA-384-192' '
	i=$(swan_sa_field "$CLI" initiator-spi bob) &&
	[ "$(ikeg_field esp "$i")" = aes256-sha384 ] &&
	[ "$(swan_child_field "$CLI" encr-alg bob)" = AES_CBC ] &&
	[ "$(swan_child_field "$CLI" encr-keysize bob)" = 256 ] &&
	[ "$(swan_child_field "$CLI" integ-alg bob)" = HMAC_SHA2_384_192 ] &&
	[ "$(ikeg_field identity "$i")" = bob ]
'
test_expect_success 'two addresses leased' '
	ikectl_gw show pools && [ "$(ikeg_pool_used pool)" = 2 ]
'
test_expect_success 'bob disconnects: his SA and address are freed' '
	i=$(swan_sa_field "$CLI" initiator-spi bob) &&
	swan_terminate "$CLI" bob &&
	wait_for "[ -z \"\$(ikeg_field spi_r $i)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 1 ] &&
	ikeg_agree "$CLI" home
'
test_expect_success 'ikegated exits cleanly; no secret in its log' '
	ikeg_check_clean alicepw bobpw \
	    "$(printf bobpw | "$TOP/ikectl" hash-password)"
'
test_done
