#!/bin/sh
# ikegated -t: the example configuration checks OK; a broken copy exits 1
# and names each error with its line, without printing secrets.

test_description='ikegated -t checks a configuration'
. "$SRCDIR/t/lib.sh"

[ -x "$TOP/ikegated" ] || skip_all "ikegated not built"
command -v openssl >/dev/null || skip_all "openssl not installed"
# A copy of the example next to a throwaway PKI: -t loads the gateway's
# certificate and key, which the repository does not ship.
EXAMPLE=$TRASH/ikegate.ini
cp "$SRCDIR/etc/ikegate.ini" "$EXAMPLE"
"$SRCDIR/tools/example-pki" "$TRASH" >/dev/null

# lineof PATTERN FILE: the number of the first line matching PATTERN.
lineof() { grep -n -- "$1" "$2" | head -n 1 | cut -d: -f1; }

test_expect_success 'the example configuration is OK' '
	"$TOP/ikegated" -t -c "$EXAMPLE" 2>err &&
	cat err &&
	grep -qx "configuration OK" err &&
	! grep -q "ikegate.ini:" err
'

test_expect_success 'a missing certificate is reported' '
	mkdir nocert && cp "$EXAMPLE" nocert/ &&
	! "$TOP/ikegated" -t -c nocert/ikegate.ini 2>err &&
	grep "ikegate-cert.pem" err
'

test_expect_success '-n is an alias of -t' '
	"$TOP/ikegated" -n -c "$EXAMPLE" 2>err &&
	grep -qx "configuration OK" err
'

# The broken copy: four values spoiled in place, a PSK (forbidden with
# reconnect_timeout) and an unknown key added to the profile, and an
# unknown section appended: seven errors on seven lines.
test_expect_success 'make a broken copy' '
	sed -e "s/^port = 500$/port = 70000/" \
	    -e "s/^group = 19, 14, 21$/group = 19, 14, 22/" \
	    -e "s/^range = .*/range = 198.18.20.10 - 198.18.20.5/" \
	    -e "s/^split_include = .*/split_include = 198.18.10.1\/24/" \
	    -e "s/^reconnect_timeout = 900$/reconnect_timeout = 900\\
psk = Not-A-Real-Secret-0123456789\\
frobnicate = yes/" \
	    "$EXAMPLE" > broken.ini &&
	printf "[tunnel x]\n" >> broken.ini &&
	! cmp -s "$EXAMPLE" broken.ini
'

test_expect_code 1 'ikegated -t exits 1 on the broken copy' '
	"$TOP/ikegated" -t -c broken.ini 2>err; rc=$?; cat err; exit $rc
'

test_expect_success 'each error is printed with its line' '
	for want in "port:port = \"70000\": not a port number" \
	    "group = 19, 14, 22:unknown group \"22\"" \
	    "range = 198.18.20.10 - 198.18.20.5:first address is above" \
	    "split_include = 198.18.10.1/24:host bits set" \
	    "psk = Not-A-Real:psk cannot be used with reconnect_timeout" \
	    "frobnicate = yes:unknown key \"frobnicate\"" \
	    "tunnel x:unknown section \"tunnel\""; do
		pat=${want%%:*} msg=${want#*:}
		case $pat in port) pat="^port = 70000" ;; esac
		n=$(lineof "$pat" broken.ini) &&
		test -n "$n" &&
		grep -F "broken.ini:$n: $msg" err ||
		{ echo "missing: broken.ini:$n: $msg"; false; }
	done &&
	test $(grep -c "^broken.ini:[0-9]*: " err) = 7 &&
	grep -qx "broken.ini: 7 errors" err &&
	! grep -q "configuration OK" err
'

test_expect_success 'the secret is not printed' '
	! grep -q "Not-A-Real-Secret" err
'

test_expect_code 1 'a missing file is an error' '
	"$TOP/ikegated" -t -c "$TRASH/nonexistent.ini" 2>err; rc=$?
	cat err
	grep -q "nonexistent.ini: cannot open: No such file" err || exit 2
	exit $rc
'

test_expect_code 1 'an unknown option prints usage' '
	"$TOP/ikegated" -x 2>err; rc=$?
	grep -q "^usage: ikegated" err || exit 2
	exit $rc
'

test_done
