/*
 * mschapv2_legacy.h: MD4 and single DES, for MS-CHAPv2 only (internal).
 *
 * MS-CHAPv2 (RFC 2759) is built on MD4 (RFC 1320, the NT password hash)
 * and single DES (FIPS 46-3, the NT-Response). OpenSSL 3 keeps both in its
 * legacy provider, which distributions do not always load, and libsodium has
 * neither, so the core carries its own small, portable implementations
 * rather than depend on a provider being present at run time. They exist
 * for MS-CHAPv2 interoperability and for nothing else: do not use them for
 * anything new. This header is internal to core/eap_mschapv2.c and its
 * tests; core/xform.h remains the crypto contract for everything else.
 *
 * Both are written without secret-dependent branches or table indexes (the
 * DES S-boxes are read by a full masked scan), since the key material is a
 * password hash. Nothing here allocates or logs.
 */
#ifndef CORE_MSCHAPV2_LEGACY_H
#define CORE_MSCHAPV2_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "core/span.h"

#define MSCHAPV2_LEGACY_MD4_LEN		16
#define MSCHAPV2_LEGACY_DES_BLOCK	8

/* Writes MD4 (RFC 1320) of the concatenation of the nv spans in v to out.
 * v is borrowed; every span may be empty. */
void	mschapv2_legacy_md4(const struct span *v, size_t nv,
	    uint8_t out[static MSCHAPV2_LEGACY_MD4_LEN]);

/* Encrypts one 8-byte block with single DES (FIPS 46-3) in ECB mode under
 * the 64-bit key (parity bits, the low bit of each byte, are ignored). in
 * and out may alias. The caller wipes key. */
void	mschapv2_legacy_des_encrypt(const uint8_t key[static 8],
	    const uint8_t in[static MSCHAPV2_LEGACY_DES_BLOCK],
	    uint8_t out[static MSCHAPV2_LEGACY_DES_BLOCK]);

/* Spreads a 56-bit key (7 bytes, RFC 2759 8.6 DesEncrypt) over 8 bytes,
 * 7 key bits in the high bits of each byte, and sets odd parity in the low
 * bit. */
void	mschapv2_legacy_des_key56(const uint8_t k7[static 7],
	    uint8_t k8[static 8]);

#endif /* CORE_MSCHAPV2_LEGACY_H */
