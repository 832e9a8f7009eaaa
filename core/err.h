/*
 * err.h: error codes shared by every module.
 *
 * Functions that can fail return 0 or a negative -E_* code; lengths are
 * ssize_t, >= 0 or a negative code. One X-macro list generates the enum,
 * err_name() and err_str() (libuv's UV_ERRNO_MAP). E_SYS means "see
 * errno": errno must survive until the error is logged.
 */
#ifndef CORE_ERR_H
#define CORE_ERR_H

#define ERR_MAP(X)							\
	X(INTERNAL,	"internal error")				\
	X(NOMEM,	"out of memory")				\
	X(SYS,		"system error")					\
	X(SHORT,	"truncated input")				\
	X(BADLEN,	"inconsistent length field")			\
	X(TRAILING,	"trailing bytes after structure")		\
	X(RANGE,	"value out of range")				\
	X(DUP,		"duplicate element")				\
	X(CRITICAL,	"unsupported critical payload")			\
	X(TOOMANY,	"too many elements")				\
	X(SYNTAX,	"invalid syntax")				\
	X(VERSION,	"unsupported protocol version")			\
	X(AUTH,		"authentication failed")			\
	X(CRYPTO,	"cryptographic operation failed")		\
	X(NOTSUP,	"not supported")				\
	X(NOENT,	"not found")					\
	X(EXIST,	"already exists")				\
	X(INVAL,	"invalid argument")				\
	X(CONFIG,	"configuration error")				\
	X(STATE,	"invalid state")				\
	X(AGAIN,	"try again")					\
	X(TIMEOUT,	"timed out")

enum err {
	E_OK = 0,
#define ERR_ENUM(n, s) E_##n,
	ERR_MAP(ERR_ENUM)
#undef ERR_ENUM
	E__MAX
};

/* Returns the symbolic name of r ("E_SHORT"), sign ignored; never NULL. */
const char	*err_name(int r);

/* Returns a human-readable message for r, sign ignored; for E_SYS it is
 * "system error" (callers append strerror). Never NULL. */
const char	*err_str(int r);

#endif /* CORE_ERR_H */
