#!/bin/sh
# make demo (tools/demo), the README's first command: it must run from a
# build and end with the resumed session shown, leaving nothing behind.
test_description='the demo of session resumption'
. "$SRCDIR/t/lib.sh"
test_require ROOT NETNS TUN cmd:openssl cmd:ping
for b in ikegated ikectl ikeclient; do
	[ -x "$TOP/$b" ] || skip_all "$b not built"
done
ip netns list | grep -q '^ikeg-demo-' &&
    skip_all "the namespaces of tools/demo exist (a demo in progress)"

test_expect_success 'the demo resumes the session with the same address' '
	(cd "$TOP" && "$SRCDIR/tools/demo") > out 2>&1 &&
	cat out &&
	grep -q "^demo: resumed with the same inner address" out &&
	grep -q "^  Capabilities:DNR" out &&
	grep -q "^  Success reconnect connection: 1" out &&
	grep -q "^demo: done: the session survived the move" out &&
	! grep -q example-password out
'
test_expect_success 'and cleans up after itself' '
	! ip netns list | grep -q "^ikeg-demo-" &&
	dir=$(sed -n "s/^demo: work directory: \([^ ]*\) .*/\1/p" out) &&
	[ -n "$dir" ] && [ ! -e "$dir" ] &&
	# No process of the demo may survive it (ikegated and ikeclient
	# name files of the work directory on their command lines).
	sleep 1 &&
	! grep -ls -- "$dir" /proc/[0-9]*/cmdline
'
test_done
