#!/bin/sh
# Forged ESP against ikegated's data plane, on a real CHILD_SA with a
# strongSwan client (kernel-libipsec). The client never sends a packet
# outside its policy, so the test forges them with the SA's own keys,
# which the client logs at level 4 of its "chd" group (nothing in
# ikegated exports keys): test-tool esp-forge seals an inner IPv4 UDP
# datagram with them, and a raw socket in the client namespace sends it
# in UDP from the client's own address and NAT-T port (RFC 3948).
# The inner datagrams go to a UDP sink on the gateway's protected network
# address, which shows what was delivered.
#   (a) from the client's virtual IP: decrypted and delivered;
#   (b) from other inner sources: dropped as "spoofed" (RFC 4301 5.2),
#       and nothing reaches the protected network;
#   (c) the same packet twice: the second dropped as "replay";
#   (d) one ciphertext bit flipped: "bad-icv", and the window does not
#       move (RFC 4303 3.4.3): the intact packet is accepted after it;
#   (e) an unknown SPI: "unknown-spi";
#   (f) from the client's own address to a network outside its TSr (not
#       in the policy's split include): dropped as "bad-dest".
test_description='forged, spoofed and replayed ESP at ikegated'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping cmd:socat
interop_require_swan

PKI=$TRASH/pki
A=$TRASH/alice
POOLNET=198.18.20.0/28
SINK_PORT=5002
interop_topology

# dp_drop REASON: ikegated's total of drops for REASON (show dataplane).
dp_drop() {
	ikectl_gw show dataplane --json |
	    sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# wait_drop REASON N: wait until the total for REASON is N, then check
# it is exactly N.
wait_drop() {
	wait_for '[ "$(dp_drop '"$1"')" -ge '"$2"' ]' 5
	[ "$(dp_drop "$1")" = "$2" ] ||
		{ echo "drops $1: $(dp_drop "$1"), want $2" >&2; return 1; }
}

# sa FIELD: a field of alice's SA in `ikectl show sa --json`.
sa() { ikeg_field "$1" "$(cat "$TRASH/ike_spi")"; }

# swan_child_key DIR WHAT: the hex of the last key charon logged as
# "WHAT key => N bytes @ ADDR", then lines of "OFF: XX XX ... ascii".
swan_child_key() {
	awk -v what="$2 key =>" '
	index($0, what) {
		for (i = 1; i < NF; i++)
			if ($i == "=>")
				n = $(i + 1)
		hex = ""; got = 0; on = 1; next
	}
	on {
		for (i = 1; i <= NF && $i !~ /^[0-9]+:$/; i++)
			;
		for (j = i + 1; j <= NF && j <= i + 16 && got < n; j++) {
			hex = hex tolower($j); got++
		}
		if (got >= n) { key = hex; on = 0 }
	}
	END { print key }' "$1/charon.log"
}

# forge FILE SEQ SRC TOKEN [ARGS]: an ESP packet of alice's SA in FILE,
# carrying a UDP datagram from SRC to the sink holding TOKEN; ARGS are
# more options for esp-forge (a later one overrides).
forge() {
	"$TOP/t/helper/test-tool" esp-forge --spi "$(cat "$TRASH/spi")" \
	    --key "$(cat "$TRASH/key")" --seq "$2" --src "$3" \
	    --dst "$GW_LAN_ADDR" --dport $SINK_PORT --data "$4" \
	    --natt 4500 $5 > "$1"
}

# send FILE: from the client namespace, in UDP from its address and port
# 4500 to the gateway's 4500. The UDP header is in FILE and the socket a
# raw one: charon's own socket holds port 4500 there.
send() {
	netns_exec cli socat -u "OPEN:$1" "IP4-SENDTO:$GW_ADDR:17"
}

# seen TOKEN: how many datagrams holding TOKEN reached the sink.
seen() { grep -o -e "$1" "$TRASH/sink.out" 2>/dev/null | wc -l; }

# seen_is TOKEN N: exactly N datagrams holding TOKEN reached the sink.
seen_is() {
	[ "$(seen "$1")" = "$2" ] && return 0
	echo "the sink got $(seen "$1") datagrams with $1, want $2:" >&2
	sed 's/token-/ &/g' "$TRASH/sink.out" >&2; echo >&2
	return 1
}

test_expect_success 'ikegated with the data plane' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" split="198.18.10.0/24, $POOLNET" \
	    esp_enc=aes-gcm-256 esp_integ= &&
	ikeg_start "$TRASH/gw.ini"
'
test_expect_success 'alice connects, logging her CHILD_SA keys' '
	swan_client "$A" home pki="$PKI" auth=eap-mschapv2 eap_id=alice \
	    secret=alicepw esp=aes256gcm16 \
	    remote_ts=198.18.10.0/24,$POOLNET &&
	printf "charon {\n filelog {\n  charon {\n   chd = 4\n  }\n }\n}\n" \
	    > "$A/strongswan.d/50-chd-keys.conf" &&
	swan_start cli "$A" client && swan_load "$A" &&
	swan_initiate "$A" home && ikeg_agree "$A" home
'
VA=$(swan_sa_field "$A" local-vips 2>/dev/null)

test_expect_success 'a legitimate ping through the tunnel' '
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$VA" "$GW_LAN_ADDR"
'
test_expect_success 'the SA to forge on: key, SPI, sequence number' '
	swan_sa_field "$A" initiator-spi > ike_spi &&
	swan_child_field "$A" spi-out > spi &&
	# The CHILD_SA initiator is the client: its traffic uses encr_i
	# (RFC 7296 2.17), 32 bytes of AES-256 key and 4 of salt.
	swan_child_key "$A" "encryption initiator" > key &&
	[ "$(wc -c < key)" = 73 ] && grep -q "^[0-9a-f]*$" key &&
	[ "$(sa spi_in)" = "$(cat spi)" ] &&
	n=$(swan_child_field "$A" packets-out) && [ "$n" -ge 3 ] &&
	# Well above what the client sent, well inside the window.
	echo $((n + 1000)) > seq
'
S=$(cat "$TRASH/seq" 2>/dev/null || echo 1000)

test_expect_success 'a UDP sink on the protected network' '
	netns_spawn gw "$TRASH/sink.pid" "$TRASH/sink.log" socat -u \
	    UDP4-RECV:$SINK_PORT,bind=$GW_LAN_ADDR \
	    "OPEN:$TRASH/sink.out,creat,append" &&
	wait_for "netns_exec gw ss -lun | grep -q :$SINK_PORT" 5
'
test_expect_success '(a) forged from the virtual IP: decrypted, delivered' '
	pin=$(sa packets_in) && din=$(sa drops_in) &&
	forge pkt-a $S "$VA" token-valid &&
	send pkt-a &&
	wait_for "[ \$(seen token-valid) = 1 ]" 5 &&
	[ "$(sa packets_in)" = $((pin + 1)) ] &&
	[ "$(sa drops_in)" = "$din" ]
'
test_expect_success '(b) spoofed inner sources: dropped, counted' '
	pin=$(sa packets_in) && din=$(sa drops_in) &&
	# Another address of the pool (another client'"'"'s), and one outside
	# every selector.
	forge pkt-b1 $((S + 1)) 198.18.20.9 token-spoof-pool &&
	forge pkt-b2 $((S + 2)) 198.18.30.1 token-spoof-out &&
	forge pkt-b3 $((S + 3)) "$VA" token-after-spoof &&
	send pkt-b1 && send pkt-b2 &&
	# A valid packet after them: once it is at the sink, anything sent
	# before it would be too.
	send pkt-b3 &&
	wait_for "[ \$(seen token-after-spoof) = 1 ]" 5 &&
	seen_is token-spoof 0 &&
	wait_drop spoofed 2 &&
	[ "$(sa drops_in)" = $((din + 2)) ] &&
	[ "$(sa packets_in)" = $((pin + 1)) ]
'
test_expect_success '(c) the same packet again: dropped as a replay' '
	pin=$(sa packets_in) && din=$(sa drops_in) &&
	forge pkt-c $((S + 4)) "$VA" token-after-replay &&
	send pkt-a && send pkt-c &&
	wait_for "[ \$(seen token-after-replay) = 1 ]" 5 &&
	seen_is token-valid 1 &&
	wait_drop replay 1 &&
	[ "$(sa drops_in)" = $((din + 1)) ] &&
	[ "$(sa packets_in)" = $((pin + 1)) ]
'
test_expect_success '(d) a flipped ciphertext bit: bad ICV, window kept' '
	pin=$(sa packets_in) && din=$(sa drops_in) &&
	forge pkt-d $((S + 100)) "$VA" token-flipped --flip &&
	forge pkt-d-ok $((S + 100)) "$VA" token-flipped &&
	! cmp -s pkt-d pkt-d-ok && send pkt-d &&
	wait_drop bad-icv 1 &&
	[ "$(sa drops_in)" = $((din + 1)) ] &&
	[ "$(sa packets_in)" = "$pin" ] &&
	# RFC 4303 3.4.3: the window moves only after the ICV verified,
	# so the intact packet with that number is still new.
	send pkt-d-ok &&
	wait_for "[ \$(seen token-flipped) = 1 ]" 5 &&
	[ "$(sa packets_in)" = $((pin + 1)) ]
'
test_expect_success '(e) an unknown SPI: dropped, counted' '
	din=$(sa drops_in) &&
	x=$(printf "%08x" $((0x$(cat spi) ^ 0x80000000))) &&
	forge pkt-e $((S + 101)) "$VA" token-unknown-spi "--spi $x" &&
	send pkt-e &&
	wait_drop unknown-spi 1 &&
	[ "$(sa drops_in)" = "$din" ] &&
	seen_is token-unknown-spi 0
'
test_expect_success '(f) a destination outside the TSr: dropped, counted' '
	din=$(sa drops_in) &&
	forge pkt-f $((S + 102)) "$VA" token-bad-dest "--dst 198.18.40.1" &&
	send pkt-f &&
	wait_drop bad-dest 1 &&
	[ "$(sa drops_in)" = $((din + 1)) ] &&
	grep -F "dropped: bad-dest" "$TRASH/ikegated.log"
'
test_expect_success 'the client is unaffected; totals add up' '
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$VA" "$GW_LAN_ADDR" &&
	[ "$(sa drops_in)" = 5 ] && [ "$(dp_drop bad-dest)" = 1 ] &&
	[ "$(dp_drop spoofed)" = 2 ] && [ "$(dp_drop replay)" = 1 ] &&
	[ "$(dp_drop bad-icv)" = 1 ] && [ "$(dp_drop unknown-spi)" = 1 ] &&
	[ "$(dp_drop too-old)" = 0 ] && [ "$(dp_drop bad-inner)" = 0 ] &&
	seen_is token- 4
'
test_expect_success 'ikegated exits cleanly' 'ikeg_check_clean alicepw'
test_done
