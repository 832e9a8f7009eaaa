#!/bin/sh
# t/bench/e2e.sh: the end-to-end half of `make bench` (not a test: it
# asserts nothing and is not in `make check`). iperf3 TCP, 1 and 4
# streams (-P 4), $BENCH_SECONDS (10) per run, both directions, over these
# paths, built in two network namespaces (cli, gw) and all measured in
# the same run on the same machine:
#
#   bare veth	iperf3 straight over the veth link between cli and gw,
#		no tunnel: the ceiling.
#   ikeclient <-> ikegated, 1 thr
#		both ends ours: tools/ikeclient in cli, ikegated in gw with
#		`dataplane_threads = 1`.
#   ikeclient <-> ikegated, N thr
#		the same with `dataplane_threads = N`, N = the number of
#		CPUs. A build whose ikegated -t refuses that key gets the
#		1-thread row without the key (its data plane is one thread)
#		and "n/a" here.
#   strongSwan <-> strongSwan
#		charon with kernel-libipsec (userspace ESP over TUN: this
#		kernel has no ESP) at both ends, the closest IKEv2 peer.
#   wireguard-go <-> wireguard-go
#		Debian's wireguard-go (userspace WireGuard over TUN,
#		ChaCha20-Poly1305) at both ends, set up with wg(8); keys made
#		now with `wg genkey` in the run's temporary directory, which
#		goes away at exit. The userspace VPN a user would pick
#		instead.
#   strongSwan cli -> ikegated
#		issue 4's comparison of gateways, 1 stream: the strongSwan
#		client charon of the strongSwan pair against ikegated (1
#		thread). That client caps both of its tunnels under a
#		gigabit (its charon at about one CPU), so the figure that
#		tells the two gateways apart is their CPU time per GB.
#
# The IKE tunnels carry ESP AES-256-GCM-16 in UDP 4500 (ikeclient always
# encapsulates; the strongSwan client is told to), both ends of ours with
# crypto = auto; the script checks the negotiated ESP before measuring.
# Behind the gateway, the "protected network" is 198.18.10.1 on a veth
# pair inside gw, where the one iperf3 server listens. "up" is client ->
# protected network (the client encrypts, the gateway decrypts), "down"
# is iperf3 -R.
#
# CPU: for each tunnel endpoint process, A on the client side and B on
# the gateway side, utime + stime of /proc/PID/stat (the whole process:
# every thread), read right before and right after each iperf3 run, per
# gigabyte (10^9 bytes) the iperf3 receiver got, and as a percentage of
# one CPU over the run's wall time. The veth row has no endpoint process.
# The kernel counts CPU time by sampling at the tick, and without IRQ time
# accounting (as here) softirq work that runs while an endpoint is on the
# CPU, such as the receiving side of its own veth sends and TUN writes
# (the TCP input of an iperf3 end), is charged to it: the same
# per-packet work for every tunnel, which narrows the ratios between them.
# M is the whole machine over the same window (/proc/stat): busy CPU
# seconds per gigabyte, iperf3's TCP stacks and everything else
# included, and the share of all CPU time that was idle. On a machine
# this small both tunnel ends and both TCP stacks share the CPUs, so M
# says what a path costs in all, and its idle share how much of the
# machine the path left unused (waiting on wakeups, not on work).
#
# Then the ratios of issue 7 (ikeclient <-> ikegated, 1 thread, 1 stream,
# throughput against bare veth, the strongSwan pair and the wireguard-go
# pair, with their targets), the throughput that path's M would allow if
# no CPU ever idled (all CPUs divided by M: a bound, not a forecast), and
# the ratio of issue 4 (gateway B CPU s/GB, ikegated over the strongSwan
# gateway, same strongSwan client, 1 stream).
#
# 22 runs: with the default 10 s the script takes about 4 minutes and the
# whole `make bench` (ikebench esp first) under 5 on this machine. A path
# that cannot be measured (its program is missing, or it fails) is an
# "n/a" row with the reason; a failure makes the script exit 1 after the
# table.
#
# Output: the table on stdout; progress on stderr. Setup waits are bounded
# (t/interop/lib.sh), iperf3 runs under timeout(1), and the namespaces and
# processes (stopped by PID) go away in the harness's exit trap, also on
# failure.
#
# Environment: TOP (build directory: ikegated, ikectl, ikeclient), SRCDIR
# (source tree), BENCH_SECONDS (iperf3 -t, default 10), BENCH_PERF=DIR
# (also `perf record -g` the gateway-side endpoint B during each run, into
# DIR/PATH-PSTREAMS-DIR.data, PATH one of ic1 icN swan wg swik, e.g.
# ic1-P1-up.data; perf perturbs the CPU figures), BENCH_PATHS (the
# paths to run, e.g. "veth swik swan"; default all).

: "${SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"

# A benchmark has no TAP plan: a missing prerequisite is a line on
# stdout, in place of the table, and not a failure of `make bench`.
skip_all() {
	echo "end-to-end benchmark skipped: $*"
	exit 0
}

say() { echo "bench-e2e: $*" >&2; }

# die MSG: stop (setup that every path needs failed); the exit trap shows
# the charon logs (test_failed) and removes everything.
die() {
	say "FAILED: $*"
	test_failed=1
	exit 1
}

test_require ROOT NETNS TUN cmd:swanctl cmd:iperf3 cmd:timeout cmd:awk
interop_require_swan
[ -x "$TOP/ikegated" ] && [ -x "$TOP/ikectl" ] ||
	skip_all "no ikegated and ikectl in $TOP (run make first)"

DUR=${BENCH_SECONDS:-10}
case $DUR in
''|*[!0-9]*|0) die "BENCH_SECONDS must be a positive integer" ;;
esac
HZ=$(getconf CLK_TCK) || die "getconf CLK_TCK"
NCPU=$(nproc) || die "nproc"
PORT=5201
PKI=$TRASH/pki
CLI=$TRASH/cli
SWGW=$TRASH/swgw
WGD=$TRASH/wg
ESP=aes256gcm16
# wireguard-go's control sockets are /var/run/wireguard/IF.sock, one
# directory for every namespace: interface names unique to this run.
WG_CIF=wgb$$c
WG_GIF=wgb$$g
WG_PORT=51820
WG_CLI_ADDR=198.18.30.2
WG_GW_ADDR=198.18.30.1
BENCH_FAILED=0

# cpu_ticks PID: utime + stime of the whole process (every thread), in
# clock ticks (fields 14 and 15 of /proc/PID/stat; comm may hold spaces
# but ends in ")").
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# json_sum FILE OBJ KEY: KEY of object OBJ ("sum_received", the
# receiver's count whatever the direction, or "sum_sent") of iperf3 -J
# output, which pretty-prints one key a line.
json_sum() {
	awk -v obj="$2" -v key="$3" '
	    $0 ~ "\"" obj "\":" { on = 1; next }
	    on && $0 ~ "\"" key "\":" {
		sub(/.*:[ \t]*/, ""); sub(/,$/, ""); print; exit
	    }' "$1"
}

# machine_ticks: "BUSY IDLE", clock ticks of all CPUs since boot from
# the first line of /proc/stat: user, nice, system, irq and softirq are
# busy; idle and iowait are idle; steal (the hypervisor's) is neither.
machine_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6; exit }' \
	    /proc/stat
}

# Results, one line each: NAME STREAMS DIR BPS BYTES RETR ATICKS BTICKS
# WALLMS MBUSY MIDLE (the last two: the whole machine's busy and idle
# ticks over the run); or NAME na REASON... for a path that could not
# be measured.
RES=$TRASH/results
: > "$RES"

# measure NAME STREAMS DIR APID BPID DST [BIND]: one iperf3 run with
# STREAMS parallel streams from namespace cli to DST:$PORT (DIR up: the
# client sends; down: -R), with the CPU ticks the endpoint processes APID
# (client side) and BPID (gateway side) used meanwhile ("-" for none).
measure() {
	local name=$1 np=$2 dir=$3 ap=$4 bp=$5 dst=$6 bind=$7 rev=''
	local out="$TRASH/$name-P$2-$3.json" a0=0 a1=0 b0=0 b1=0 t0 t1 m0 m1
	local perfpid='' bytes
	[ "$dir" = down ] && rev=-R
	say "$name -P $np $dir: iperf3 -t $DUR to $dst${bind:+ from $bind}"
	if [ -n "${BENCH_PERF:-}" ] && [ "$bp" != - ]; then
		perf record -q -g -p "$bp" \
		    -o "$BENCH_PERF/$name-P$np-$dir.data" \
		    -- sleep "$DUR" >/dev/null 2>&1 &
		perfpid=$!
	fi
	t0=$(date +%s%N)
	m0=$(machine_ticks) || return 1
	[ "$ap" = - ] || a0=$(cpu_ticks "$ap") || return 1
	[ "$bp" = - ] || b0=$(cpu_ticks "$bp") || return 1
	if ! timeout $((DUR + 30)) ip netns exec "$CLI_NS" iperf3 -J \
	    -c "$dst" -p $PORT ${bind:+-B "$bind"} -t "$DUR" -P "$np" \
	    --connect-timeout 5000 $rev > "$out" 2> "$out.err"; then
		cat "$out.err" >&2
		grep -F '"error"' "$out" >&2
		[ -z "$perfpid" ] || wait "$perfpid"
		return 1
	fi
	[ "$ap" = - ] || a1=$(cpu_ticks "$ap") || return 1
	[ "$bp" = - ] || b1=$(cpu_ticks "$bp") || return 1
	m1=$(machine_ticks) || return 1
	t1=$(date +%s%N)
	[ -z "$perfpid" ] || wait "$perfpid"
	bytes=$(json_sum "$out" sum_received bytes)
	case $bytes in
	''|0|*[!0-9]*) say "no byte count in $out"; return 1 ;;
	esac
	echo "$name $np $dir $(json_sum "$out" sum_received bits_per_second)" \
	    "$bytes $(json_sum "$out" sum_sent retransmits)" \
	    $((a1 - a0)) $((b1 - b0)) $(((t1 - t0) / 1000000)) \
	    $((${m1% *} - ${m0% *})) $((${m1#* } - ${m0#* })) >> "$RES"
}

# measure_all NAME APID BPID DST [BIND]: 1 and 4 streams, up and down.
measure_all() {
	local np dir
	for np in 1 4; do
		for dir in up down; do
			measure "$1" $np $dir "$2" "$3" "$4" "$5" || return 1
		done
	done
}

# not_measured NAME REASON...: an n/a row.
not_measured() {
	local name=$1
	shift
	say "$name: not measured: $*"
	echo "$name na $*" >> "$RES"
}

# phase NAME LOGS FUNCTION ARGS...: run FUNCTION; when it fails, NAME
# becomes an n/a row, the tails of the LOGS (files, one string) go to
# stderr, everything the phases start is stopped, and the script goes on
# with the next path.
phase() {
	local name=$1 logs=$2 l
	shift 2
	case " ${BENCH_PATHS:-$name} " in
	*" $name "*) ;;
	*) not_measured "$name" "not in BENCH_PATHS"; return 0 ;;
	esac
	"$@" && return 0
	BENCH_FAILED=1
	not_measured "$name" "failed, see the log on stderr"
	for l in $logs; do
		[ -s "$l" ] || continue
		echo "--- last lines of $l" >&2
		tail -n 20 "$l" >&2
	done
	phases_stop
}

# phases_stop: stop whatever a phase may have left running (all
# idempotent, by PID file).
phases_stop() {
	proc_stop "$TRASH/ikeclient.pid"
	proc_stop "$TRASH/ikegated.pid"
	proc_stop "$SWGW/charon.pid"
	proc_stop "$CLI/charon.pid"
	proc_stop "$WGD/cli.pid"
	proc_stop "$WGD/gw.pid"
}

# esp_check: the strongSwan client's CHILD_SA is AES-GCM-16 with a
# 256-bit key, in UDP, as the other IKE tunnels.
esp_check() {
	local a k e
	a=$(swan_child_field "$CLI" encr-alg home)
	k=$(swan_child_field "$CLI" encr-keysize home)
	e=$(swan_child_field "$CLI" encap home)
	[ "$a/$k/$e" = AES_GCM_16/256/yes ] || {
		say "CHILD_SA is $a/$k, encap $e, not AES_GCM_16/256 in UDP"
		return 1
	}
}

# --- the paths ---------------------------------------------------------------

# ikegated_start TAG [THREADS]: ikegated in gw with the test harness's
# configuration at the production log level, ESP AES-256-GCM-16 only,
# and `dataplane_threads = THREADS` when given.
ikegated_start() {
	local conf="$TRASH/gw-$1.ini"
	ikeg_config "$conf" esp_enc=aes-gcm-256 esp_integ= \
	    gw_extra="${2:+dataplane_threads = $2}" &&
	sed -i 's/^log_level = debug$/log_level = info/' "$conf" &&
	netns_spawn gw "$TRASH/ikegated.pid" "$TRASH/ikegated-$1.log" \
	    "$TOP/ikegated" -d -c "$conf" &&
	wait_for 'ikectl_gw show sa' 10
}

# ikegated_threads_ok: ikegated -t accepts [gateway] dataplane_threads.
ikegated_threads_ok() {
	ikeg_config "$TRASH/probe.ini" gw_extra="dataplane_threads = 1" &&
	"$TOP/ikegated" -t -c "$TRASH/probe.ini" >/dev/null 2>&1
}

# path_ikeclient NAME: ikeclient in cli against the running ikegated,
# EAP-MSCHAPv2 as alice; measured, then disconnected.
path_ikeclient() {
	local name=$1 vip esp
	rm -f "$TRASH/ikeclient.log"
	ikec_config "$TRASH/ikeclient.ini" name=bench pw="$TRASH/alice.pw" \
	    sock="$TRASH/ikeclient.sock" || return 1
	say "$name: ikeclient"
	netns_spawn cli "$TRASH/ikeclient.pid" "$TRASH/ikeclient.log" \
	    "$TOP/ikeclient" -c "$TRASH/ikeclient.ini" || return 1
	wait_for "grep -q '^Connected to bench as' '$TRASH/ikeclient.log'" \
	    15 || return 1
	vip=$(sed -n 's/^Connected to bench as \([0-9.]*[0-9]\).*/\1/p' \
	    "$TRASH/ikeclient.log" | head -n 1)
	[ -n "$vip" ] || { say "no virtual IP from ikegated"; return 1; }
	esp=$(ikeg_field esp)
	[ "$esp" = aes256gcm16 ] || {
		say "ikegated's CHILD_SA is '$esp', not aes256gcm16"
		return 1
	}
	measure_all "$name" "$(proc_pid "$TRASH/ikeclient.pid")" \
	    "$(proc_pid "$TRASH/ikegated.pid")" "$GW_LAN_ADDR" "$vip" ||
		return 1
	proc_stop "$TRASH/ikeclient.pid"
}

# path_ikegated NAME THREADS: ikeclient <-> ikegated with THREADS
# data-plane threads ("" for a build without the key: one thread, the
# key left out).
path_ikegated() {
	say "$1: ikegated${2:+, dataplane_threads = $2}"
	ikegated_start "$1" "$2" && path_ikeclient "$1" &&
	proc_stop "$TRASH/ikegated.pid"
}

# swan_client_start: the strongSwan client charon, one connection "home"
# for the strongSwan gateway and for ikegated.
swan_client_start() {
	swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
	    secret=alicepw esp=$ESP encap=yes &&
	swan_start cli "$CLI" client && swan_load "$CLI" >/dev/null
}

# swan_measure NAME GWPIDFILE ALL: initiate "home", check the SA, measure
# 1 stream (ALL = 0) or 1 and 4 streams (ALL = 1), terminate.
swan_measure() {
	local vip a b
	swan_initiate "$CLI" home >/dev/null || return 1
	vip=$(swan_sa_field "$CLI" local-vips)
	[ -n "$vip" ] || { say "$1: no virtual IP"; return 1; }
	esp_check || return 1
	a=$(proc_pid "$CLI/charon.pid")
	b=$(proc_pid "$2")
	if [ "$3" = 1 ]; then
		measure_all "$1" "$a" "$b" "$GW_LAN_ADDR" "$vip" || return 1
	else
		measure "$1" 1 up "$a" "$b" "$GW_LAN_ADDR" "$vip" &&
		measure "$1" 1 down "$a" "$b" "$GW_LAN_ADDR" "$vip" ||
			return 1
	fi
	swan_terminate "$CLI" home >/dev/null
}

# path_swan_ikegated: the strongSwan client against ikegated, 1 thread.
path_swan_ikegated() {
	say "swik: strongSwan client -> ikegated"
	ikegated_start swik "$THREADS1" && swan_client_start &&
	swan_measure swik "$TRASH/ikegated.pid" 0 &&
	proc_stop "$TRASH/ikegated.pid"
}

# path_swan: the strongSwan client against the strongSwan gateway.
path_swan() {
	say "swan: strongSwan client -> strongSwan gateway"
	if ! proc_alive "$CLI/charon.pid"; then
		swan_client_start || return 1
	fi
	swan_gateway "$SWGW" rw pki="$PKI" cert=gw-rsa auth=eap-mschapv2 \
	    users=alice:alicepw esp=$ESP encap=yes &&
	swan_start gw "$SWGW" gateway && swan_load "$SWGW" >/dev/null &&
	swan_measure swan "$SWGW/charon.pid" 1 &&
	swan_stop "$SWGW" && swan_stop "$CLI"
}

# wg_start NS SIDE IF: wireguard-go IF in namespace NS, in the foreground,
# its control socket answering.
wg_start() {
	interop_atexit "rm -f /var/run/wireguard/$3.sock"
	netns_spawn "$1" "$WGD/$2.pid" "$WGD/$2.log" wireguard-go -f "$3" &&
	wait_for "! proc_alive '$WGD/$2.pid' ||
	    { [ -S /var/run/wireguard/$3.sock ] &&
	    netns_exec $1 wg show $3; }" 10 &&
	proc_alive "$WGD/$2.pid"
}

# path_wg: wireguard-go <-> wireguard-go, cli 198.18.30.2 -> the
# protected network, gw 198.18.30.1 routing the client's address back.
path_wg() {
	say "wg: wireguard-go <-> wireguard-go"
	mkdir -p "$WGD" &&
	(umask 077 && wg genkey > "$WGD/cli.key" &&
	    wg genkey > "$WGD/gw.key") &&
	wg pubkey < "$WGD/cli.key" > "$WGD/cli.pub" &&
	wg pubkey < "$WGD/gw.key" > "$WGD/gw.pub" || return 1
	wg_start cli cli "$WG_CIF" && wg_start gw gw "$WG_GIF" || return 1
	netns_exec cli wg set "$WG_CIF" listen-port $WG_PORT \
	    private-key "$WGD/cli.key" peer "$(cat "$WGD/gw.pub")" \
	    endpoint "$GW_ADDR:$WG_PORT" allowed-ips "$GW_LAN_NET" &&
	netns_exec gw wg set "$WG_GIF" listen-port $WG_PORT \
	    private-key "$WGD/gw.key" peer "$(cat "$WGD/cli.pub")" \
	    endpoint "$CLI_ADDR:$WG_PORT" allowed-ips "$WG_CLI_ADDR/32" &&
	netns_addr cli "$WG_CIF" "$WG_CLI_ADDR/32" &&
	netns_addr gw "$WG_GIF" "$WG_GW_ADDR/32" &&
	netns_exec cli ip link set "$WG_CIF" up &&
	netns_exec gw ip link set "$WG_GIF" up &&
	netns_exec cli ip route add "$GW_LAN_NET" dev "$WG_CIF" \
	    src "$WG_CLI_ADDR" &&
	netns_exec gw ip route add "$WG_CLI_ADDR/32" dev "$WG_GIF" \
	    src "$WG_GW_ADDR" || return 1
	wait_for "netns_exec cli ping -c 1 -W 1 -I $WG_CLI_ADDR $GW_LAN_ADDR" \
	    10 || { say "no ping through wireguard-go"; return 1; }
	measure_all wg "$(proc_pid "$WGD/cli.pid")" \
	    "$(proc_pid "$WGD/gw.pid")" "$GW_LAN_ADDR" "$WG_CLI_ADDR" ||
		return 1
	proc_stop "$WGD/cli.pid" && proc_stop "$WGD/gw.pid"
}

# --- setup -------------------------------------------------------------------

say "namespaces, PKI"
interop_topology || die "topology"
[ -z "${BENCH_PERF:-}" ] || mkdir -p "$BENCH_PERF" || die "mkdir $BENCH_PERF"
pki_make "$PKI" || die "pki_make"
(umask 077 && printf 'alicepw\n' > "$TRASH/alice.pw") || die "password file"

# One iperf3 server in the gateway namespace for all the runs, on every
# address: the bare run goes to the link address, the tunnels to the
# protected network's.
netns_spawn gw "$TRASH/iperf3.pid" "$TRASH/iperf3.log" iperf3 -s -p $PORT ||
	die "iperf3 server"
wait_for "netns_exec gw ss -ltn | grep -q ':$PORT '" 5 ||
	die "iperf3 server does not listen"

# Does this ikegated know dataplane_threads? Without it the data plane
# is one thread, and the 1-thread rows run without the key.
ikeg_config "$TRASH/probe.ini" >/dev/null &&
"$TOP/ikegated" -t -c "$TRASH/probe.ini" >/dev/null 2>&1 ||
	die "ikegated -t refuses the benchmark's configuration"
if ikegated_threads_ok; then
	THREADS1=1
	THREADSN=$NCPU
else
	say "ikegated -t refuses dataplane_threads: one data-plane thread"
	THREADS1=
	THREADSN=
fi

# --- the runs ----------------------------------------------------------------

phase veth "" measure_all veth - - "$GW_ADDR"

if [ -x "$TOP/ikeclient" ]; then
	phase ic1 "$TRASH/ikegated-ic1.log $TRASH/ikeclient.log" \
	    path_ikegated ic1 "$THREADS1"
	if [ -z "$THREADSN" ]; then
		not_measured icN "dataplane_threads not supported by this build"
	elif [ "$NCPU" -lt 2 ]; then
		not_measured icN "one CPU: the 1-thread row is the N row"
	else
		phase icN "$TRASH/ikegated-icN.log $TRASH/ikeclient.log" \
		    path_ikegated icN "$THREADSN"
	fi
else
	not_measured ic1 "no ikeclient in $TOP"
	not_measured icN "no ikeclient in $TOP"
fi

phase swik "$TRASH/ikegated-swik.log $CLI/charon.log" path_swan_ikegated
phase swan "$CLI/charon.log $SWGW/charon.log" path_swan

if command -v wireguard-go >/dev/null 2>&1 &&
    command -v wg >/dev/null 2>&1; then
	phase wg "$WGD/cli.log $WGD/gw.log" path_wg
else
	not_measured wg "wireguard-go or wg not installed (tools/install-deps)"
fi
phases_stop

# --- the table ---------------------------------------------------------------

say "done"
awk -v hz="$HZ" -v dur="$DUR" -v ncpu="$NCPU" \
    -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v host="$NCPU CPUs, Linux $(uname -r)" '
function label(n) {
	if (n == "veth") return "bare veth (ceiling)"
	if (n == "ic1") return "ikeclient <-> ikegated, 1 thr"
	if (n == "icN") return "ikeclient <-> ikegated, " ncpu " thr"
	if (n == "swan") return "strongSwan <-> strongSwan"
	if (n == "wg") return "wireguard-go <-> wireguard-go"
	if (n == "swik") return "strongSwan cli -> ikegated"
	return n
}
# CPU seconds per 10^9 bytes received.
function perg(t, b) { return b > 0 ? t / hz / (b / 1e9) : 0 }
# Percent of one CPU over a window of w milliseconds.
function pct(t, w) { return w > 0 ? 100 * t / hz / (w / 1000) : 0 }
# Percent of all CPU time that was idle during run k.
function idle(k) {
	return mb[k] + mi[k] > 0 ? 100 * mi[k] / (mb[k] + mi[k]) : 0
}
# Bits per second ikeclient <-> ikegated (1 thread, 1 stream, dir) would
# carry with every CPU busy at the machine cost per byte of that run.
function bound(dir,    k, c) {
	k = "ic1 1 " dir
	c = perg(mb[k], bytes[k])
	return c > 0 ? 8e9 * ncpu / c : 0
}
# Throughput ratio a / b ("n/a" when either is missing).
function ratio(a, b) {
	return (a > 0 && b > 0) ? sprintf("%.2fx", a / b) : "n/a"
}
# vs A B TEXT: a line of throughput ratios A / B, up and down.
function vs(a, b, text,    d, dir) {
	printf "  %-42s", text ":"
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		printf " %4s %7s", dir, ratio(bps[a " " dir], bps[b " " dir])
	}
	printf "\n"
}
$2 == "na" {
	r = $0; sub(/^[^ ]* na /, "", r); na[$1] = r; next
}
{
	k = $1 " " $2 " " $3
	bps[k] = $4; bytes[k] = $5; retr[k] = $6
	ta[k] = $7; tb[k] = $8; ms[k] = $9; mb[k] = $10; mi[k] = $11
}
END {
	printf "ikegate end to end, %s, %s\n", date, host
	printf "iperf3 TCP, %d s per run; P = parallel streams; up = " \
	    "client -> protected network,\n", dur
	printf "down = -R. IKE tunnels: ESP AES-256-GCM-16 in UDP, ours " \
	    "with crypto = auto.\n"
	printf "thr = ikegated dataplane_threads. x veth = throughput / " \
	    "bare veth (same P, dir).\n"
	printf "A, B = the client-side and gateway-side tunnel endpoint " \
	    "processes: CPU seconds\n"
	printf "(utime+stime, all threads) per 10^9 bytes received (s/GB), " \
	    "and %% of one CPU.\n"
	printf "M = the whole machine (/proc/stat): busy CPU seconds per " \
	    "10^9 bytes, and %% idle.\n\n"
	printf "%-29s %1s %-4s %7s %6s %6s %7s %6s %7s %6s %6s %4s\n", \
	    "path", "P", "dir", "Gbit/s", "x veth", "retr", "A s/GB", \
	    "A %cpu", "B s/GB", "B %cpu", "M s/GB", "idle"
	split("veth ic1 icN swan wg swik", names, " ")
	for (i = 1; i <= 6; i++) {
		n = names[i]
		for (p = 1; p <= 4; p += 3) for (d = 1; d <= 2; d++) {
			dir = d == 1 ? "up" : "down"
			k = n " " p " " dir
			if (!(k in bps))
				continue
			top = bps["veth " p " " dir]
			printf "%-29s %1d %-4s %7.3f %6s %6d", label(n), p, \
			    dir, bps[k] / 1e9, \
			    (top > 0 ? sprintf("%.3f", bps[k] / top) : "-"), \
			    retr[k]
			if (n == "veth")
				printf " %7s %6s %7s %6s", "-", "-", "-", "-"
			else
				printf " %7.2f %6.0f %7.2f %6.0f", \
				    perg(ta[k], bytes[k]), pct(ta[k], ms[k]), \
				    perg(tb[k], bytes[k]), pct(tb[k], ms[k])
			printf " %6.2f %3.0f%%\n", perg(mb[k], bytes[k]), \
			    idle(k)
		}
		if (n in na)
			printf "%-29s n/a (%s)\n", label(n), na[n]
	}
	printf "\nA, B: ikeclient, ikegated; the client charon, the gateway " \
	    "charon; wireguard-go in\ncli, in gw; the client charon, " \
	    "ikegated.\n"

	printf "\nikeclient <-> ikegated, 1 thread, 1 stream, throughput " \
	    "(issue 7):\n"
	vs("ic1 1", "veth 1", "vs bare veth (target >= 0.3x)")
	vs("ic1 1", "swan 1", "vs the strongSwan pair (target >= 15x)")
	vs("ic1 1", "wg 1", "vs the wireguard-go pair (target >= 10x)")
	vs("icN 4", "ic1 4", sprintf("4 streams, %d threads vs 1", ncpu))
	# What the tunnel could carry if no CPU ever idled, at the busy time
	# per byte measured on the whole machine: the bound a target is met
	# or missed by, whatever the scheduling.
	printf "  %-42s", "bound: all CPUs / M s/GB (no CPU idle)"
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		printf " %4s %7s", dir, (bound(dir) > 0 ? \
		    sprintf("%.1fG", bound(dir) / 1e9) : "n/a")
	}
	printf "\n  %-42s", "the bound vs the strongSwan pair:"
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		printf " %4s %7s", dir, ratio(bound(dir), bps["swan 1 " dir])
	}
	printf "\n"
	printf "\ngateway CPU s/GB (B), ikegated (1 thread) / strongSwan " \
	    "gateway, same strongSwan\nclient, 1 stream (issue 4, target " \
	    "<= 0.20):"
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		a = perg(tb["swik 1 " dir], bytes["swik 1 " dir])
		b = perg(tb["swan 1 " dir], bytes["swan 1 " dir])
		if (a > 0 && b > 0)
			printf " %s %.2f (1/%.1f)", dir, a / b, b / a
		else
			printf " %s n/a", dir
	}
	printf "\n"
}' "$RES"
exit $BENCH_FAILED
