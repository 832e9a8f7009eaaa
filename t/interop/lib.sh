# t/interop/lib.sh: real IKEv2 peers in network namespaces, for the 7xxx
# (end to end) and 9xxx (interop) test scripts and the benchmarks.
#
# Sourced after t/lib.sh:
#	. "$SRCDIR/t/lib.sh"
#	. "$SRCDIR/t/interop/lib.sh"
#	test_require ROOT NETNS TUN cmd:swanctl
#	interop_require_swan
#	interop_topology			# gw, cli; $GW_ADDR, $CLI_ADDR
#	pki_make "$TRASH/pki"
#	swan_gateway "$TRASH/gw" rw pki="$TRASH/pki" cert=gw-rsa \
#	    auth=eap-mschapv2 users="alice:secret"
#	swan_client "$TRASH/cli" home pki="$TRASH/pki" auth=eap-mschapv2 \
#	    eap_id=alice secret=secret
#	swan_start gw "$TRASH/gw" gateway && swan_load "$TRASH/gw"
#	swan_start cli "$TRASH/cli" client && swan_load "$TRASH/cli"
#	swan_initiate "$TRASH/cli" home
#
# Network rules: traffic only inside namespaces made here, only between
# 198.51.100.0/24, 203.0.113.0/24 (links) and 198.18.0.0/15 (pools, inner
# networks); netns_link and netns_addr refuse anything else. IPv6 is
# disabled in every namespace, so not even link-local traffic leaves an
# interface. Namespaces are named ikeg-$$-NAME (unique per script run, so
# prove -j runs them side by side); functions take the short NAME.
#
# Cleanup: every namespace and process is registered in a file,
# $TRASH/interop.cleanup, and one test_atexit hook replays it in reverse at
# exit (processes by PID, then namespaces). A file and not test_atexit
# directly, because test_expect_success runs its body in a subshell, where
# test_atexit's variable would be lost. For the same reason functions that
# start something keep their state in files (DIR/charon.pid), not in
# variables. Note that test_expect_success does not stop at the first
# failing command (set -e is ignored inside an `if` condition): chain the
# commands of a body with &&.
#
# Learned here, beyond shared/reference/peers-on-this-machine.md:
# - `ip -n NS1 link add A type veth peer name B netns NS2` makes a veth pair
#   straight between two namespaces: nothing appears in the host
#   namespace, so interface names need not be unique across runs.
# - ip netns exec, unshare -m (no --fork) and sh -c 'exec ...' all exec, so
#   $! of the background job is charon itself (checked: comm = charon).
# - A charon started inside a test body is reparented to init when the
#   body's subshell exits, and init here (process_api) reaps the dead about
#   a second later; the exit hook waits for that, bounded. A charon started
#   by the script itself is its child: proc_stop reaps it with wait.
# - kernel-libipsec puts the virtual IP on its TUN device ipsec0 (as a /32)
#   and kernel-netlink routes the remote TS through ipsec0 in table 220,
#   with src = the virtual IP; ping -I VIP then goes through the tunnel.
# - strongswan.conf beyond the load list: openssl load_legacy = yes
#   (MSCHAPv2), vici socket, socket-default use_ipv6 = no (IPv6 is off in
#   the namespaces), filelog with flush_line = yes (the log is complete
#   when a test greps it). The openssl plugin alone gives curve25519 and
#   chacha20poly1305, for IKE and for libipsec ESP: no extra plugin.
# - Client retransmits: timeout 1.0, base 1.4, 3 tries: an unanswered
#   initiation fails after 7 s (charon's default base 1.8 takes 12 s,
#   beyond swan_initiate's --timeout 10). swanctl --initiate waits forever
#   without --timeout.
# - swanctl.conf may repeat top-level sections (connections, secrets,
#   pools): they merge, so each helper writes a self-contained snippet to
#   swanctl/conf.d/NAME.conf. swanctl --load-all complains about every
#   credential directory that is missing: swan_dirs makes them all.
# - A second connection to the same gateway with the same identities
#   reuses the established IKE_SA ("not establishing CHILD_SA ... due to
#   existing duplicate") instead of authenticating again: a negative test
#   (wrong PSK) needs another local id.
# - `swanctl --list-sas --raw` prints one line per IKE_SA with key=value
#   pairs, IKE_SA keys before child-sas (initiator-spi, responder-spi,
#   state, local-vips=[..], remote-eap-id, nat-local, nat-remote, and the
#   child's encap, packets-in); swan_sa_field reads it. Behind the
#   masquerading NAT the client reports nat-local=yes, the gateway
#   nat-remote=yes.
# - Bring-up timing matches the doc: swanctl --initiate ~40 ms.

: "${SWAN_CHARON:=/usr/lib/ipsec/charon}"
: "${SWAN_TIMEOUT:=10}"
INTEROP_NS_PREFIX="ikeg-$$-"
INTEROP_CLEANUP="$TRASH/interop.cleanup"
: > "$INTEROP_CLEANUP"

# interop_atexit CMD: run CMD (a string for eval) at exit, in reverse order
# of registration, also from inside a test body's subshell.
interop_atexit() { printf '%s\n' "$*" >> "$INTEROP_CLEANUP"; }

_interop_cleanup() {
	if [ "${test_failed:-0}" != 0 ]; then
		for l in "$TRASH"/*/charon.log; do
			[ -f "$l" ] || continue
			echo "# --- last lines of $l" >&2
			tail -n 40 "$l" | sed 's/^/#   /' >&2
		done
	fi
	tac "$INTEROP_CLEANUP" | while IFS= read -r c; do
		eval "$c" </dev/null >/dev/null 2>&1
	done
	: > "$INTEROP_CLEANUP"
	# A process started in a test body was reparented to init when the
	# body's subshell exited, and init reaps it a moment after it dies:
	# wait for that (bounded), so that nothing, not even a zombie, is
	# left when the script ends.
	[ -f "$TRASH/interop.pids" ] &&
	    wait_for '_interop_gone $(cat "$TRASH/interop.pids")' 3 2>/dev/null
}

_interop_gone() {
	local p
	for p do
		[ -e "/proc/$p" ] && return 1
	done
	return 0
}
test_atexit _interop_cleanup

# interop_require_swan: skip_all unless charon, swanctl, openssl and
# unshare are usable (call after test_require ROOT NETNS TUN).
interop_require_swan() {
	local c
	[ -x "$SWAN_CHARON" ] || skip_all "no strongSwan charon at $SWAN_CHARON"
	for c in swanctl openssl unshare ip tac; do
		command -v $c >/dev/null 2>&1 || skip_all "$c not installed"
	done
}

# wait_for 'CONDITION' TIMEOUT: eval CONDITION every 0.1 s until it
# succeeds (return 0) or TIMEOUT seconds (an integer) pass (return 1).
wait_for() {
	local _wf_n=$(($2 * 10))
	while [ "$_wf_n" -gt 0 ]; do
		eval "$1" >/dev/null 2>&1 && return 0
		sleep 0.1
		_wf_n=$((_wf_n - 1))
	done
	echo "wait_for: timed out after $2 s: $1" >&2
	return 1
}

# --- namespaces -----------------------------------------------------------

# netns_name NAME: the real namespace name of NAME.
netns_name() { echo "$INTEROP_NS_PREFIX$1"; }

# _interop_addr_ok ADDR[/LEN]: the network rules, enforced.
_interop_addr_ok() {
	case $1 in
	198.51.100.*|203.0.113.*|198.18.*|198.19.*) return 0 ;;
	esac
	echo "interop: address $1 is outside the test ranges" >&2
	return 1
}

# netns_create NAME...: new namespaces with lo up and IPv6 off, removed at
# exit (after any process still in them is killed by PID).
netns_create() {
	local n ns
	for n do
		ns=$(netns_name "$n")
		ip netns add "$ns" || return 1
		interop_atexit "_netns_destroy $ns"
		ip -n "$ns" link set lo up || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
}

# _netns_destroy REALNAME: a process still in the namespace (one a test
# started without netns_spawn) is ours, as the namespace is: kill it by
# PID, then delete the namespace.
_netns_destroy() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	if [ -n "$pids" ]; then
		kill $pids 2>/dev/null
		sleep 0.5
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -z "$pids" ] || kill -9 $pids 2>/dev/null
	fi
	ip netns del "$1"
}

# netns_exec NAME CMD...: run CMD inside namespace NAME.
netns_exec() {
	local ns
	ns=$(netns_name "$1"); shift
	ip netns exec "$ns" "$@"
}

# netns_addr NAME IF ADDR/LEN: add an address to an interface.
netns_addr() {
	_interop_addr_ok "$3" || return 1
	ip -n "$(netns_name "$1")" addr add "$3" dev "$2"
}

# netns_link NS1 IF1 ADDR1/LEN NS2 IF2 ADDR2/LEN: a veth pair between two
# namespaces, addressed and up. An address of "-" leaves that end bare.
netns_link() {
	local n1 n2
	n1=$(netns_name "$1"); n2=$(netns_name "$4")
	ip -n "$n1" link add "$2" type veth peer name "$5" netns "$n2" ||
		return 1
	if [ "$3" != - ]; then netns_addr "$1" "$2" "$3" || return 1; fi
	if [ "$6" != - ]; then netns_addr "$4" "$5" "$6" || return 1; fi
	ip -n "$n1" link set "$2" up && ip -n "$n2" link set "$5" up
}

# netns_route NAME DST/LEN VIA: a static route.
netns_route() {
	_interop_addr_ok "$2" && _interop_addr_ok "$3" &&
	ip -n "$(netns_name "$1")" route add "$2" via "$3"
}

# netns_forward NAME: enable IPv4 forwarding in NAME.
netns_forward() {
	netns_exec "$1" sysctl -qw net.ipv4.ip_forward=1
}

# netns_protected NAME ADDR/LEN [IF]: a "protected network" behind a
# gateway: a veth pair IF0/IF1 (default lan0/lan1) with both ends in NAME
# and ADDR on IF1 (there is no dummy interface on this kernel).
netns_protected() {
	local ns ifb=${3:-lan}
	ns=$(netns_name "$1")
	ip -n "$ns" link add "${ifb}0" type veth peer name "${ifb}1" &&
	netns_addr "$1" "${ifb}1" "$2" &&
	ip -n "$ns" link set "${ifb}0" up &&
	ip -n "$ns" link set "${ifb}1" up &&
	netns_forward "$1"
}

# netns_nat NAME OUT_IF: NAME forwards and masquerades everything that
# leaves through OUT_IF (nftables), the NAT box of a NAT-T test.
netns_nat() {
	netns_forward "$1" || return 1
	netns_exec "$1" nft -f - <<EOF
table ip ikeg_nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$2" masquerade
	}
}
EOF
}

# interop_topology [nat]: the usual layout, made in one call (call it at
# the top level of a script, not in a test body: it sets variables).
#   gw:  link 198.51.100.1/24 (GW_ADDR) on "wan", protected network
#        198.18.10.1/24 (GW_LAN_ADDR, GW_LAN_NET) on lan1, forwarding on.
#   cli: see interop_wan_direct and interop_wan_nat; CLI_ADDR.
# GW_NS, CLI_NS, NAT_NS hold the real namespace names.
interop_topology() {
	GW_ADDR=198.51.100.1
	GW_LAN_ADDR=198.18.10.1
	GW_LAN_NET=198.18.10.0/24
	GW_NS=$(netns_name gw)
	CLI_NS=$(netns_name cli)
	NAT_NS=$(netns_name nat)
	netns_create gw cli || return 1
	netns_protected gw "$GW_LAN_ADDR/24" || return 1
	if [ "$1" = nat ]; then
		CLI_ADDR=203.0.113.2
		interop_wan_nat
	else
		CLI_ADDR=198.51.100.2
		interop_wan_direct
	fi
}

# interop_wan_direct: veth "wan" between gw (198.51.100.1/24) and cli
# (198.51.100.2/24).
interop_wan_direct() {
	netns_link gw wan 198.51.100.1/24 cli wan 198.51.100.2/24
}

# interop_wan_nat: cli (203.0.113.2/24 on "wan") reaches gw (198.51.100.1/24
# on "wan") through namespace nat (203.0.113.1 on "in", 198.51.100.2 on
# "out", masquerading), with a route to 198.51.100.0/24 through it. After
# interop_wan_direct, delete gw's wan first (netns_exec gw ip link del wan).
interop_wan_nat() {
	netns_create nat &&
	netns_link gw wan 198.51.100.1/24 nat out 198.51.100.2/24 &&
	netns_link nat in 203.0.113.1/24 cli wan 203.0.113.2/24 &&
	netns_nat nat out &&
	netns_route cli 198.51.100.0/24 203.0.113.1
}

# --- processes ------------------------------------------------------------

# netns_spawn NAME PIDFILE LOG CMD...: start CMD in the background inside
# namespace NAME, stdin from /dev/null, output to LOG; PIDFILE gets "PID
# STARTTIME" and the process is stopped (proc_stop) at exit. CMD must
# exec, not fork, for the PID to be its own (ip netns exec, unshare
# without --fork, env and sh -c 'exec ...' all do).
netns_spawn() {
	local ns pf=$2 log=$3 pid
	ns=$(netns_name "$1"); shift 3
	ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	pid=$!
	# The start time tells our process from a later one that reuses
	# its PID; it is fixed at fork, so it can be read right away.
	echo "$pid $(_proc_stat "$pid" | cut -d' ' -f2)" > "$pf"
	echo "$pid" >> "$TRASH/interop.pids"
	interop_atexit "proc_stop $pf"
}

# netns_spawn_privrun NAME PIDFILE LOG CMD...: netns_spawn with a private
# tmpfs on /run (own mount namespace), for daemons that hard-code a path
# there (charon: /run/charon.pid).
netns_spawn_privrun() {
	local ns=$1 pf=$2 log=$3
	shift 3
	netns_spawn "$ns" "$pf" "$log" unshare -m sh -c \
	    'mount -t tmpfs -o mode=755 ikeg-run /run && exec "$@"' sh "$@"
}

# _proc_stat PID: "STATE STARTTIME" from /proc/PID/stat (fields 3 and 22;
# comm, field 2, may hold spaces but ends in ")").
_proc_stat() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] ||
		return 1
	set -- $st
	echo "$1 ${20}"
}

# proc_pid PIDFILE: the PID in PIDFILE.
proc_pid() { cut -d' ' -f1 "$1" 2>/dev/null; }

# proc_alive PIDFILE: true while the process of PIDFILE lives (a zombie,
# or another process that got the PID later, does not count).
proc_alive() {
	local pid start st
	read -r pid start 2>/dev/null < "$1" && [ -n "$pid" ] || return 1
	st=$(_proc_stat "$pid") || return 1
	case $st in
	Z*|X*) return 1 ;;
	esac
	[ "${st#* }" = "$start" ]
}

# proc_stop PIDFILE [TIMEOUT]: SIGTERM the process, wait up to TIMEOUT
# seconds (default 5) for it to exit, then SIGKILL. Removes PIDFILE.
proc_stop() {
	local pid
	[ -f "$1" ] || return 0
	pid=$(proc_pid "$1")
	if proc_alive "$1"; then
		kill "$pid" 2>/dev/null
		wait_for "! proc_alive '$1'" "${2:-5}" 2>/dev/null || {
			kill -9 "$pid" 2>/dev/null
			wait_for "! proc_alive '$1'" 2
		}
	fi
	# Reap it if it is our child; harmless otherwise.
	wait "$pid" 2>/dev/null || :
	rm -f "$1"
	return 0
}

# --- PKI ------------------------------------------------------------------

# pki_make DIR [GW_DNS] [GW_IP] [CLIENT_ID]: a throwaway CA and three end
# entities, made now with the openssl CLI (never committed):
#   ca.pem/ca.key		RSA-2048 CA "ikegate test CA"
#   gw-rsa.pem/.key		RSA-2048 gateway, SAN DNS:GW_DNS, IP:GW_IP
#   gw-ecdsa.pem/.key		ECDSA P-256 gateway, same SANs
#   client.pem/.key		ECDSA P-256 client, SAN email:CLIENT_ID
# Defaults: vpn.ikegate.test, 198.51.100.1, alice@ikegate.test. Keys are
# unencrypted PKCS#8 PEM. Gateway certificates carry serverAuth and
# ikeIntermediate (what Windows and macOS clients want), the client one
# clientAuth.
pki_make() {
	local _d=$1 _dns=${2:-vpn.ikegate.test} _ip=${3:-198.51.100.1}
	local _cid=${4:-alice@ikegate.test}
	mkdir -p "$_d" || return 1
	cat > "$_d/ext.cnf" <<EOF
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[gw]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, 1.3.6.1.5.5.8.2.2
subjectAltName = DNS:$_dns, IP:$_ip
authorityKeyIdentifier = keyid
[gw_ec]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, 1.3.6.1.5.5.8.2.2
subjectAltName = DNS:$_dns, IP:$_ip
authorityKeyIdentifier = keyid
[client]
basicConstraints = CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = email:$_cid
authorityKeyIdentifier = keyid
EOF
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$_d/ca.key" 2>/dev/null &&
	openssl req -new -x509 -key "$_d/ca.key" -days 30 \
	    -subj "/O=ikegate test/CN=ikegate test CA" \
	    -config "$_d/ext.cnf" -extensions ca \
	    -out "$_d/ca.pem" 2>/dev/null || {
		echo "pki_make: CA failed" >&2; return 1; }
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$_d/gw-rsa.key" 2>/dev/null &&
	_pki_sign "$_d" gw-rsa "/O=ikegate test/CN=$_dns" gw 2 &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$_d/gw-ecdsa.key" 2>/dev/null &&
	_pki_sign "$_d" gw-ecdsa "/O=ikegate test/CN=$_dns" gw_ec 3 &&
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$_d/client.key" 2>/dev/null &&
	_pki_sign "$_d" client "/O=ikegate test/CN=$_cid" client 4
}

# _pki_sign DIR NAME SUBJECT EXTSECTION SERIAL
_pki_sign() {
	openssl req -new -key "$1/$2.key" -subj "$3" -config "$1/ext.cnf" \
	    -out "$1/$2.csr" 2>/dev/null &&
	openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" \
	    -set_serial "$5" -days 30 -sha256 -extfile "$1/ext.cnf" \
	    -extensions "$4" -out "$1/$2.pem" 2>/dev/null || {
		echo "pki_make: $2 failed" >&2; return 1; }
}

# --- strongSwan -----------------------------------------------------------

SWAN_PLUGINS="random nonce openssl kdf pem pkcs1 pkcs8 x509 pubkey \
constraints kernel-libipsec kernel-netlink socket-default vici attr \
eap-identity eap-mschapv2 eap-md5 updown"

# swan_uri DIR: the vici URI of the charon of DIR.
swan_uri() { echo "unix://$1/charon.vici"; }

# swan_ctl DIR ARGS...: swanctl against the charon of DIR (the command
# comes before --uri, or swanctl ignores it).
swan_ctl() {
	local d=$1; shift
	STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" \
	    swanctl "$@" --uri "$(swan_uri "$d")"
}

# swan_dirs DIR: create DIR's swanctl layout (idempotent).
swan_dirs() {
	local d
	[ -d "$1/swanctl/conf.d" ] && return 0
	# All the directories swanctl --load-all reads, or it complains.
	for d in conf.d x509 x509ca x509ocsp x509aa x509ac x509crl pubkey \
	    private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$1/swanctl/$d" || return 1
	done
	mkdir -p "$1/strongswan.d" &&
	echo '# extra settings for this charon go in files here' \
	    > "$1/strongswan.d/00-none.conf" || return 1
	[ -f "$1/swanctl/swanctl.conf" ] ||
		echo 'include conf.d/*.conf' > "$1/swanctl/swanctl.conf"
}

# swan_conf DIR NAME: stdin becomes swanctl/conf.d/NAME.conf, a snippet
# that may open connections {}, secrets {} and pools {} again.
swan_conf() {
	swan_dirs "$1" && cat > "$1/swanctl/conf.d/$2.conf"
}

# swan_cred DIR PKIDIR [NAME]: install PKIDIR/ca.pem as a CA and, with
# NAME, PKIDIR/NAME.pem and its private key.
swan_cred() {
	swan_dirs "$1" &&
	cp "$2/ca.pem" "$1/swanctl/x509ca/ca.pem" || return 1
	[ -z "$3" ] && return 0
	cp "$2/$3.pem" "$1/swanctl/x509/$3.pem" &&
	cp "$2/$3.key" "$1/swanctl/private/$3.key"
}

# swan_start NS DIR ROLE: write DIR/strongswan.conf (ROLE client or
# gateway), start charon in namespace NS with a private /run and wait (at
# most $SWAN_TIMEOUT s) until its vici socket answers. Extra settings go
# in DIR/strongswan.d/*.conf (included last, so they override). Logs:
# DIR/charon.log (filelog), DIR/charon.out (stdout/stderr).
swan_start() {
	local _ns=$1 _sd=$2 _role=$3 _retr
	case $_role in
	client) _retr='retransmit_timeout = 1.0
	retransmit_base = 1.4
	retransmit_tries = 3' ;;
	gateway) _retr= ;;
	*) echo "swan_start: role must be client or gateway" >&2; return 1 ;;
	esac
	# sun_path holds 108 bytes.
	if [ ${#_sd} -gt 90 ]; then
		echo "swan_start: $_sd too long for a vici socket path" >&2
		return 1
	fi
	swan_dirs "$_sd" || return 1
	cat > "$_sd/strongswan.conf" <<EOF
# $_role, written by t/interop/lib.sh
charon {
	load = $SWAN_PLUGINS
	$_retr
	plugins {
		openssl {
			load_legacy = yes
		}
		vici {
			socket = $(swan_uri "$_sd")
		}
		socket-default {
			use_ipv6 = no
		}
	}
	filelog {
		charon {
			path = $_sd/charon.log
			time_format = %T
			ike_name = yes
			append = no
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
			knl = 1
			net = 1
			esp = 1
			enc = 1
		}
	}
}
include $_sd/strongswan.d/*.conf
EOF
	rm -f "$_sd/charon.vici"
	netns_spawn_privrun "$_ns" "$_sd/charon.pid" "$_sd/charon.out" \
	    env STRONGSWAN_CONF="$_sd/strongswan.conf" \
	    SWANCTL_DIR="$_sd/swanctl" "$SWAN_CHARON" || return 1
	# Stop waiting as soon as charon answers or dies.
	if ! wait_for "! proc_alive '$_sd/charon.pid' ||
	    swan_ctl '$_sd' --stats" "$SWAN_TIMEOUT" ||
	    ! proc_alive "$_sd/charon.pid"; then
		echo "swan_start: charon in $_ns did not come up" >&2
		tail -n 20 "$_sd/charon.out" "$_sd/charon.log" >&2
		return 1
	fi
}

# swan_stop DIR: stop the charon of DIR (SIGTERM by PID, then SIGKILL).
swan_stop() { proc_stop "$1/charon.pid"; }

# swan_load DIR: load DIR/swanctl (connections, credentials, pools).
swan_load() {
	swan_ctl "$1" --load-all --noprompt
}

# swan_initiate DIR CHILD [IKE]: initiate CHILD (and its IKE_SA), waiting
# at most $SWAN_TIMEOUT s; the charon log tail is shown on failure.
swan_initiate() {
	if ! swan_ctl "$1" --initiate --child "$2" ${3:+--ike "$3"} \
	    --timeout "$SWAN_TIMEOUT"; then
		echo "swan_initiate: $2 failed; charon log:" >&2
		tail -n 30 "$1/charon.log" >&2
		return 1
	fi
}

# swan_terminate DIR IKE: delete the IKE_SA named IKE.
swan_terminate() {
	swan_ctl "$1" --terminate --ike "$2" --timeout "$SWAN_TIMEOUT"
}

# swan_list_sas DIR: human-readable SA list.
swan_list_sas() { swan_ctl "$1" --list-sas; }

# swan_sa_field DIR KEY [IKE]: the value of KEY in the first IKE_SA (named
# IKE, if given) of
# `swanctl --list-sas --raw` (e.g. initiator-spi, responder-spi, state,
# local-vips, remote-host, nat-remote); empty if absent. IKE_SA keys come
# before the child-sas section, so the first match is the IKE_SA's.
swan_sa_field() {
	swan_ctl "$1" --list-sas --raw | swan_raw_sa_field "$2" "$3"
}

# swan_raw_sa_field KEY [IKE] < RAW: swan_sa_field on a saved
# `swanctl --list-sas --raw`, for checks that need one consistent look.
swan_raw_sa_field() {
	sed -n "s/^list-sa event {\(${2:-[^ ]*}\) {/\1 {/p" | head -n 1 |
	    tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1 | tr -d '[]'
}

# swan_child_field DIR KEY [IKE]: the value of KEY in the first installed
# CHILD_SA (not one a rekey replaced) of the first IKE_SA (named IKE, if
# given), e.g. spi-in, spi-out, encr-alg, integ-alg, encap; empty if
# absent.
swan_child_field() {
	swan_ctl "$1" --list-sas --raw | swan_raw_child_field "$2" "$3"
}

# swan_raw_child_field KEY [IKE] < RAW: swan_child_field on a saved
# `swanctl --list-sas --raw`.
swan_raw_child_field() {
	sed -n "s/^list-sa event {\(${2:-[^ ]*}\) {/\1 {/p" | head -n 1 |
	    sed -n 's/^.* child-sas {//p' |
	    sed 's/} \([^ ]* {name=\)/}\n\1/g' | grep -F state=INSTALLED |
	    head -n 1 |
	    tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1 | tr -d '[]'
}

# swan_gateway DIR CONN key=value...: a remote-access gateway connection.
#   auth=	eap-mschapv2 (default), psk or pubkey (how clients authenticate)
#   pki=	PKI directory (pki_make); needed unless auth=psk
#   cert=	gateway certificate in pki (gw-rsa default, or gw-ecdsa)
#   id=		gateway identity (vpn.ikegate.test)
#   addr=	local address (198.51.100.1)
#   pool=	virtual IP range (198.18.20.0/28); "-" for none
#   local_ts=	protected network (198.18.10.0/24)
#   ike=, esp=	proposals (default)
#   users=	"name:password ..." EAP users (alice:alicepw)
#   psk=	pre-shared key (auth=psk), gateway authenticates with it too
#   encap=	yes/no (no), mobike= yes/no (no)
#   rekey=	the CHILD_SAs' rekey_time (1h); life= their life_time
#   ike_rekey=	the IKE_SA's rekey_time (4h); ike_over= its over_time, the
#		time after that until it expires (10% of rekey_time)
swan_gateway() {
	local auth pki cert id addr pool local_ts ike esp users psk encap \
	    mobike remote remote_id eap_id secret vips remote_ts rauth rekey \
	    life ike_rekey ike_over
	local _sd=$1 _c=$2 _local _pools _u _life= _over=
	shift 2
	auth=eap-mschapv2 pki='' cert=gw-rsa id=vpn.ikegate.test
	addr=198.51.100.1 pool=198.18.20.0/28 local_ts=198.18.10.0/24
	ike=default esp=default users=alice:alicepw psk='' encap=no mobike=no
	rekey=1h life='' ike_rekey=4h ike_over=''
	_swan_kv "$@" || return 1
	[ -z "$ike_over" ] || _over="over_time = $ike_over"
	# A life_time given makes the rekeying time exact (rand_time 0).
	[ -z "$life" ] || _life="life_time = $life
				rand_time = 0s"
	swan_dirs "$_sd" || return 1
	if [ "$auth" = psk ]; then
		_local="auth = psk"
	else
		swan_cred "$_sd" "$pki" "$cert" || return 1
		_local="auth = pubkey
			certs = $cert.pem"
	fi
	_pools=
	if [ "$pool" != - ]; then
		_pools="pools = ${_c}_pool"
	fi
	{
		cat <<EOF
connections {
	$_c {
		version = 2
		local_addrs = $addr
		$_pools
		proposals = $ike
		rekey_time = $ike_rekey
		$_over
		encap = $encap
		mobike = $mobike
		local {
			id = $id
			$_local
		}
		remote {
			auth = $auth
			$( [ "$auth" = eap-mschapv2 ] && echo 'eap_id = %any')
		}
		children {
			$_c {
				local_ts = $local_ts
				esp_proposals = $esp
				rekey_time = $rekey
				$_life
			}
		}
	}
}
EOF
		[ "$pool" = - ] || printf 'pools {\n\t%s_pool {\n\t\taddrs = %s\n\t}\n}\n' \
		    "$_c" "$pool"
		echo 'secrets {'
		if [ "$auth" = psk ]; then
			printf '\tike-%s {\n\t\tid = %s\n\t\tsecret = "%s"\n\t}\n' \
			    "$_c" "$id" "$psk"
		fi
		if [ "$auth" = eap-mschapv2 ]; then
			for _u in $users; do
				printf '\teap-%s {\n\t\tid = %s\n\t\tsecret = "%s"\n\t}\n' \
				    "${_u%%:*}" "${_u%%:*}" "${_u#*:}"
			done
		fi
		echo '}'
	} | swan_conf "$_sd" "$_c"
}

# swan_client DIR CONN key=value...: a remote-access client connection
# whose CHILD_SA is also named CONN.
#   auth=	eap-mschapv2 (default), psk or pubkey
#   pki=	PKI directory; the CA is trusted (needed unless auth=psk)
#   cert=	client certificate in pki for auth=pubkey (client)
#   remote=	gateway address (198.51.100.1)
#   remote_id=	gateway identity (vpn.ikegate.test)
#   id=		client identity (alice@ikegate.test)
#   eap_id=	EAP identity (alice), secret= its password (alicepw)
#   psk=	pre-shared key (auth=psk)
#   vips=	requested virtual IP (0.0.0.0); "-" for none
#   remote_ts=	(198.18.10.0/24)
#   ike=, esp=	proposals (default)
#   encap=	yes/no (no): force UDP encapsulation; mobike= (no)
#   rauth=	how the gateway must authenticate: psk (default with
#		auth=psk) or pubkey (always with the other auth= values);
#		pubkey needs pki= for the CA
#   rekey=	the CHILD_SA's rekey_time (1h); life= its life_time
#		(strongSwan's default: 110% of rekey_time, rekeying up
#		to 10% early), which also makes rekey_time exact
#   ike_rekey=	the IKE_SA's rekey_time (4h); ike_over= its over_time
#		(strongSwan's default: 10% of rekey_time), which also
#		makes rekey_time exact
swan_client() {
	local auth pki cert id addr pool local_ts ike esp users psk encap \
	    mobike remote remote_id eap_id secret vips remote_ts rauth \
	    rekey life ike_rekey ike_over
	local _sd=$1 _c=$2 _local _rauth _vips _life='' _over=
	shift 2
	auth=eap-mschapv2 pki='' cert=client remote=198.51.100.1
	remote_id=vpn.ikegate.test id=alice@ikegate.test eap_id=alice
	secret=alicepw psk='' vips=0.0.0.0 remote_ts=198.18.10.0/24
	ike=default esp=default encap=no mobike=no rauth='' rekey=1h life='' \
	ike_rekey=4h ike_over=''
	_swan_kv "$@" || return 1
	swan_dirs "$_sd" || return 1
	case $auth in
	psk)	_local="auth = psk"; _rauth=${rauth:-psk}
		if [ "$_rauth" = pubkey ]; then
			swan_cred "$_sd" "$pki" || return 1
		fi ;;
	pubkey)	swan_cred "$_sd" "$pki" "$cert" || return 1
		_local="auth = pubkey
			certs = $cert.pem"; _rauth=pubkey ;;
	eap-*)	swan_cred "$_sd" "$pki" || return 1
		_local="auth = $auth
			eap_id = $eap_id"; _rauth=pubkey ;;
	*)	echo "swan_client: unknown auth $auth" >&2; return 1 ;;
	esac
	_vips=
	[ "$vips" = - ] || _vips="vips = $vips"
	[ -z "$ike_over" ] || _over="over_time = $ike_over
		rand_time = 0s"
	# A life_time given makes the rekeying time exact (rand_time 0).
	[ -z "$life" ] || _life="life_time = $life
				rand_time = 0s"
	{
		cat <<EOF
connections {
	$_c {
		version = 2
		remote_addrs = $remote
		$_vips
		proposals = $ike
		rekey_time = $ike_rekey
		$_over
		encap = $encap
		mobike = $mobike
		local {
			id = $id
			$_local
		}
		remote {
			id = $remote_id
			auth = $_rauth
		}
		children {
			$_c {
				remote_ts = $remote_ts
				esp_proposals = $esp
				rekey_time = $rekey
				$_life
			}
		}
	}
}
EOF
		echo 'secrets {'
		case $auth in
		psk)	printf '\tike-%s {\n\t\tid-a = %s\n\t\tid-b = %s\n\t\tsecret = "%s"\n\t}\n' \
			    "$_c" "$id" "$remote_id" "$psk" ;;
		eap-*)	printf '\teap-%s {\n\t\tid = %s\n\t\tsecret = "%s"\n\t}\n' \
			    "$_c" "$eap_id" "$secret" ;;
		esac
		echo '}'
	} | swan_conf "$_sd" "$_c"
}

# _swan_kv key=value...: assign each known key (the caller has set the
# defaults); refuse unknown keys, so a typo fails loudly.
_swan_kv() {
	local _kv
	for _kv do
		case ${_kv%%=*} in
		auth|pki|cert|id|addr|pool|local_ts|ike|esp|users|psk|encap|\
		mobike|remote|remote_id|eap_id|secret|vips|remote_ts|rauth|\
		rekey|life|ike_rekey|ike_over)
			eval "${_kv%%=*}=\${_kv#*=}" ;;
		*)	echo "interop: unknown setting $_kv" >&2; return 1 ;;
		esac
	done
}
