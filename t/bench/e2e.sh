#!/bin/sh
# t/bench/e2e.sh: the end-to-end half of `make bench` (not a test: it
# asserts nothing and is not in `make check`). One iperf3 TCP stream,
# $BENCH_SECONDS (10) per direction, over three paths built in network
# namespaces on this machine, all measured in the same run:
#
#   1. bare veth between the client and gateway namespaces (the ceiling);
#   2. a strongSwan client (kernel-libipsec, userspace ESP) -> ikegated
#      -> the gateway's protected network (198.18.10.1 on lan1);
#   3. the same client -> a strongSwan gateway with kernel-libipsec (the
#      closest peer: this kernel has no ESP) -> the protected network.
#
# Both tunnels: ESP AES-256-GCM-16 in UDP 4500 (the client forces
# encapsulation), ikegated with crypto = auto. "up" is client -> protected
# network (the gateway decrypts), "down" is iperf3 -R (it encrypts).
#
# The strongSwan client's own userspace ESP caps both tunnels well under
# a gigabit here (0.4-0.8 Gbit/s, the client charon at about one CPU), so
# throughput does not tell the gateways apart: the figure
# that does is the gateway process's CPU time (utime + stime of
# /proc/PID/stat, all threads, sampled right before and after iperf3) per
# gigabyte (10^9 bytes) the receiver got. The client charon's CPU per GB
# is printed for context. Both kernels count CPU time by sampling at the
# tick, and without IRQ time accounting (as here) softirq work that runs
# while the gateway is on the CPU, such as the receiving side of its own
# veth sends and TUN writes (the iperf3 server's TCP input, the client's
# UDP input), is charged to it: the same per-packet work for both
# gateways, which narrows the ratio between them.
#
# Output: one table on stdout; progress on stderr. Setup waits are bounded
# (t/interop/lib.sh), iperf3 runs under timeout(1), and the namespaces and
# processes go away in the harness's exit trap.
#
# Environment: TOP (build directory: ikegated, ikectl), SRCDIR (source
# tree), BENCH_SECONDS (iperf3 -t, default 10), BENCH_PERF=DIR (also
# `perf record -g` each gateway during its runs, into
# DIR/{ikegated,swgw}-{up,down}.data; perf perturbs the CPU figures).

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

# die MSG: stop; the exit trap shows the charon logs (test_failed) and
# removes everything.
die() {
	say "FAILED: $*"
	[ -f "$TRASH/ikegated.log" ] && tail -n 20 "$TRASH/ikegated.log" >&2
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
PORT=5201
PKI=$TRASH/pki
CLI=$TRASH/cli
SWGW=$TRASH/swgw
ESP=aes256gcm16

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

# Results, one line each: NAME DIR BPS BYTES RETR GWTICKS CLITICKS WALLMS
RES=$TRASH/results
: > "$RES"

# measure NAME DIR GWPID CLIPID DST [BIND]: one iperf3 run from namespace
# cli to DST:$PORT (DIR up: the client sends; down: -R), with the CPU
# ticks the processes GWPID and CLIPID ("-" for none) used meanwhile.
measure() {
	local name=$1 dir=$2 gp=$3 cp=$4 dst=$5 bind=$6 rev='' perfpid='' bytes
	local out="$TRASH/$name-$dir.json" g0=0 g1=0 c0=0 c1=0 t0 t1
	[ "$dir" = down ] && rev=-R
	say "$name $dir: iperf3 -t $DUR to $dst${bind:+ from $bind}"
	if [ -n "${BENCH_PERF:-}" ] && [ "$gp" != - ]; then
		perf record -q -g -p "$gp" -o "$BENCH_PERF/$name-$dir.data" \
		    -- sleep "$DUR" >/dev/null 2>&1 &
		perfpid=$!
	fi
	t0=$(date +%s%N)
	[ "$gp" = - ] || g0=$(cpu_ticks "$gp") || return 1
	[ "$cp" = - ] || c0=$(cpu_ticks "$cp") || return 1
	if ! timeout $((DUR + 30)) ip netns exec "$CLI_NS" iperf3 -J \
	    -c "$dst" -p $PORT ${bind:+-B "$bind"} -t "$DUR" \
	    --connect-timeout 5000 $rev > "$out" 2> "$out.err"; then
		cat "$out.err" >&2
		grep -F '"error"' "$out" >&2
		[ -z "$perfpid" ] || wait "$perfpid"
		return 1
	fi
	[ "$gp" = - ] || g1=$(cpu_ticks "$gp") || return 1
	[ "$cp" = - ] || c1=$(cpu_ticks "$cp") || return 1
	t1=$(date +%s%N)
	[ -z "$perfpid" ] || wait "$perfpid"
	bytes=$(json_sum "$out" sum_received bytes)
	case $bytes in
	''|0|*[!0-9]*) say "no byte count in $out"; return 1 ;;
	esac
	echo "$name $dir $(json_sum "$out" sum_received bits_per_second)" \
	    "$bytes $(json_sum "$out" sum_sent retransmits)" \
	    $((g1 - g0)) $((c1 - c0)) $(((t1 - t0) / 1000000)) >> "$RES"
}

# esp_check: the client's CHILD_SA is AES-GCM-16 with a 256-bit key, in
# UDP, so that both tunnels carry the same ESP.
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

# --- setup ---------------------------------------------------------------

say "namespaces, PKI"
interop_topology || die "topology"
[ -z "${BENCH_PERF:-}" ] || mkdir -p "$BENCH_PERF" || die "mkdir $BENCH_PERF"
pki_make "$PKI" || die "pki_make"

# One iperf3 server in the gateway namespace for all the runs, on every
# address: the bare run goes to the link address, the tunnels to the
# protected network's.
netns_spawn gw "$TRASH/iperf3.pid" "$TRASH/iperf3.log" iperf3 -s -p $PORT ||
	die "iperf3 server"
wait_for "netns_exec gw ss -ltn | grep -q ':$PORT '" 5 ||
	die "iperf3 server does not listen"

# The client: one charon for both tunnels, the same connection each time.
swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
    secret=alicepw esp=$ESP encap=yes || die "client config"
swan_start cli "$CLI" client && swan_load "$CLI" >/dev/null ||
	die "client charon"
CLIPID=$(proc_pid "$CLI/charon.pid")

# --- 1. bare veth ----------------------------------------------------------

measure veth up - - "$GW_ADDR" || die "bare veth, up"
measure veth down - - "$GW_ADDR" || die "bare veth, down"

# --- 2. ikegated -----------------------------------------------------------

say "ikegated"
# The test harness's configuration, at the production log level.
ikeg_config "$TRASH/gw.ini" esp_enc=aes-gcm-256 esp_integ= ||
	die "ikegated config"
sed -i 's/^log_level = debug$/log_level = info/' "$TRASH/gw.ini"
netns_spawn gw "$TRASH/ikegated.pid" "$TRASH/ikegated.log" \
    "$TOP/ikegated" -d -c "$TRASH/gw.ini" || die "ikegated"
wait_for 'ikectl_gw show sa' 10 || die "ikegated does not answer"
swan_initiate "$CLI" home >/dev/null || die "client -> ikegated"
VIP=$(swan_sa_field "$CLI" local-vips)
[ -n "$VIP" ] || die "no virtual IP from ikegated"
esp_check || die "ESP with ikegated"
GWPID=$(proc_pid "$TRASH/ikegated.pid")
measure ikegated up "$GWPID" "$CLIPID" "$GW_LAN_ADDR" "$VIP" ||
	die "ikegated, up"
measure ikegated down "$GWPID" "$CLIPID" "$GW_LAN_ADDR" "$VIP" ||
	die "ikegated, down"
swan_terminate "$CLI" home >/dev/null || die "client: terminate"
proc_stop "$TRASH/ikegated.pid"

# --- 3. strongSwan gateway ---------------------------------------------------

say "strongSwan gateway"
swan_gateway "$SWGW" rw pki="$PKI" cert=gw-rsa auth=eap-mschapv2 \
    users=alice:alicepw esp=$ESP encap=yes || die "strongSwan gw config"
swan_start gw "$SWGW" gateway && swan_load "$SWGW" >/dev/null ||
	die "strongSwan gateway"
swan_initiate "$CLI" home >/dev/null ||
	die "client -> strongSwan gateway"
VIP=$(swan_sa_field "$CLI" local-vips)
[ -n "$VIP" ] || die "no virtual IP from the strongSwan gateway"
esp_check || die "ESP with the strongSwan gateway"
GWPID=$(proc_pid "$SWGW/charon.pid")
measure swgw up "$GWPID" "$CLIPID" "$GW_LAN_ADDR" "$VIP" ||
	die "strongSwan gateway, up"
measure swgw down "$GWPID" "$CLIPID" "$GW_LAN_ADDR" "$VIP" ||
	die "strongSwan gateway, down"

# --- the table -------------------------------------------------------------

say "done"
awk -v hz="$HZ" -v dur="$DUR" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v host="$(nproc) CPUs, Linux $(uname -r)" '
function label(n) {
	if (n == "veth") return "bare veth (ceiling)"
	if (n == "ikegated") return "strongSwan -> ikegated"
	return "strongSwan -> strongSwan gw"
}
# CPU seconds per 10^9 bytes received.
function perg(t, b) { return b > 0 ? t / hz / (b / 1e9) : 0 }
# Percent of one CPU over a window of w milliseconds.
function pct(t, w) { return w > 0 ? 100 * t / hz / (w / 1000) : 0 }
{
	k = $1 " " $2
	bps[k] = $3; bytes[k] = $4; retr[k] = $5
	gw[k] = $6; cl[k] = $7; ms[k] = $8
	order[++n] = k
}
END {
	printf "ikegate end to end, %s, %s\n", date, host
	printf "iperf3 TCP, 1 stream, %d s each way; up = client -> " \
	    "protected network, down = -R;\n", dur
	printf "tunnels: ESP AES-256-GCM-16 in UDP, ikegated crypto = auto; " \
	    "s/GB = CPU seconds\n"
	printf "(utime+stime) of the process per 10^9 bytes received, " \
	    "%%cpu = of one CPU, same window\n\n"
	printf "%-27s %-4s %7s %7s %6s %8s %6s %9s %6s\n", "path", "dir", \
	    "Gbit/s", "vs veth", "retr", "gw s/GB", "gw %cpu", \
	    "cli s/GB", "cli %cpu"
	for (i = 1; i <= n; i++) {
		k = order[i]; split(k, p, " ")
		top = bps["veth " p[2]]
		rel = top > 0 ? bps[k] / top : 0
		printf "%-27s %-4s %7.3f %7.3f %6d", label(p[1]), p[2], \
		    bps[k] / 1e9, rel, retr[k]
		if (p[1] == "veth") {
			printf " %8s %7s %9s %8s\n", "-", "-", "-", "-"
			continue
		}
		printf " %8.2f %7.0f %9.2f %8.0f\n", perg(gw[k], bytes[k]), \
		    pct(gw[k], ms[k]), perg(cl[k], bytes[k]), pct(cl[k], ms[k])
	}
	printf "\nikegated gateway s/GB / strongSwan gateway s/GB " \
	    "(target <= 0.20):"
	for (d = 1; d <= 2; d++) {
		dir = d == 1 ? "up" : "down"
		a = perg(gw["ikegated " dir], bytes["ikegated " dir])
		b = perg(gw["swgw " dir], bytes["swgw " dir])
		if (a > 0 && b > 0)
			printf " %s %.2f (1/%.1f)", dir, a / b, b / a
		else
			printf " %s n/a", dir
	}
	printf "\n"
}' "$RES"
