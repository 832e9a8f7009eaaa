#!/bin/sh
# tools/run-example --check: the README's first command starts a working
# gateway with the shipped example configuration, in namespaces of its
# own, and leaves none behind.
test_description='the example gateway of the README runs'
. "$SRCDIR/t/lib.sh"
test_require ROOT NETNS TUN cmd:openssl
[ -x "$TOP/ikegated" ] || skip_all "ikegated not built"
ip netns list | grep -q '^ikeg-ex-' &&
    skip_all "the namespaces of tools/run-example exist (a run in progress)"

test_expect_success 'run-example starts the example gateway' '
	(cd "$TOP" && "$SRCDIR/tools/run-example" --check) > out 2>&1 &&
	cat out &&
	grep -q "^pool ACPPOOL ipv4 total 6 used 0" out &&
	grep -q "the gateway answers" out
'
test_expect_success 'and cleans up after itself' '
	! ip netns list | grep -q "^ikeg-ex-"
'
test_done
