# t/lib.sh: shell library for TAP test scripts (git's test-lib.sh model).
#
# A script sets test_description, sources this file, declares
# prerequisites with test_require, runs test_expect_success blocks and ends
# with test_done. Each script gets a private trash directory ($TRASH),
# removed at exit. TOP is the build directory, SRCDIR the source tree.

: "${TOP:=$(pwd)}"
: "${SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
TOP=$(cd "$TOP" && pwd)
SRCDIR=$(cd "$SRCDIR" && pwd)
export TOP SRCDIR

test_count=0
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/ikegate-test.XXXXXX")
test_cleanup_cmds=
# Cleanup runs on every exit, also when a test aborts.
test_atexit() { test_cleanup_cmds="$*
$test_cleanup_cmds"; }
trap 'eval "$test_cleanup_cmds"; rm -rf "$TRASH"' EXIT
trap 'exit 130' HUP INT PIPE TERM

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# test_require PREREQ...: ROOT, NETNS, TUN, or a command name (cmd:NAME).
test_require() {
	for p do
		case $p in
		ROOT) [ "$(id -u)" = 0 ] || skip_all "needs root" ;;
		NETNS) ip netns add "ikeg-probe-$$" 2>/dev/null ||
			skip_all "cannot create network namespaces"
			ip netns del "ikeg-probe-$$" ;;
		TUN) [ -c /dev/net/tun ] || skip_all "no /dev/net/tun" ;;
		cmd:*) command -v "${p#cmd:}" >/dev/null 2>&1 ||
			skip_all "${p#cmd:} not installed" ;;
		*) echo "Bail out! unknown prerequisite $p"; exit 1 ;;
		esac
	done
}

# test_expect_success 'name' 'commands': runs commands in a subshell with
# set -e; passes when they exit 0. Output goes to $TRASH/log.N and is
# shown on failure.
test_expect_success() {
	test_count=$((test_count + 1))
	# Not inside "if": a condition context would switch set -e off.
	(cd "$TRASH" && set -e && eval "$2") > "$TRASH/log.$test_count" 2>&1
	test_rc=$?
	if [ "$test_rc" = 0 ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/log.$test_count" >&2
		test_failed=$((test_failed + 1))
	fi
}

# test_expect_code CODE 'name' 'commands': passes when commands
# exit with exactly CODE.
test_expect_code() {
	test_count=$((test_count + 1))
	want=$1; shift
	(cd "$TRASH" && eval "$2") > "$TRASH/log.$test_count" 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		echo "ok $test_count - $1"
	else
		echo "not ok $test_count - $1 (exit $got, want $want)"
		sed 's/^/#   /' "$TRASH/log.$test_count" >&2
		test_failed=$((test_failed + 1))
	fi
}

test_done() {
	echo "1..$test_count"
	[ "$test_failed" = 0 ]
	exit $?
}
