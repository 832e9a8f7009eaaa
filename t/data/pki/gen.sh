#!/bin/sh
# Regenerates the TEST FIXTURES of this directory (see README). Run from
# t/data/pki with the openssl CLI (3.0); uses t/data/keys for the keys of
# three gateway certificates.
set -e
K=../keys
# Fixed validity, 2020-01-01 to 2120-01-01, whatever the date of the run.
START=20200101000000Z
END=21200101000000Z

# Private keys of the CAs and of the certificates without a key in ../keys.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other-ca.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out int.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out notca.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key

# A throwaway "openssl ca" database: unlike "openssl x509 -req" it can set
# the validity dates.
rm -rf ca.db && mkdir ca.db && : > ca.db/index && echo 01 > ca.db/serial
cat > ca.db/ca.cnf <<EOC
[ca]
default_ca = c
[c]
database = ca.db/index
serial = ca.db/serial
new_certs_dir = ca.db
default_md = sha256
policy = p
preserve = yes
unique_subject = no
[p]
countryName = optional
organizationName = optional
commonName = supplied
EOC

# sign KEY CAKEY CACERT SUBJECT EXT OUT [START END]; CACERT "self" makes
# a self-signed certificate.
sign() {
	openssl req -new -key "$1" -subj "$4" -out ca.db/tmp.csr
	if [ "$3" = self ]; then ca="-selfsign"; else ca="-cert $3"; fi
	openssl ca -batch -config ca.db/ca.cnf $ca -keyfile "$2" \
	    -startdate "${7:-$START}" -enddate "${8:-$END}" \
	    -extfile ext.cnf -extensions "$5" -notext \
	    -in ca.db/tmp.csr -out "$6"
}

O="/C=CH/O=ikegate test"
sign ca.key ca.key self "$O/CN=ikegate Test Root CA" ca ca.crt
sign other-ca.key other-ca.key self "$O/CN=ikegate Other Root CA" ca \
    other-ca.crt
sign int.key ca.key ca.crt "$O/CN=ikegate Test Intermediate CA" \
    intermediate int.crt
sign notca.key ca.key ca.crt "$O/CN=ikegate Not A CA" notca notca.crt
sign $K/rsa2048.pem ca.key ca.crt "$O/CN=vpn.example.test" gw_rsa gw-rsa.crt
sign $K/ecp256.pem int.key int.crt "$O/CN=gw-p256.example.test" gw_p256 \
    gw-p256.crt
sign $K/ecp384.pem ca.key ca.crt "$O/CN=gw-p384.example.test" gw_p384 \
    gw-p384.crt
sign p521.key ca.key ca.crt "$O/CN=gw-p521.example.test" gw_p521 gw-p521.crt
# Issued by a certificate that is not a CA: must not verify.
sign leaf.key notca.key notca.crt "$O/CN=leaf.example.test" leaf \
    leaf-notca.crt
# Valid in 2020 only.
sign leaf.key ca.key ca.crt "$O/CN=expired.example.test" leaf expired.crt \
    20200101000000Z 20210101000000Z
rm -rf ca.db

# Bundles: a chain (end-entity then intermediate) and a CA file.
cat gw-p256.crt int.crt > gw-p256-chain.pem
cat ca.crt other-ca.crt > cas.pem
# DER forms.
openssl x509 -in gw-rsa.crt -outform DER -out gw-rsa.der
openssl x509 -in ca.crt -outform DER -out ca.der

# SHA-1 of each SubjectPublicKeyInfo, as CERTREQ carries it.
for c in ca other-ca int gw-rsa gw-p256 gw-p384 gw-p521; do
	printf '%s ' $c
	openssl x509 -in $c.crt -noout -pubkey |
	    openssl pkey -pubin -outform DER | sha1sum | cut -d' ' -f1
done > keyids.txt
