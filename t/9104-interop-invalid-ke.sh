#!/bin/sh
# IKE_SA_INIT corner cases against a strongSwan client:
# - INVALID_KE_PAYLOAD round trip (RFC 7296 1.2, 2.7): the client proposes
#   modp2048 and ecp256 and sends its KE for group 14 (modp2048), the
#   gateway prefers group 19 (ecp256): it answers INVALID_KE_PAYLOAD naming
#   19, the client retries with an ECP-256 KE and the SA uses ECP_256.
# - A retransmitted IKE_SA_INIT gets the same answer (2.1): nftables in
#   the gateway's namespace drops the gateway's first full IKE_SA_INIT
#   response; every port-500 datagram the gateway sends is also copied to
#   NFLOG, captured with tcpdump. The client retransmits, the response to
#   the retransmission must be byte for byte the dropped one, and the
#   connection then succeeds.
# - DELETE from the client frees the SA and the address.
test_description='INVALID_KE_PAYLOAD, IKE_SA_INIT retransmission, DELETE'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:nft cmd:tcpdump
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
PCAP=$TRASH/gw500.pcap
interop_topology

# udp_payloads PCAP: one line per captured datagram, its UDP payload in
# hex. The capture holds IPv4 packets without options (20 + 8 bytes of
# headers), maybe padded by NFLOG: the UDP length says where they end.
udp_payloads() {
	tcpdump -r "$1" -nn -x 2>/dev/null | awk '
	    function hex(s,  i, v) {
		v = 0
		for (i = 1; i <= length(s); i++)
			v = v * 16 + index("0123456789abcdef",
			    substr(s, i, 1)) - 1
		return v
	    }
	    function out() {
		if (p != "")
			print substr(p, 57, (hex(substr(p, 49, 4)) - 8) * 2)
		p = ""
	    }
	    /^[^ \t]/ { out(); next }
	    { for (i = 2; i <= NF; i++) p = p $i }
	    END { out() }'
}

test_expect_success 'PKI and configuration' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" ike_integ=sha256 groups="19, 14, 21" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini"
'
test_expect_success 'ikegated starts' 'ikeg_start "$TRASH/gw.ini"'
test_expect_success 'nftables drops the first full IKE_SA_INIT response' '
	netns_exec gw nft -f - <<-EOF &&
	table ip ikeg_drop {
		set dropped {
			type ipv4_addr
			flags dynamic
		}
		chain out {
			type filter hook output priority filter; policy accept;
			udp sport 500 log group 91
			udp sport 500 udp length > 100 ip daddr != @dropped \
			    add @dropped { ip daddr } counter drop
		}
	}
	EOF
	netns_spawn gw "$TRASH/tcpdump.pid" "$TRASH/tcpdump.log" \
	    tcpdump -i nflog:91 -nn -U -Z root -w "$PCAP" &&
	wait_for "grep -q \"listening on nflog:91\" \"$TRASH/tcpdump.log\"" 5
'
test_expect_success 'strongSwan client starts' '
	swan_client "$CLI" home pki="$PKI" auth=eap-mschapv2 \
	    eap_id=alice secret=alicepw ike=aes256-sha256-modp2048-ecp256 \
	    esp=aes256gcm16 &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'client connects after INVALID_KE and a retransmission' '
	swan_initiate "$CLI" home
'
test_expect_success 'the client was asked for ECP_256 and retried' '
	grep -F "parsed IKE_SA_INIT response 0 [ N(INVAL_KE) ]" \
	    "$CLI/charon.log" &&
	grep -F "accept DH group MODP_2048, it requested ECP_256" \
	    "$CLI/charon.log" &&
	grep -F "retransmit 1 of request with message ID 0" "$CLI/charon.log" &&
	[ "$(swan_sa_field "$CLI" dh-group)" = ECP_256 ] &&
	[ "$(ikeg_field ike)" = aes256-sha256-prfsha256-ecp256 ]
'
test_expect_success 'SPIs (IKE and ESP) and address agree' '
	ikeg_agree "$CLI" home
'
test_expect_success 'the retransmitted request got the same response' '
	spi_i=$(swan_sa_field "$CLI" initiator-spi) &&
	spi_r=$(swan_sa_field "$CLI" responder-spi) &&
	# The kernel hands logged packets to tcpdump in batches (nflog
	# flushes up to a second late): wait for the resent answer to be
	# written before stopping it.
	wait_for "[ \$(udp_payloads \"$PCAP\" |
	    grep -c \"^$spi_i$spi_r\") -ge 2 ]" 5
	proc_stop "$TRASH/tcpdump.pid" &&
	netns_exec gw nft list table ip ikeg_drop | grep "packets 1 " &&
	udp_payloads "$PCAP" > payloads &&
	cat payloads &&
	# The INVALID_KE_PAYLOAD answers (SPIr zero) and the full answers
	# (both SPIs) apart: a busy machine may make the client retransmit
	# either request, and every copy of an answer must be the same.
	grep "^${spi_i}0000000000000000" payloads > inv &&
	grep "^$spi_i$spi_r" payloads > full &&
	[ "$(wc -l < inv)" -ge 1 ] && [ "$(sort -u inv | wc -l)" = 1 ] &&
	# The full answer: at least the dropped one and one resent.
	[ "$(wc -l < full)" -ge 2 ] && [ "$(sort -u full | wc -l)" = 1 ] &&
	# INVALID_KE_PAYLOAD naming group 19 and nothing else. Header: SPIi,
	# SPIr zero (no state kept, RFC 7296 2.6), Notify next (41), version
	# 2.0, IKE_SA_INIT (34), Response flag, message ID 0, length 38;
	# notify: length 10, protocol 0, no SPI, type 17, data 0x0013
	# (3.10.1).
	inv1=$(sed -n 1p inv) &&
	[ "${inv1#????????????????}" = "$(printf %s \
	    0000000000000000 29 20 22 20 00000000 00000026 \
	    00 00 000a 00 00 0011 0013)" ] &&
	case $(sed -n 1p full) in "$spi_i$spi_r"21202220*) ;; *) false ;; esac
'
test_expect_success 'DELETE from the client frees the SA and the address' '
	[ "$(ikeg_pool_used pool)" = 1 ] &&
	swan_terminate "$CLI" home &&
	grep -F "generating INFORMATIONAL request" "$CLI/charon.log" |
	    grep -F "[ D ]" &&
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ] &&
	grep -F "deleted by the peer" "$TRASH/ikegated.log"
'
test_expect_success 'ikegated exits cleanly; no secret in its log' '
	ikeg_check_clean alicepw
'
test_done
