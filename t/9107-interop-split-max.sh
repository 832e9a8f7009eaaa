#!/bin/sh
# The most split networks a policy may list (48, CFG_MAX_SPLIT) reach a
# strongSwan client whole: the CFG_REPLY carries its address, eight DNS
# servers, the domain and 48 INTERNAL_IP4_SUBNET attributes; the CHILD SA,
# which the client proposes for everything, is narrowed to the 48
# networks as its remote traffic selectors; traffic reaches the protected
# network, the first of them. A 49th network is refused by `ikegated -t`
# with the line that adds it, instead of failing every login later.
test_description='48 split networks to a strongSwan client'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:ping
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
interop_topology

# The protected network and 47 more, 198.18.100.0/24 to 198.18.146.0/24,
# one split_include line each (ikeg_config writes the first key); eight
# DNS servers that are never asked anything.
NETS=198.18.10.0/24
i=100
while [ $i -le 146 ]; do
	NETS="$NETS
split_include = 198.18.$i.0/24"
	i=$((i + 1))
done
DNS=198.51.100.51
i=52
while [ $i -le 58 ]; do
	DNS="$DNS, 198.51.100.$i"
	i=$((i + 1))
done

test_expect_success 'a 49th split network is refused at once' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/bad.ini" split="$NETS
split_include = 198.18.147.0/24" &&
	! "$TOP/ikegated" -t -c "$TRASH/bad.ini" 2> bad.err &&
	grep -F "split_include" bad.err | grep -F "more than 48 networks"
'
test_expect_success 'ikegated with 48 split networks and 8 DNS servers' '
	ikeg_config "$TRASH/gw.ini" split="$NETS
dns = $DNS" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini" &&
	ikeg_start "$TRASH/gw.ini"
'
test_expect_success 'a strongSwan client asks for everything and connects' '
	swan_client "$CLI" home pki="$PKI" remote_ts=0.0.0.0/0 &&
	swan_start cli "$CLI" client && swan_load "$CLI" &&
	swan_initiate "$CLI" home && ikeg_agree "$CLI" home
'
test_expect_success 'the configuration reply carried every attribute' '
	grep -F "CPRP(" "$CLI/charon.log" | tail -n 1 > cprp &&
	[ "$(grep -o " DNS" cprp | wc -l)" -eq 8 ] &&
	[ "$(grep -o " SUBNET" cprp | wc -l)" -eq 48 ] &&
	grep -q "CPRP(ADDR " cprp
'
test_expect_success 'the CHILD SA was narrowed to the 48 networks' '
	swan_ctl "$CLI" --list-sas --raw |
	    grep -o "remote-ts=\[[^]]*\]" | head -n 1 |
	    sed "s/^remote-ts=\[//; s/\]$//" | tr " " "\n" > rts &&
	[ "$(wc -l < rts)" -eq 48 ] &&
	grep -qx 198.18.10.0/24 rts && grep -qx 198.18.146.0/24 rts
'
test_expect_success 'traffic reaches the protected network' '
	vip=$(swan_sa_field "$CLI" local-vips) &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$vip" "$GW_LAN_ADDR"
'
test_expect_success 'ikegated stops cleanly' 'ikeg_check_clean'
test_done
