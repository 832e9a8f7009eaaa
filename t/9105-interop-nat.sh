#!/bin/sh
# NAT traversal (RFC 7296 2.23, RFC 3948) with a strongSwan client:
# 1. Forced UDP encapsulation (encap = yes): the client fakes its
#    NAT_DETECTION_SOURCE_IP hash, ikegated takes the client for being
#    behind a NAT, the client moves to port 4500 and ikegated answers
#    there. The other hashes must match: the client sees no NAT on its
#    side or on ours, so ikegated's NAT detection hashes are right.
# 2. A real NAT: the client (203.0.113.2) reaches the gateway through a
#    namespace that masquerades to 198.51.100.2 and maps source ports
#    into 20000-29999. ikegated must see the NAT's address and translated
#    ports, follow the client from the port-500 mapping to the port-4500
#    one, and both sides must agree on SPIs and the virtual IP; the
#    client sees that it is behind a NAT.
test_description='NAT traversal: forced encapsulation and a real NAT'
. "$SRCDIR/t/lib.sh"
. "$SRCDIR/t/interop/lib.sh"
. "$SRCDIR/t/interop/gw.sh"
test_require ROOT NETNS TUN cmd:swanctl cmd:nft cmd:conntrack
interop_require_swan

PKI=$TRASH/pki
CLI=$TRASH/cli
interop_topology

test_expect_success 'PKI and configuration' '
	pki_make "$PKI" &&
	ikeg_config "$TRASH/gw.ini" &&
	"$TOP/ikegated" -t -c "$TRASH/gw.ini"
'
test_expect_success 'ikegated starts' 'ikeg_start "$TRASH/gw.ini"'
test_expect_success 'strongSwan client starts' '
	swan_client "$CLI" encap pki="$PKI" ike=aes256-sha384-ecp256 \
	    esp=aes256gcm16 encap=yes &&
	swan_client "$CLI" natted pki="$PKI" ike=aes256-sha384-ecp256 \
	    esp=aes256gcm16 &&
	swan_start cli "$CLI" client && swan_load "$CLI"
'
test_expect_success 'forced encapsulation: client connects' '
	swan_initiate "$CLI" encap &&
	grep -F "<encap|" "$CLI/charon.log" |
	    grep -F "faking NAT situation to enforce UDP encapsulation"
'
test_expect_success 'forced encapsulation: ikegated sees a NAT, port 4500' '
	ikeg_agree "$CLI" encap &&
	[ "$(ikeg_field nat)" = true ] &&
	[ "$(ikeg_field remote)" = "198.51.100.2[4500]" ] &&
	[ "$(ikeg_field local)" = "198.51.100.1[4500]" ] &&
	ikectl_gw show sa | grep -F "remote 198.51.100.2[4500] (NAT)" &&
	grep -F "IKE_SA_INIT from 198.51.100.2[500]" "$TRASH/ikegated.log" |
	    grep -F "peer behind NAT" &&
	[ "$(swan_sa_field "$CLI" remote-port encap)" = 4500 ] &&
	[ "$(swan_child_field "$CLI" encap encap)" = yes ]
'
test_expect_success 'forced encapsulation: NAT detection hashes agree' '
	swan_ctl "$CLI" --list-sas --raw | grep "nat-fake=yes" &&
	! swan_ctl "$CLI" --list-sas --raw | grep "nat-local=yes" &&
	! swan_ctl "$CLI" --list-sas --raw | grep "nat-remote=yes"
'
test_expect_success 'forced encapsulation: client disconnects' '
	swan_terminate "$CLI" encap &&
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'

# The same gateway and client, now with a NAT between them.
netns_exec gw ip link del wan
interop_wan_nat
CLI_ADDR=203.0.113.2
test_expect_success 'NAT namespace maps ports into 20000-29999' '
	netns_exec nat nft flush chain ip ikeg_nat postrouting &&
	netns_exec nat nft add rule ip ikeg_nat postrouting \
	    oifname out meta l4proto udp masquerade to :20000-29999 &&
	netns_exec nat nft add rule ip ikeg_nat postrouting \
	    oifname out masquerade &&
	netns_exec cli ping -c 1 -W 2 "$GW_ADDR"
'
test_expect_success 'behind the NAT: client connects' '
	swan_initiate "$CLI" natted
'
test_expect_success 'behind the NAT: SPIs and address agree' '
	ikeg_agree "$CLI" natted &&
	[ "$(swan_sa_field "$CLI" local-host natted)" = "$CLI_ADDR" ] &&
	swan_ctl "$CLI" --list-sas --raw | grep "nat-local=yes"
'
test_expect_success 'behind the NAT: ikegated sees the translated ports' '
	ikectl_gw show sa &&
	[ "$(ikeg_field nat)" = true ] &&
	remote=$(ikeg_field remote) &&
	case $remote in
	"198.51.100.2["2[0-9][0-9][0-9][0-9]"]") ;;
	*) echo "remote $remote is not the NAT with a mapped port"; false ;;
	esac &&
	# IKE_SA_INIT came from the mapping of port 500, the rest from the
	# mapping of 4500: ikegated moved with the client.
	init=$(grep -F "IKE_SA_INIT from 198.51.100.2[2" \
	    "$TRASH/ikegated.log" | tail -n 1) &&
	echo "$init" &&
	case $init in *"peer behind NAT"*) ;; *) false ;; esac &&
	case $init in *"from $remote:"*) false ;; esac &&
	[ "$(swan_sa_field "$CLI" remote-port natted)" = 4500 ] &&
	[ "$(ikeg_field local)" = "198.51.100.1[4500]" ]
'
# RFC 3948 5: a NAT may give the client a new port in mid-session (its
# mapping expired); ikegated must send ESP to where authenticated ESP
# now comes from. The NAT forgets its mappings and maps into another
# range, so replies to the old port would be lost.
test_expect_success 'behind the NAT: ESP follows a new mapping' '
	vip=$(swan_sa_field "$CLI" local-vips natted) && [ -n "$vip" ] &&
	netns_exec cli ping -c 2 -i 0.2 -W 2 -I "$vip" "$GW_LAN_ADDR" &&
	netns_exec nat nft flush chain ip ikeg_nat postrouting &&
	netns_exec nat nft add rule ip ikeg_nat postrouting \
	    oifname out meta l4proto udp masquerade to :30000-39999 &&
	netns_exec nat nft add rule ip ikeg_nat postrouting \
	    oifname out masquerade &&
	netns_exec nat conntrack -D -p udp &&
	netns_exec cli ping -c 3 -i 0.2 -W 2 -I "$vip" "$GW_LAN_ADDR" &&
	netns_exec nat conntrack -L -p udp --orig-port-dst 4500 |
	    tee ct &&
	grep -q "dport=3[0-9][0-9][0-9][0-9] " ct
'
test_expect_success 'behind the NAT: DELETE frees SA and address' '
	swan_terminate "$CLI" natted &&
	wait_for "[ -z \"\$(ikectl_gw show sa)\" ]" 5 &&
	[ "$(ikeg_pool_used pool)" = 0 ]
'
test_expect_success 'ikegated exits cleanly; no secret in its log' '
	ikeg_check_clean alicepw
'
test_done
