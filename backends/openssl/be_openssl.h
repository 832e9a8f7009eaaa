/*
 * be_openssl.h: internals shared by the files of the OpenSSL backend.
 *
 * The backend is split by primitive kind: be_openssl.c (registration,
 * AEAD, CBC, digests, RNG), be_openssl_mac.c (HMAC), be_openssl_dh.c (key
 * exchange) and be_openssl_sig.c (signatures). Only be_openssl.c exports a
 * public symbol (be_openssl_backend); what is declared here is internal to
 * the backend, hence the double underscore. Nothing here logs.
 */
#ifndef BACKENDS_OPENSSL_BE_OPENSSL_H
#define BACKENDS_OPENSSL_BE_OPENSSL_H

#include <openssl/evp.h>

#include "core/xform.h"

/* Digests fetched once by the backend's init; NULL when unavailable. */
extern EVP_MD		*be_openssl__md[XFORM_HASH__MAX];

/* Returns OpenSSL's name for h ("SHA256"). */
const char		*be_openssl__md_name(enum xform_hash h);

/* Empties OpenSSL's per-thread error queue, which would otherwise grow with
 * every rejected peer value, and returns r. */
int			 be_openssl__err(int r);

/* Fetch and release the HMAC implementation's global state; init returns 0
 * or -E_CRYPTO. */
int			 be_openssl__mac_init(void);
void			 be_openssl__mac_cleanup(void);

/* NULL-terminated entry tables of the other files. */
extern const struct xform_mac *const	be_openssl__macs[];
extern const struct xform_dh *const	be_openssl__dhs[];
extern const struct xform_sig		be_openssl__sig;
extern const struct xform_x509		be_openssl__x509;

#endif /* BACKENDS_OPENSSL_BE_OPENSSL_H */
