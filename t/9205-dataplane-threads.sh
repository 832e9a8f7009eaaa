#!/bin/sh
# ikegated's data plane on threads (issue 7, "Threads"), against ikeclient:
# the same run with dataplane_threads = 2 and then = 1, so that both
# compare like with like (one thread is a data-plane thread too, not the
# main loop). Each run: the client connects; TCP both ways with every
# byte checked (sha256 of a socat transfer); iperf3 with 4 streams each
# way at once; then 64 one-way UDP flows from the gateway's side to the
# client, which the kernel spreads over the TUN queues by flow hash (a
# flow that no packet of the client's ever set to a queue), so that with
# two threads both seal for the same client's outbound SA at once. The
# per-thread lines of `ikectl show dataplane` must show both threads at
# work (two threads), and add up to the totals; nothing dropped as a
# replay, a bad ICV or a spoof; the daemon exits cleanly (a sanitizer
# build checks the threads for races and leaks). The one-thread run turns
# read pacing off (rx_coalesce_usecs = 0): no read may wait. Last, two
# threads on a persistent device made without multi_queue: one reads it,
# both write.
test_description='ikegated data-plane threads: 2, then 1'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:openssl cmd:socat cmd:sha256sum cmd:iperf3
[ -x "$TOP/ikeclient" ] || skip_all "ikeclient not built"

PKI=$TRASH/pki
MB=20
FLOWS=64
interop_topology

gwdp() { ikectl_gw show dataplane; }
# total TEXT FIELD: "read" or "written" of the totals line.
total() {
	local g=1
	[ "$2" = written ] && g=2
	printf '%s\n' "$1" |
	    sed -n "s/^  tun read \([0-9]*\) written \([0-9]*\) .*/\\$g/p"
}
# thr TEXT N FIELD: thread N's counter FIELD: read, written, sealed or
# opened.
thr() {
	local g
	case $3 in
	read) g=1 ;; written) g=2 ;; sealed) g=3 ;; *) g=4 ;;
	esac
	printf '%s\n' "$1" | sed -n "s/^  thread $2: tun read \([0-9]*\) \
written \([0-9]*\), esp sealed \([0-9]*\) opened \([0-9]*\),.*/\\$g/p"
}
# sumthr TEXT T FIELD: FIELD summed over threads 0..T-1.
sumthr() {
	local s=0 i=0 v
	while [ "$i" -lt "$2" ]; do
		v=$(thr "$1" "$i" "$3") && [ -n "$v" ] || return 1
		s=$((s + v))
		i=$((i + 1))
	done
	echo "$s"
}
# drops TEXT REASON
drops() {
	printf '%s\n' "$1" | sed -n 's/^  drops://p' | tr ' ' '\n' |
	    sed -n "/^$2\$/{n;p;}"
}
cstop() {
	kill -TERM "$(proc_pid "$TRASH/cli$1.pid")" &&
	wait_for "! proc_alive \"$TRASH/cli$1.pid\"" 10
}
# xfer T PORT: $MB megabytes each way between the client and servers on
# the gateway's protected network, the sha256 of each end compared.
xfer() {
	local t=$1 port=$2
	rm -f "$TRASH/up$t" "$TRASH/down$t" &&
	netns_spawn gw "$TRASH/s1.$t.pid" "$TRASH/s1.$t.log" \
	    sh -c 'socat -u "$1" STDOUT | sha256sum > "$0.tmp" &&
		mv "$0.tmp" "$0"' "$TRASH/up$t" \
	    "TCP4-LISTEN:$port,bind=198.18.10.1,reuseaddr" &&
	wait_for "netns_exec gw ss -ltn | grep -q ':$port '" 5 &&
	netns_exec cli socat -u OPEN:"$TRASH/data" "TCP4:198.18.10.1:$port" &&
	wait_for "[ -s '$TRASH/up$t' ]" 30 &&
	netns_spawn gw "$TRASH/s2.$t.pid" "$TRASH/s2.$t.log" \
	    socat -u OPEN:"$TRASH/data" \
	    "TCP4-LISTEN:$((port + 1)),bind=198.18.10.1,reuseaddr" &&
	wait_for "netns_exec gw ss -ltn | grep -q ':$((port + 1)) '" 5 &&
	netns_exec cli sh -c 'socat -u "$1" STDOUT | sha256sum > "$2"' sh \
	    "TCP4:198.18.10.1:$((port + 1))" "$TRASH/down$t" &&
	[ "$(cat "$TRASH/up$t")" = "$(cat "$TRASH/data.sum")" ] &&
	[ "$(cat "$TRASH/down$t")" = "$(cat "$TRASH/data.sum")" ]
}

test_expect_success 'test data' '
	pki_make "$PKI" &&
	openssl enc -aes-128-ctr -pass pass:ikegate -nosalt -pbkdf2 \
	    < /dev/zero 2>/dev/null | head -c $((MB * 1048576)) \
	    > "$TRASH/data" &&
	sha256sum < "$TRASH/data" > "$TRASH/data.sum" &&
	printf "alicepw\n" > "$TRASH/pw" && chmod 600 "$TRASH/pw"
'

for T in 2 1; do

test_expect_success "dataplane_threads = $T: ikegated, ikeclient connects" '
	[ ! -e "$TRASH/ikegated.log" ] ||
	    mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.before$T" &&
	ikeg_config "$TRASH/gw$T.ini" esp_enc=aes-gcm-256 esp_integ= \
	    gw_extra="dataplane_threads = $T
rx_coalesce_usecs = $((T == 1 ? 0 : 100))" &&
	ikeg_start "$TRASH/gw$T.ini" &&
	grep "data plane on" "$TRASH/ikegated.log" &&
	grep -q "data plane on .*, $T thread" "$TRASH/ikegated.log" &&
	grep -q "NAT-T port 4500 ($T sockets" "$TRASH/ikegated.log" &&
	gwdp | grep -q "^  threads $T$" &&
	ikec_config "$TRASH/cli$T.ini" pw="$TRASH/pw" \
	    sock="$TRASH/cli$T.sock" &&
	netns_spawn cli "$TRASH/cli$T.pid" "$TRASH/cli$T.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/cli$T.ini" &&
	wait_for "grep -q \"^Connected to vpn-test\" \"$TRASH/cli$T.log\"" 15 &&
	sed -n "s/^Connected to vpn-test as \([0-9.]*[0-9]\).*/\1/p" \
	    "$TRASH/cli$T.log" > "$TRASH/vip$T" &&
	V=$(cat "$TRASH/vip$T") && [ -n "$V" ] &&
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$V" 198.18.10.1
'

test_expect_success "dataplane_threads = $T: $MB MB of TCP each way, intact" '
	xfer $T $((5100 + 10 * T))
'

test_expect_success "dataplane_threads = $T: iperf3, 4 streams each way" '
	V=$(cat "$TRASH/vip$T") &&
	netns_spawn gw "$TRASH/iperf$T.pid" "$TRASH/iperf$T.log" \
	    iperf3 -s -B 198.18.10.1 -p 5300 &&
	wait_for "netns_exec gw ss -ltn | grep -q \":5300 \"" 5 &&
	netns_exec cli iperf3 -c 198.18.10.1 -p 5300 -B "$V" -P 4 -t 2 \
	    > "$TRASH/up$T.iperf" &&
	grep "SUM.*receiver" "$TRASH/up$T.iperf" &&
	netns_exec cli iperf3 -c 198.18.10.1 -p 5300 -B "$V" -P 4 -t 2 -R \
	    > "$TRASH/down$T.iperf" &&
	grep "SUM.*receiver" "$TRASH/down$T.iperf" &&
	proc_stop "$TRASH/iperf$T.pid"
'

test_expect_success "dataplane_threads = $T: $FLOWS UDP flows to the client" '
	V=$(cat "$TRASH/vip$T") &&
	gwdp > "$TRASH/dp$T.0" &&
	p=20000 && while [ $p -lt $((20000 + FLOWS)) ]; do
		echo "flow $p" | netns_exec gw socat -u STDIN \
		    "UDP4-SENDTO:$V:$p,bind=198.18.10.1" || exit 1
		p=$((p + 1))
	done &&
	sealed0=$(sumthr "$(cat "$TRASH/dp$T.0")" $T sealed) &&
	wait_for "[ \$(sumthr \"\$(gwdp)\" $T sealed) -ge \
	    $((sealed0 + FLOWS)) ]" 5 &&
	gwdp | tee "$TRASH/dp$T.1"
'

if [ "$T" = 2 ]; then
test_expect_success 'both threads sealed some of the flows' '
	a=$(($(thr "$(cat "$TRASH/dp2.1")" 0 read) -
	    $(thr "$(cat "$TRASH/dp2.0")" 0 read))) &&
	b=$(($(thr "$(cat "$TRASH/dp2.1")" 1 read) -
	    $(thr "$(cat "$TRASH/dp2.0")" 1 read))) &&
	echo "thread 0: $a, thread 1: $b" &&
	[ "$a" -gt 0 ] && [ "$b" -gt 0 ]
'
fi

test_expect_success "dataplane_threads = $T: the threads add up, no drops" '
	d=$(cat "$TRASH/dp$T.1") &&
	[ "$(sumthr "$d" $T read)" = "$(total "$d" read)" ] &&
	[ "$(sumthr "$d" $T written)" = "$(total "$d" written)" ] &&
	[ "$(total "$d" read)" -gt $((MB * 1048576 / 1500)) ] &&
	[ "$(total "$d" written)" -gt $((MB * 1048576 / 1500)) ] &&
	[ "$(drops "$d" replay)" = 0 ] && [ "$(drops "$d" bad-icv)" = 0 ] &&
	[ "$(drops "$d" spoofed)" = 0 ] &&
	[ "$(drops "$d" unknown-spi)" = 0 ] &&
	ikectl_gw show dataplane --json > "$TRASH/dp$T.json" &&
	grep -q "^{\"per_thread\":\[{\"thread\":0," "$TRASH/dp$T.json" &&
	[ "$(grep -o "{\"thread\":" "$TRASH/dp$T.json" | wc -l)" = $T ] &&
	grep -q "\"threads\":$T," "$TRASH/dp$T.json"
'
if [ "$T" = 1 ]; then
test_expect_success 'rx_coalesce_usecs = 0: no read was paced' '
	grep -q "^  thread 0: .*, paced reads 0$" "$TRASH/dp1.1" &&
	grep -q "^  udp paced reads 0$" "$TRASH/dp1.1"
'
fi

test_expect_success "dataplane_threads = $T: both ends stop cleanly" '
	cstop $T &&
	! grep -E "ERROR: [A-Za-z]*Sanitizer|runtime error:" \
	    "$TRASH/cli$T.log" &&
	ikeg_check_clean alicepw
'

done

# A persistent device made without multi_queue: the first thread reads
# it, both write to it.
test_expect_success 'a single-queue persistent device with two threads' '
	mv "$TRASH/ikegated.log" "$TRASH/ikegated.log.before-sq" &&
	netns_exec gw ip tuntap add dev ikeg0 mode tun &&
	ikeg_start "$TRASH/gw2.ini" &&
	grep -q "ikeg0 is not a multi-queue device" "$TRASH/ikegated.log" &&
	grep -q "data plane on ikeg0 (attached), .*, 2 threads$" \
	    "$TRASH/ikegated.log" &&
	netns_spawn cli "$TRASH/cli3.pid" "$TRASH/cli3.log" \
	    "$TOP/ikeclient" -d -c "$TRASH/cli2.ini" &&
	wait_for "grep -q \"^Connected to vpn-test\" \"$TRASH/cli3.log\"" 15 &&
	xfer sq 5400 &&
	d=$(gwdp) && printf "%s\n" "$d" &&
	[ "$(thr "$d" 1 read)" = 0 ] &&
	[ "$(sumthr "$d" 2 written)" = "$(total "$d" written)" ] &&
	[ "$(total "$d" written)" -gt $((MB * 1048576 / 1500)) ] &&
	cstop 3 && ikeg_check_clean alicepw
'
test_done
