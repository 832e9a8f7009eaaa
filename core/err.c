/* err.c: names and messages for the codes in err.h. */
#include "core/err.h"

static const char *const names[E__MAX] = {
	[E_OK] = "E_OK",
#define ERR_NAME(n, s) [E_##n] = "E_" #n,
	ERR_MAP(ERR_NAME)
#undef ERR_NAME
};

static const char *const strs[E__MAX] = {
	[E_OK] = "success",
#define ERR_STR(n, s) [E_##n] = s,
	ERR_MAP(ERR_STR)
#undef ERR_STR
};

static unsigned
idx(int r)
{
	unsigned u = r < 0 ? (unsigned)-(r + 1) + 1 : (unsigned)r;

	return u < E__MAX ? u : E__MAX;
}

const char *
err_name(int r)
{
	unsigned i = idx(r);

	return i < E__MAX ? names[i] : "E_UNKNOWN";
}

const char *
err_str(int r)
{
	unsigned i = idx(r);

	return i < E__MAX ? strs[i] : "unknown error";
}
