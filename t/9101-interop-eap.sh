#!/bin/sh
# A strongSwan client against ikegated: EAP-MSCHAPv2, RSA gateway
# certificate, the reference IKE proposal (aes-cbc-256, sha512/sha384,
# groups 19 14 21), ESP aes256gcm16 and aes256-sha384.
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
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'client connects' 'swan_initiate "$CLI" home'
test_expect_success 'SPIs and address agree on both sides' '
	ikectl_gw show sa && swan_list_sas "$CLI" &&
	[ "$(swan_sa_field "$CLI" initiator-spi)" = "$(ikeg_field spi_i)" ] &&
	[ "$(swan_sa_field "$CLI" responder-spi)" = "$(ikeg_field spi_r)" ] &&
	vip=$(swan_sa_field "$CLI" local-vips) &&
	[ "$vip" = "$(ikeg_field address)" ] &&
	case $vip in 198.18.20.*) ;; *) false ;; esac
'
test_done
