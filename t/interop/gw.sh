# t/interop/gw.sh: run ikegated in the gw namespace for interop tests.
# Sourced after t/interop/lib.sh.
#
#	ikeg_config FILE [KEY=VALUE...]: writes an ikegate.ini for the
#	    standard topology (gateway 198.51.100.1, pool 198.18.20.0/28,
#	    protected network 198.18.10.0/24) with the PKI of pki_make in
#	    $PKI, and one profile; the keys below override the defaults.
#	ikeg_start FILE: starts ikegated -d in namespace gw and waits until
#	    its control socket answers.
#	ikectl_gw ARGS...: ikectl against that daemon.
#	ikeg_field FIELD: a field of the first SA of `ikectl show sa --json`.

IKEG_SOCK=$TRASH/ikegated.sock

ikeg_config() {
	local f=$1 match='email *@ikegate.test' local_auth=rsa-sig remote_auth=eap-mschapv2
	local psk='' ca='' cert=gw-rsa ike_enc=aes-cbc-256
	local ike_integ='sha512, sha384' groups='19, 14, 21'
	local esp_enc='aes-gcm-256, aes-cbc-256' esp_integ=sha384
	local extra_profile='' pool='198.18.20.0/28' esn=no
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
		echo "split_include = 198.18.10.0/24"
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
	} > "$f"
}

ikeg_start() {
	netns_spawn gw "$TRASH/ikegated.pid" "$TRASH/ikegated.log" \
	    "$TOP/ikegated" -d -c "$1" &&
	wait_for 'ikectl_gw show sa >/dev/null 2>&1' 10 || {
		echo "ikegated did not start:" >&2
		cat "$TRASH/ikegated.log" >&2
		return 1
	}
}

ikectl_gw() { ip netns exec "$GW_NS" "$TOP/ikectl" -s "$IKEG_SOCK" "$@"; }

ikeg_field() {
	ikectl_gw show sa --json | tr ',{}[]' '\n\n\n\n\n' |
	    sed -n "s/^\"$1\":\"\{0,1\}\([^\"]*\)\"\{0,1\}\$/\1/p" | head -n 1
}
