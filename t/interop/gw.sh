# t/interop/gw.sh: run ikegated in the gw namespace for interop tests.
# Sourced after t/interop/lib.sh.
#
#	ikeg_config FILE [KEY=VALUE...]: writes an ikegate.ini for the
#	    standard topology (gateway 198.51.100.1, pool 198.18.20.0/28,
#	    protected network 198.18.10.0/24) with the PKI of pki_make in
#	    $PKI, and one profile; the keys below override the defaults.
#	    extra= is text appended at the end (more sections: profiles);
#	    split= the policy's split_include list; gw_extra= more [gateway]
#	    lines.
#	ikec_config FILE [KEY=VALUE...]: writes an ikeclient.ini(8)
#	    [client] section for that gateway and PKI: EAP-MSCHAPv2 as
#	    user (alice) with password_file (pw), name (vpn-test), tun
#	    (ikec0), control_socket (sock, none by default); extra= more
#	    lines.
#	ikeg_start FILE: starts ikegated -d -v in namespace gw and waits until
#	    its control socket answers. A shell wrapper waits for it and
#	    writes its exit status to $TRASH/ikegated.rc.
#	ikectl_gw ARGS...: ikectl against that daemon (at most 10 s).
#	ikeg_field FIELD [SPI_I]: a field of the first SA (or of the SA
#	    with initiator SPI SPI_I) of `ikectl show sa --json`, also the
#	    CHILD SA's (spi_in, spi_out, esp).
#	ikeg_agree CLIDIR CONN: the client's IKE_SA CONN and ikegated's SA
#	    of the same initiator SPI are ESTABLISHED and agree on the
#	    responder SPI, both ESP SPIs and the virtual IP.
#	ikeg_pool_used POOL: the "used" count of POOL in `ikectl show pools`.
#	ikeg_check_clean [SECRET...]: stops ikegated with SIGTERM; fails
#	    unless it exits 0 and its log holds no sanitizer report, no
#	    SECRET and no long hex string (keys, MSK).

IKEG_SOCK=$TRASH/ikegated.sock

ikeg_config() {
	local f=$1 match='email *@ikegate.test' local_auth=rsa-sig remote_auth=eap-mschapv2
	local psk='' ca='' cert=gw-rsa ike_enc=aes-cbc-256
	local ike_integ='sha512, sha384' groups='19, 14, 21'
	local esp_enc='aes-gcm-256, aes-cbc-256' esp_integ=sha384
	local extra_profile='' pool='198.18.20.0/28' esn=no extra=''
	local split='198.18.10.0/24' gw_extra=''
	shift
	for kv do
		case $kv in
		*=*) eval "${kv%%=*}=\${kv#*=}" ;;
		*) echo "ikeg_config: bad argument $kv" >&2; return 1 ;;
		esac
	done
	{
		echo "[gateway]"
		echo "address = 198.51.100.1"
		echo "certificate = $PKI/$cert.pem"
		echo "private_key = $PKI/$cert.key"
		echo "local_id = fqdn:vpn.ikegate.test"
		echo "control_socket = $IKEG_SOCK"
		echo "log_level = debug"
		[ -z "$gw_extra" ] || printf '%s\n' "$gw_extra"
		echo
		echo "[proposal p]"
		echo "encryption = $ike_enc"
		[ -z "$ike_integ" ] || echo "integrity = $ike_integ"
		echo "group = $groups"
		echo
		echo "[esp e]"
		echo "encryption = $esp_enc"
		[ -z "$esp_integ" ] || echo "integrity = $esp_integ"
		echo "esn = $esn"
		echo
		echo "[pool pool]"
		echo "network = $pool"
		echo
		echo "[policy pol]"
		echo "pool = pool"
		echo "split_include = $split"
		echo "domain = ikegate.test"
		echo
		echo "[profile rw]"
		echo "match = $match"
		echo "local_auth = $local_auth"
		echo "remote_auth = $remote_auth"
		echo "proposal = p"
		echo "esp = e"
		echo "policy = pol"
		[ -z "$psk" ] || echo "psk = $psk"
		[ -z "$ca" ] || echo "ca = $ca"
		[ -z "$extra_profile" ] || printf '%s\n' "$extra_profile"
		echo
		echo "[user alice]"
		echo "password = alicepw"
		echo
		echo "[user bob]"
		echo "nt_hash = $(printf bobpw | "$TOP/ikectl" hash-password)"
		[ -z "$extra" ] || printf '\n%s\n' "$extra"
	} > "$f"
}

ikec_config() {
	local f=$1 name=vpn-test user=alice pw='' tun=ikec0 sock='' extra=''
	shift
	for kv do
		case $kv in
		*=*) eval "${kv%%=*}=\${kv#*=}" ;;
		*) echo "ikec_config: bad argument $kv" >&2; return 1 ;;
		esac
	done
	{
		echo "[client]"
		echo "name = $name"
		echo "gateway = $GW_ADDR"
		echo "remote_id = fqdn:vpn.ikegate.test"
		echo "ca = $PKI/ca.pem"
		echo "auth = eap-mschapv2"
		echo "local_id = email:$user@ikegate.test"
		echo "user = $user"
		echo "password_file = $pw"
		echo "tun = $tun"
		[ -z "$sock" ] || echo "control_socket = $sock"
		[ -z "$extra" ] || printf '%s\n' "$extra"
	} > "$f"
}

ikeg_start() {
	local pid
	rm -f "$TRASH/ikegated.rc" "$TRASH/ikegated.pid0"
	# The wrapper is the process netns_spawn knows; ikegated is its
	# child, so that its exit status can be kept.
	netns_spawn gw "$TRASH/ikegated.sh.pid" "$TRASH/ikegated.log" \
	    sh -c '"$@" & echo $! > "$0.tmp" && mv "$0.tmp" "$0.pid0"
		wait $!; echo $? > "$0.rc"' \
	    "$TRASH/ikegated" "$TOP/ikegated" -d -v -c "$1" &&
	wait_for '[ -s "$TRASH/ikegated.pid0" ]' 5 &&
	pid=$(cat "$TRASH/ikegated.pid0") &&
	echo "$pid $(_proc_stat "$pid" | cut -d' ' -f2)" \
	    > "$TRASH/ikegated.pid" &&
	echo "$pid" >> "$TRASH/interop.pids" &&
	interop_atexit "proc_stop $TRASH/ikegated.pid" &&
	wait_for 'ikectl_gw show sa >/dev/null 2>&1' 10 || {
		echo "ikegated did not start:" >&2
		cat "$TRASH/ikegated.log" >&2
		return 1
	}
}

ikeg_check_clean() {
	local s bad=0
	if ! proc_alive "$TRASH/ikegated.pid"; then
		echo "ikeg_check_clean: ikegated is not running" >&2
		bad=1
	else
		kill -TERM "$(proc_pid "$TRASH/ikegated.pid")"
	fi
	# Sanitizer builds check for leaks at exit: allow some time.
	if ! wait_for '[ -s "$TRASH/ikegated.rc" ]' 20; then
		echo "ikeg_check_clean: ikegated did not exit" >&2
		bad=1
	elif [ "$(cat "$TRASH/ikegated.rc")" != 0 ]; then
		echo "ikeg_check_clean: ikegated exited" \
		    "$(cat "$TRASH/ikegated.rc")" >&2
		bad=1
	fi
	if grep -E 'ERROR: [A-Za-z]*Sanitizer|runtime error:' \
	    "$TRASH/ikegated.log" >&2; then
		echo "ikeg_check_clean: sanitizer report in the log" >&2
		bad=1
	fi
	for s do
		if grep -F -e "$s" "$TRASH/ikegated.log" >/dev/null; then
			echo "ikeg_check_clean: a secret is in the log" >&2
			bad=1
		fi
	done
	# Keys, nonces, the MSK or a hash in hex: 32 digits or more (SPIs
	# are 16, printed as two halves).
	if grep -E '[0-9A-Fa-f]{32}' "$TRASH/ikegated.log" >&2; then
		echo "ikeg_check_clean: long hex string in the log" >&2
		bad=1
	fi
	[ "$bad" = 0 ] || { tail -n 40 "$TRASH/ikegated.log" >&2; return 1; }
}

# Bounded: a daemon that hangs must fail the test, not stop it forever.
ikectl_gw() {
	timeout 10 ip netns exec "$GW_NS" "$TOP/ikectl" -s "$IKEG_SOCK" "$@"
}

# ikeg_field FIELD [SPI_I]: FIELD of the first IKE SA (whose SPIi starts
# with SPI_I, if given) in `ikectl show sa --json`; empty if absent.
ikeg_field() {
	ikectl_gw show sa --json | ikeg_json_field "$@"
}

# ikeg_json_field FIELD [SPI_I] < JSON: ikeg_field on a saved `show sa
# --json`, for checks that need one consistent look.
ikeg_json_field() {
	# One SA a line; then "FIELD":"string" or "FIELD":number/boolean.
	sed 's/},{"spi_i"/}\n{"spi_i"/g' |
	    grep -F "\"spi_i\":\"${2:-}" | head -n 1 |
	    sed -n -e "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" \
	    -e "t" -e "s/.*\"$1\":\([^,}\"]*\)[,}].*/\1/p"
}

ikeg_pool_used() {
	ikectl_gw show pools --json | tr '{}[]' '\n\n\n\n' |
	    grep -F "\"name\":\"$1\"" |
	    sed -n 's/.*"used":\([0-9]*\).*/\1/p' | head -n 1
}

ikeg_agree() {
	local i f g c
	i=$(swan_sa_field "$1" initiator-spi "$2") && [ -n "$i" ] || {
		echo "ikeg_agree: the client has no IKE_SA $2" >&2
		return 1
	}
	ikectl_gw show sa
	for f in "state state" "responder-spi spi_r" "local-vips address"; do
		c=$(swan_sa_field "$1" "${f% *}" "$2")
		g=$(ikeg_field "${f#* }" "$i")
		echo "$2 ${f% *}: client '$c' gateway '$g'"
		[ -n "$c" ] && [ "$c" = "$g" ] || return 1
	done
	# The client's inbound SPI is the gateway's outbound one.
	for f in "spi-in spi_out" "spi-out spi_in"; do
		c=$(swan_child_field "$1" "${f% *}" "$2")
		g=$(ikeg_field "${f#* }" "$i")
		echo "$2 ${f% *}: client '$c' gateway ${f#* } '$g'"
		[ -n "$c" ] && [ "$c" = "$g" ] || return 1
	done
	[ "$(swan_sa_field "$1" state "$2")" = ESTABLISHED ]
}
