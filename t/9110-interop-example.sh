#!/bin/sh
# The README's recipe: a strongSwan client configured as README.md says
# connects to ikegated running the shipped example (etc/ikegate.ini) with
# the PKI of tools/example-pki. Only the control socket and the log level
# are changed, so the test can query the daemon.
test_description='the example configuration with the README client'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:openssl
interop_require_swan

ETC=$TRASH/etc
CLI=$TRASH/cli
interop_topology

test_expect_success 'example configuration and throwaway PKI' '
	mkdir -p "$ETC" &&
	sed -e "s|^tun = .*|&\\ncontrol_socket = $IKEG_SOCK|" \
	    -e "s|^log_level = .*|log_level = debug|" \
	    "$SRCDIR/etc/ikegate.ini" > "$ETC/ikegate.ini" &&
	"$SRCDIR/tools/example-pki" "$ETC" &&
	"$TOP/ikegated" -t -c "$ETC/ikegate.ini"
'
test_expect_success 'ikegated starts with it' 'ikeg_start "$ETC/ikegate.ini"'
test_expect_success 'the README client connects' '
	swan_client "$CLI" ikegate pki="$ETC" auth=eap-mschapv2 \
	    id="keyid:*\$AnyConnectClient\$*" eap_id=test \
	    secret=example-password remote_id=198.51.100.1 \
	    ike=aes256-sha512-ecp256 esp=aes256-sha384 &&
	swan_start cli "$CLI" client && swan_load "$CLI" &&
	swan_initiate "$CLI" ikegate
'
test_expect_success 'address from the example pool, same SPIs' '
	ikectl_gw show sa &&
	vip=$(swan_sa_field "$CLI" local-vips) &&
	case $vip in 198.18.20.[5-9]|198.18.20.10) ;; *) false ;; esac &&
	[ "$vip" = "$(ikeg_field address)" ] &&
	[ "$(swan_sa_field "$CLI" initiator-spi)" = "$(ikeg_field spi_i)" ] &&
	[ "$(ikeg_field profile)" = AnyConnect-EAP ] &&
	[ "$(ikeg_field identity)" = test ]
'
test_expect_success 'ikegated exits cleanly, the password never logged' '
	ikeg_check_clean example-password
'
test_done
