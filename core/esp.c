/*
 * esp.c: ESP encapsulation and decapsulation in place (RFC 4303, tunnel
 * mode) and the SA tables.
 *
 * The packet path (esp_seal, esp_open, esp_sadb_encap/decap) never
 * allocates, never logs and reads every network byte through a span.
 * Failures are drops counted by reason; see esp.h for the contract.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/ike_keys.h"
#include "core/qsbr.h"
#include "core/span.h"

/* CBC IVs drawn from the RNG per refill: one call every 32 packets. */
#define IVPOOL_LEN	512
#define CBC_BLOCK	16
#define AEAD_ALIGN	4	/* RFC 4303 2.4, RFC 4106 3.2, RFC 7634 3 */
#define ROUND_CTX(n)	(((n) + XFORM_CTX_ALIGN - 1) & \
			    ~(size_t)(XFORM_CTX_ALIGN - 1))

/* Bits of esp_sa.fired: each event is raised once. */
#define FIRED_SOFT	0x1u
#define FIRED_HARD	0x2u
#define FIRED_SEQ	0x4u

enum sa_kind {
	KIND_AEAD,
	KIND_CBC,
};

/* Bits of esp_sa.member: where the SA is in its table (writer only). */
#define MEMB_KEYED	0x1u		/* its keys are in the table */
#define MEMB_DFLT4	0x2u		/* the IPv4 default */
#define MEMB_DFLT6	0x4u		/* the IPv6 default */

/*
 * One key of an SA in a table: the SPI of an inbound SA, or one of the
 * inner addresses of an outbound SA. Keys live inside their SA, so a
 * reader that found a key holds the SA for as long as the SA's grace
 * period lasts (see esp.h).
 */
struct sa_key {
	struct esp_sa	*sa;
	uint32_t	 spi;
	struct esp_addr	 a;
};

/*
 * One direction of a CHILD SA. The contexts, and for outbound CBC the IV
 * pool, follow the struct in the same allocation, each XFORM_CTX_ALIGN
 * aligned. Fields used on every packet come first. lock serializes the
 * threads that process packets of the SA (see esp.h, "Threads"): the
 * backend contexts, the IV pool, the replay window and the counters are
 * changed only under it.
 */
struct esp_sa {
	pthread_mutex_t			 lock;
	uint32_t			 spi;
	uint8_t				 dir;
	uint8_t				 esn;
	uint8_t				 kind;
	uint8_t				 iv_len;	/* 8 AEAD, 16 CBC */
	uint8_t				 icv_len;
	uint8_t				 align;		/* 4 or 16 */
	uint8_t				 salt[XFORM_AEAD_SALT_LEN];
	const struct xform_aead		*aead;
	const struct xform_cipher	*cipher;
	const struct xform_mac		*mac;
	void				*cctx;		/* AEAD or cipher */
	void				*mctx;		/* HMAC (CBC) */
	uint64_t			 iv_xor;
	uint64_t			 seq;		/* last sent (out) */
	uint64_t			 seq_max;
	uint8_t				*ivpool;
	size_t				 ivpos;
	unsigned			 fired;		/* FIRED_* */
	int				 has_life;
	struct esp_lifetime		 life;
	esp_event_fn			*hook;
	void				*hook_arg;
	void				*user;
	struct esp_sa_stats		 st;
	/* In the SA's own allocation, sized to what it was given. */
	size_t				 nts;
	struct esp_ts			*ts;
	size_t				 ndts;
	struct esp_ts			*dts;
	size_t				 nkey;		/* 1 in, ndst out */
	struct sa_key			 key[ESP_DST_MAX];
	unsigned			 member;	/* MEMB_* */
	size_t				 alloc_len;
	struct replay_win		 win;		/* inbound */
};

static const char *const drop_names[ESP_DROP__MAX] = {
	[ESP_DROP_NONE] = "none",
#define ESP_DROP_NAME(n, s) [ESP_DROP_##n] = s,
	ESP_DROP_MAP(ESP_DROP_NAME)
#undef ESP_DROP_NAME
};

const char *
esp_drop_name(enum esp_drop d)
{
	return (unsigned)d < ESP_DROP__MAX ? drop_names[d] : "unknown";
}

/*
 * Counters have one writer (the thread driving the SA); relaxed atomic
 * accesses make concurrent reads by the control thread well defined and
 * compile to plain loads and stores.
 */
static inline void
ctr_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + v,
	    __ATOMIC_RELAXED);
}

static inline uint64_t
ctr_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* The table's counters have many writers (every data-plane thread that
 * finds no SA): an atomic add, on rare events only. */
static inline void
ctr_add_shared(uint64_t *c, uint64_t v)
{
	(void)__atomic_fetch_add(c, v, __ATOMIC_RELAXED);
}

static void
sa_lock(struct esp_sa *sa)
{
	(void)pthread_mutex_lock(&sa->lock);
}

static void
sa_unlock(struct esp_sa *sa)
{
	(void)pthread_mutex_unlock(&sa->lock);
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static int
drop(struct esp_sa *sa, struct esp_pkt *p, enum esp_drop d, int r)
{
	ctr_add(&sa->st.drops[d], 1);
	p->drop = d;
	return r;
}

/* Raises ev once: the bit is set atomically, so even two threads racing
 * on one SA call the hook only once. */
static void
fire(struct esp_sa *sa, unsigned bit, enum esp_event ev)
{
	if (__atomic_fetch_or(&sa->fired, bit, __ATOMIC_ACQ_REL) & bit)
		return;
	if (sa->hook != NULL)
		sa->hook(sa, ev, sa->hook_arg);
}

static int
expired(const struct esp_sa *sa)
{
	return (__atomic_load_n(&sa->fired, __ATOMIC_RELAXED) &
	    FIRED_HARD) != 0;
}

static int
reached(uint64_t limit, uint64_t v)
{
	return limit != 0 && v >= limit;
}

/* Counts one packet of len inner bytes and checks the lifetimes (RFC 4301
 * 4.4.2.1: soft triggers a rekey, hard ends the SA). */
static inline void
account(struct esp_sa *sa, size_t len)
{
	uint64_t pk = ctr_get(&sa->st.packets) + 1;
	uint64_t by = ctr_get(&sa->st.bytes) + len;

	__atomic_store_n(&sa->st.packets, pk, __ATOMIC_RELAXED);
	__atomic_store_n(&sa->st.bytes, by, __ATOMIC_RELAXED);
	if (!sa->has_life)
		return;
	if (reached(sa->life.soft_packets, pk) ||
	    reached(sa->life.soft_bytes, by))
		fire(sa, FIRED_SOFT, ESP_EV_SOFT);
	if (reached(sa->life.hard_packets, pk) ||
	    reached(sa->life.hard_bytes, by))
		fire(sa, FIRED_HARD, ESP_EV_HARD);
}

/*
 * Takes the next outbound sequence number. RFC 4303 3.3.3: the counter
 * must not cycle; the sender stops at 2^32 - 1 (2^64 - 1 with ESN) and
 * the SA must be replaced. The compare-and-swap makes each number, and
 * therefore each AEAD nonce, unique even if two threads shared the SA.
 */
static int
next_seq(struct esp_sa *sa, uint64_t *seq)
{
	uint64_t cur = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);

	do {
		if (cur >= sa->seq_max)
			return -E_RANGE;
	} while (!__atomic_compare_exchange_n(&sa->seq, &cur, cur + 1, 1,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*seq = cur + 1;
	return 0;
}

/*
 * RFC 4106 5, RFC 7634 2.1: the AAD is SPI | Seq (8 bytes), or with ESN
 * SPI | Seq high | Seq low (12 bytes), the high bits never being sent.
 * Without ESN the AAD is the header itself; with it, it is built in aad.
 */
static struct span
aead_aad(const struct esp_sa *sa, const uint8_t *hdr, uint64_t seq,
    uint8_t aad[12])
{
	if (!sa->esn)
		return span_make(hdr, ESP_HDR_LEN);
	memcpy(aad, hdr, 4);
	put32(aad + 4, (uint32_t)(seq >> 32));
	memcpy(aad + 8, hdr + 4, 4);
	return span_make(aad, 12);
}

/* RFC 4106 4, RFC 7634 2: nonce = salt (from the key material) | IV. */
static void
aead_nonce(const struct esp_sa *sa, const uint8_t *iv,
    uint8_t nonce[XFORM_AEAD_NONCE_LEN])
{
	memcpy(nonce, sa->salt, XFORM_AEAD_SALT_LEN);
	memcpy(nonce + XFORM_AEAD_SALT_LEN, iv, XFORM_AEAD_IV_LEN);
}

/*
 * RFC 4303 2.2.1, 3.3.2.2: the ICV covers SPI | Seq | IV | ciphertext,
 * then, with ESN, the high-order 32 bits of the sequence number, which are
 * not transmitted. Writes the full HMAC output to out.
 */
static int
cbc_icv(const struct esp_sa *sa, const uint8_t *hdr, size_t len,
    uint64_t seq, uint8_t out[XFORM_MAX_HASH_LEN])
{
	struct span v[2];
	uint8_t hi[4];

	v[0] = span_make(hdr, len);
	put32(hi, (uint32_t)(seq >> 32));
	v[1] = span_make(hi, sizeof(hi));
	return sa->mac->mac(sa->mctx, v, sa->esn ? 2 : 1, out);
}

/*
 * RFC 3602 3: the CBC IV must be unpredictable. It comes from a per-SA
 * pool filled from the CSPRNG IVPOOL_LEN bytes at a time, so the RNG (a
 * system call with some backends) is not paid on every packet.
 */
static int
cbc_iv(struct esp_sa *sa, uint8_t *iv)
{
	if (sa->ivpos + CBC_BLOCK > IVPOOL_LEN) {
		if (xform_random(sa->ivpool, IVPOOL_LEN) != 0)
			return -E_CRYPTO;
		sa->ivpos = 0;
	}
	memcpy(iv, sa->ivpool + sa->ivpos, CBC_BLOCK);
	sa->ivpos += CBC_BLOCK;
	return 0;
}

static int
seal_aead(struct esp_sa *sa, uint8_t *hdr, uint64_t seq, uint8_t *pl,
    size_t plen)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], aad[12];
	struct span a;

	/* RFC 4106 3.1: the explicit IV only has to be unique per key; the
	 * sequence number never repeats, so neither does this. */
	put64(hdr + ESP_HDR_LEN, seq ^ sa->iv_xor);
	aead_nonce(sa, hdr + ESP_HDR_LEN, nonce);
	a = aead_aad(sa, hdr, seq, aad);
	return sa->aead->seal(sa->cctx, nonce, a, pl, plen);
}

static int
seal_cbc(struct esp_sa *sa, uint8_t *hdr, uint64_t seq, uint8_t *pl,
    size_t plen)
{
	uint8_t icv[XFORM_MAX_HASH_LEN];
	int r;

	/* Encrypt, then MAC the ciphertext (RFC 4303 3.3.2.2). */
	if ((r = cbc_iv(sa, hdr + ESP_HDR_LEN)) != 0 ||
	    (r = sa->cipher->encrypt(sa->cctx, hdr + ESP_HDR_LEN, pl,
	    plen)) != 0 ||
	    (r = cbc_icv(sa, hdr, (size_t)(pl + plen - hdr), seq, icv)) != 0)
		return r;
	memcpy(pl + plen, icv, sa->icv_len);
	return 0;
}

/* esp_seal with sa's lock held by the caller. */
static int
seal_locked(struct esp_sa *sa, struct esp_pkt *p)
{
	uint8_t *hdr, *pl, *t;
	size_t len, hl, pad, tail, plen, i;
	uint64_t seq;
	uint8_t nh;
	int r;

	p->drop = ESP_DROP_NONE;
	if (sa == NULL || sa->dir != ESP_OUT || p->buf == NULL ||
	    p->off > p->cap || p->len > p->cap - p->off)
		return -E_INVAL;
	if (expired(sa))
		return drop(sa, p, ESP_DROP_EXPIRED, -E_STATE);
	len = p->len;
	pl = p->buf + p->off;
	/* RFC 4303 2.6: Next Header names the inner packet's protocol. */
	if (len >= 20 && len <= ESP_INNER_MAX && pl[0] >> 4 == 4)
		nh = ESP_NH_IPV4;
	else if (len >= 40 && len <= ESP_INNER_MAX && pl[0] >> 4 == 6)
		nh = ESP_NH_IPV6;
	else
		return drop(sa, p, ESP_DROP_INNER, -E_SYNTAX);

	/*
	 * RFC 4303 2.4: pad so that the payload, padding, Pad Length and
	 * Next Header fill whole cipher blocks and end on a 4-byte
	 * boundary (align is a power of two, 4 or the AES block).
	 */
	hl = ESP_HDR_LEN + sa->iv_len;
	pad = (sa->align - ((len + ESP_TRAILER_LEN) & (sa->align - 1))) &
	    (sa->align - 1);
	tail = pad + ESP_TRAILER_LEN + sa->icv_len;
	if (p->off < hl || tail > p->cap - p->off - len)
		return drop(sa, p, ESP_DROP_NOROOM, -E_RANGE);
	if (next_seq(sa, &seq) != 0) {
		r = drop(sa, p, ESP_DROP_SEQ_EXHAUSTED, -E_RANGE);
		fire(sa, FIRED_SEQ, ESP_EV_SEQ_EXHAUSTED);
		return r;
	}

	hdr = pl - hl;
	put32(hdr, sa->spi);
	put32(hdr + 4, (uint32_t)seq);
	/* RFC 4303 2.4: the padding bytes are 1, 2, 3, ... */
	t = pl + len;
	for (i = 0; i < pad; i++)
		t[i] = (uint8_t)(i + 1);
	t[pad] = (uint8_t)pad;
	t[pad + 1] = nh;
	plen = len + pad + ESP_TRAILER_LEN;

	if (sa->kind == KIND_AEAD)
		r = seal_aead(sa, hdr, seq, pl, plen);
	else
		r = seal_cbc(sa, hdr, seq, pl, plen);
	if (r != 0)
		return drop(sa, p, ESP_DROP_CRYPTO, -E_CRYPTO);

	p->off -= hl;
	p->len = hl + plen + sa->icv_len;
	account(sa, len);
	return 0;
}

int
esp_seal(struct esp_sa *sa, struct esp_pkt *p)
{
	int r;

	if (sa == NULL)
		return -E_INVAL;
	sa_lock(sa);
	r = seal_locked(sa, p);
	sa_unlock(sa);
	return r;
}

static int
addr_in(const struct esp_ts *ts, int family, const uint8_t *a)
{
	size_t n = family == AF_INET ? 4 : 16;

	return ts->family == family && memcmp(ts->start, a, n) <= 0 &&
	    memcmp(a, ts->end, n) <= 0;
}

/* Returns 1 when a is in one of ts[0..n), or n is 0 (any). */
static int
ts_match(const struct esp_ts *ts, size_t n, int family, const uint8_t *a)
{
	size_t i;

	if (n == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (addr_in(&ts[i], family, a))
			return 1;
	return 0;
}

int
esp_sa_ts_match(const struct esp_sa *sa, const struct esp_addr *a)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return sa->nts == 0;
	return ts_match(sa->ts, sa->nts, a->family, a->a);
}

/*
 * Checks the decrypted inner packet in[0..*len) against its Next Header
 * (RFC 4303 2.6) and trims TFC padding after it (2.7) using the IP
 * length field. The bytes are authenticated but still the peer's: every
 * read goes through a span. Returns 0 or the drop reason.
 */
static enum esp_drop
check_inner(const struct esp_sa *sa, const uint8_t *in, size_t *len,
    uint8_t nh)
{
	struct span s = span_make(in, *len), src, dst;
	uint8_t vb;
	uint16_t n;
	size_t tot;
	int family;

	if (span_get_u8(&s, &vb) != 0)
		return ESP_DROP_INNER;
	if (nh == ESP_NH_IPV4) {
		/* RFC 791 3.1: Total Length at 2, source at 12. */
		if (vb >> 4 != 4 || span_skip(&s, 1) != 0 ||
		    span_get_u16(&s, &n) != 0 || span_skip(&s, 8) != 0 ||
		    span_get_bytes(&s, 4, &src) != 0 ||
		    span_get_bytes(&s, 4, &dst) != 0)
			return ESP_DROP_INNER;
		tot = n;
		family = AF_INET;
	} else {
		/* RFC 8200 3: Payload Length at 4, source at 8. */
		if (vb >> 4 != 6 || span_skip(&s, 3) != 0 ||
		    span_get_u16(&s, &n) != 0 || span_skip(&s, 2) != 0 ||
		    span_get_bytes(&s, 16, &src) != 0 ||
		    span_get_bytes(&s, 16, &dst) != 0)
			return ESP_DROP_INNER;
		tot = (size_t)n + 40;
		family = AF_INET6;
	}
	if (tot < 20 || tot > *len)
		return ESP_DROP_INNER;
	*len = tot;
	/* RFC 4301 5.2 step 4: the inner source must match the SA's
	 * selectors, or a client could spoof another's address. */
	if (!ts_match(sa->ts, sa->nts, family, src.p))
		return ESP_DROP_SPOOF;
	/* ... and the destination its TSr, or a client would reach every
	 * network the gateway routes, whatever its policy allows. */
	if (!ts_match(sa->dts, sa->ndts, family, dst.p))
		return ESP_DROP_DEST;
	return ESP_DROP_NONE;
}

/*
 * Encrypt-then-MAC (RFC 4303 3.4.4.1): the ICV is verified, in constant
 * time, before anything is decrypted. Returns the drop reason or
 * ESP_DROP_NONE.
 */
static enum esp_drop
open_cbc(struct esp_sa *sa, const uint8_t *pkt, uint64_t seq,
    const uint8_t *iv, uint8_t *ct, size_t ctlen, const uint8_t *icv)
{
	uint8_t mac[XFORM_MAX_HASH_LEN];

	if (cbc_icv(sa, pkt, ESP_HDR_LEN + sa->iv_len + ctlen, seq, mac) != 0)
		return ESP_DROP_CRYPTO;
	if (!ct_memeq(mac, icv, sa->icv_len))
		return ESP_DROP_ICV;
	if (sa->cipher->decrypt(sa->cctx, iv, ct, ctlen) != 0) {
		ct_wipe(ct, ctlen);
		return ESP_DROP_CRYPTO;
	}
	return ESP_DROP_NONE;
}

/* esp_open with sa's lock held by the caller. */
static int
open_locked(struct esp_sa *sa, struct esp_pkt *p)
{
	uint8_t nonce[XFORM_AEAD_NONCE_LEN], aad[12];
	struct span s, iv, icv, tr;
	uint8_t *pkt, *ct;
	size_t ctlen, ilen, i;
	uint32_t spi, lo;
	uint64_t seq;
	uint8_t padlen, nh, b;
	enum esp_drop d;
	int r;

	p->drop = ESP_DROP_NONE;
	if (sa == NULL || sa->dir != ESP_IN || p->buf == NULL ||
	    p->off > p->cap || p->len > p->cap - p->off)
		return -E_INVAL;
	if (expired(sa))
		return drop(sa, p, ESP_DROP_EXPIRED, -E_STATE);
	pkt = p->buf + p->off;
	s = span_make(pkt, p->len);
	if (span_get_u32(&s, &spi) != 0 || span_get_u32(&s, &lo) != 0)
		return drop(sa, p, ESP_DROP_SHORT, -E_SHORT);
	if (spi != sa->spi) {
		p->drop = ESP_DROP_NO_SPI;
		return -E_INVAL;
	}
	/* RFC 4303 3.4.3: the cheap window check comes before any crypto. */
	if ((r = replay_check(&sa->win, lo, &seq)) != 0)
		return drop(sa, p, r == -E_DUP ? ESP_DROP_REPLAY :
		    ESP_DROP_OLD, r);
	/* The IV and ICV sizes are the SA's; the rest is ciphertext, which
	 * holds at least Pad Length and Next Header, in whole blocks. */
	if (span_get_bytes(&s, sa->iv_len, &iv) != 0 ||
	    span_get_tail(&s, sa->icv_len, &icv) != 0 ||
	    s.len < ESP_TRAILER_LEN)
		return drop(sa, p, ESP_DROP_SHORT, -E_SHORT);
	if ((s.len & (sa->align - 1)) != 0)
		return drop(sa, p, ESP_DROP_ALIGN, -E_BADLEN);
	ct = pkt + ESP_HDR_LEN + sa->iv_len;
	ctlen = s.len;

	if (sa->kind == KIND_AEAD) {
		aead_nonce(sa, iv.p, nonce);
		r = sa->aead->open(sa->cctx, nonce,
		    aead_aad(sa, pkt, seq, aad), ct, ctlen);
		if (r != 0) {
			/* Some backends decrypt before they check the tag:
			 * leave nothing unauthenticated in the buffer. */
			ct_wipe(ct, ctlen);
			return drop(sa, p, r == -E_AUTH ? ESP_DROP_ICV :
			    ESP_DROP_CRYPTO, r == -E_AUTH ? -E_AUTH :
			    -E_CRYPTO);
		}
	} else if ((d = open_cbc(sa, pkt, seq, iv.p, ct, ctlen, icv.p)) !=
	    ESP_DROP_NONE)
		return drop(sa, p, d, d == ESP_DROP_ICV ? -E_AUTH : -E_CRYPTO);
	/* Authentic: only now may the window move (RFC 4303 3.4.3). */
	if ((r = replay_commit(&sa->win, seq)) != 0)
		return drop(sa, p, r == -E_DUP ? ESP_DROP_REPLAY :
		    ESP_DROP_OLD, r);

	/* RFC 4303 2.4, 2.5, 2.6: ... | Padding | Pad Length | Next Header. */
	tr = span_make(ct, ctlen);
	if (span_get_tail(&tr, 1, &s) != 0 || span_get_u8(&s, &nh) != 0 ||
	    span_get_tail(&tr, 1, &s) != 0 || span_get_u8(&s, &padlen) != 0 ||
	    span_get_tail(&tr, padlen, &s) != 0)
		return drop(sa, p, ESP_DROP_PAD, -E_SYNTAX);
	for (i = 0; i < padlen; i++)
		if (span_get_u8(&s, &b) != 0 || b != (uint8_t)(i + 1))
			return drop(sa, p, ESP_DROP_PAD, -E_SYNTAX);
	ilen = tr.len;
	if (nh == ESP_NH_NONE)
		return drop(sa, p, ESP_DROP_DUMMY, -E_AGAIN);
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6)
		return drop(sa, p, ESP_DROP_NEXT_HDR, -E_NOTSUP);
	if ((d = check_inner(sa, ct, &ilen, nh)) != ESP_DROP_NONE)
		return drop(sa, p, d, d == ESP_DROP_SPOOF ||
		    d == ESP_DROP_DEST ? -E_AUTH : -E_SYNTAX);

	p->off = (size_t)(ct - p->buf);
	p->len = ilen;
	account(sa, ilen);
	return 0;
}

int
esp_open(struct esp_sa *sa, struct esp_pkt *p)
{
	int r;

	if (sa == NULL)
		return -E_INVAL;
	sa_lock(sa);
	r = open_locked(sa, p);
	sa_unlock(sa);
	return r;
}

void
esp_sa_params_keys(struct esp_sa_params *p, const struct ike_keys_child *k,
    int we_initiated)
{
	/* RFC 7296 2.17: the "i" keys protect initiator-to-responder
	 * traffic: our inbound SA when we responded, our outbound one when
	 * we initiated. */
	int ikeys = (p->dir == ESP_IN) != (we_initiated != 0);

	p->encr_key = ikeys ? k->encr_i : k->encr_r;
	p->encr_len = k->encr_len;
	p->integ_key = ikeys ? k->integ_i : k->integ_r;
	p->integ_len = k->integ_len;
}

static int
family_ok(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* Validates everything in p that does not depend on the transforms. */
static int
check_params(const struct esp_sa_params *p)
{
	size_t i, n;

	if ((p->dir != ESP_IN && p->dir != ESP_OUT) || p->nts > ESP_TS_MAX ||
	    p->ndts > ESP_TS_MAX ||
	    (!p->esn && p->seq > UINT32_MAX))
		return -E_INVAL;
	/* RFC 4303 2.1: 0 is never sent and 1..255 are reserved. */
	if (p->spi < 256)
		return -E_INVAL;
	for (i = 0; i < p->nts + p->ndts; i++) {
		const struct esp_ts *t = i < p->nts ? &p->ts[i] :
		    &p->dts[i - p->nts];

		if (!family_ok(t->family))
			return -E_INVAL;
		n = t->family == AF_INET ? 4 : 16;
		if (memcmp(t->start, t->end, n) > 0)
			return -E_INVAL;
	}
	if (p->ndst > ESP_DST_MAX)
		return -E_INVAL;
	for (i = 0; i < p->ndst; i++) {
		if (!family_ok(p->dst[i].family))
			return -E_INVAL;
		for (n = 0; n < i; n++)
			if (p->dst[n].family == p->dst[i].family &&
			    memcmp(p->dst[n].a, p->dst[i].a,
			    sizeof(p->dst[i].a)) == 0)
				return -E_INVAL;
	}
	return 0;
}

/* Resolves the transforms of p into sa's ops and sizes. */
static int
pick_xforms(struct esp_sa *sa, const struct esp_sa_params *p,
    size_t *ckey, size_t *mkey)
{
	enum xform_hash h;
	size_t icv;

	switch (p->encr_id) {
	case XFORM_ENCR_AES_GCM_16:
	case XFORM_ENCR_CHACHA20_POLY1305:
		if (p->integ_id != 0)
			return -E_INVAL;	/* RFC 7296 3.3 */
		if (p->encr_id == XFORM_ENCR_CHACHA20_POLY1305 ?
		    p->encr_bits != 256 :
		    p->encr_bits != 128 && p->encr_bits != 256)
			return -E_NOTSUP;
		sa->aead = p->aead != NULL ? p->aead :
		    xform_find_aead(p->encr_id, p->encr_bits);
		if (sa->aead == NULL)
			return -E_NOTSUP;
		if (sa->aead->ike_id != p->encr_id ||
		    sa->aead->key_bits != p->encr_bits ||
		    sa->aead->icv_len != 16)
			return -E_INVAL;
		sa->kind = KIND_AEAD;
		sa->iv_len = XFORM_AEAD_IV_LEN;
		sa->icv_len = sa->aead->icv_len;
		sa->align = AEAD_ALIGN;
		*ckey = p->encr_bits / 8;
		*mkey = 0;
		/* RFC 4106 8.1, RFC 7634 4: key, then a 4-byte salt. */
		if (p->encr_len != *ckey + XFORM_AEAD_SALT_LEN ||
		    p->encr_key == NULL)
			return -E_INVAL;
		return 0;
	case XFORM_ENCR_AES_CBC:
		if (p->encr_bits != 128 && p->encr_bits != 256)
			return -E_NOTSUP;
		if (p->integ_id == 0)
			return -E_INVAL;	/* RFC 7296 3.3 */
		if (xform_integ_info(p->integ_id, &h, &icv, mkey) != 0)
			return -E_NOTSUP;
		sa->cipher = p->cipher != NULL ? p->cipher :
		    xform_find_cipher(XFORM_ENCR_AES_CBC, p->encr_bits);
		sa->mac = p->mac != NULL ? p->mac : xform_find_mac(h);
		if (sa->cipher == NULL || sa->mac == NULL)
			return -E_NOTSUP;
		if (sa->cipher->ike_id != XFORM_ENCR_AES_CBC ||
		    sa->cipher->key_bits != p->encr_bits ||
		    sa->cipher->block_len != CBC_BLOCK ||
		    sa->mac->hash != h || sa->mac->out_len < icv)
			return -E_INVAL;
		sa->kind = KIND_CBC;
		sa->iv_len = CBC_BLOCK;
		sa->icv_len = (uint8_t)icv;
		sa->align = CBC_BLOCK;
		*ckey = p->encr_bits / 8;
		if (p->encr_len != *ckey || p->encr_key == NULL ||
		    p->integ_len != *mkey || p->integ_key == NULL)
			return -E_INVAL;
		return 0;
	}
	return -E_NOTSUP;
}

int
esp_sa_new(const struct esp_sa_params *p, struct esp_sa **out)
{
	struct esp_sa tmp, *sa = NULL;
	size_t ckey = 0, mkey = 0, head, tsz, csz, msz, pool, total, i;
	int r = -E_INTERNAL;

	*out = NULL;
	if ((r = check_params(p)) != 0)
		goto out;
	/* Pick the ops first, to size the one allocation. */
	memset(&tmp, 0, sizeof(tmp));
	if ((r = pick_xforms(&tmp, p, &ckey, &mkey)) != 0)
		goto out;
	head = ROUND_CTX(sizeof(*sa));
	tsz = ROUND_CTX((p->nts + p->ndts) * sizeof(struct esp_ts));
	csz = ROUND_CTX(tmp.kind == KIND_AEAD ? tmp.aead->ctx_size :
	    tmp.cipher->ctx_size);
	msz = tmp.kind == KIND_CBC ? ROUND_CTX(tmp.mac->ctx_size) : 0;
	pool = tmp.kind == KIND_CBC && p->dir == ESP_OUT ? IVPOOL_LEN : 0;
	total = head + tsz + csz + msz + ROUND_CTX(pool);
	if ((sa = aligned_alloc(XFORM_CTX_ALIGN, total)) == NULL) {
		r = -E_NOMEM;
		goto out;
	}
	memset(sa, 0, total);
	sa->alloc_len = total;
	if (pthread_mutex_init(&sa->lock, NULL) != 0) {
		free(sa);
		sa = NULL;
		r = -E_NOMEM;
		goto out;
	}
	sa->spi = p->spi;
	sa->dir = (uint8_t)p->dir;
	sa->esn = p->esn != 0;
	sa->kind = tmp.kind;
	sa->iv_len = tmp.iv_len;
	sa->icv_len = tmp.icv_len;
	sa->align = tmp.align;
	sa->iv_xor = p->iv_xor;
	sa->life = p->life;
	sa->has_life = p->life.soft_bytes || p->life.hard_bytes ||
	    p->life.soft_packets || p->life.hard_packets;
	sa->hook = p->hook;
	sa->hook_arg = p->hook_arg;
	sa->user = p->user;
	sa->ts = (struct esp_ts *)(void *)((uint8_t *)sa + head);
	sa->nts = p->nts;
	memcpy(sa->ts, p->ts, p->nts * sizeof(*sa->ts));
	sa->dts = sa->ts + p->nts;
	sa->ndts = p->ndts;
	memcpy(sa->dts, p->dts, p->ndts * sizeof(*sa->dts));
	if (p->dir == ESP_IN) {
		sa->nkey = 1;
		sa->key[0].sa = sa;
		sa->key[0].spi = p->spi;
	} else {
		sa->nkey = p->ndst;
		for (i = 0; i < p->ndst; i++) {
			sa->key[i].sa = sa;
			sa->key[i].a = p->dst[i];
			/* Unused bytes zero, as in an inner packet's key. */
			if (p->dst[i].family == AF_INET)
				memset(sa->key[i].a.a + 4, 0, 12);
		}
	}
	sa->cctx = (uint8_t *)sa + head + tsz;
	if (msz > 0)
		sa->mctx = (uint8_t *)sa->cctx + csz;
	if (pool > 0)
		sa->ivpool = (uint8_t *)sa->cctx + csz + msz;

	/* Each op pointer is set just before its init, so that esp_sa_free
	 * runs cleanup only on contexts that init saw (cleanup is safe
	 * after a failed init, not on a context never initialized). */
	r = -E_CRYPTO;
	if (tmp.kind == KIND_AEAD) {
		sa->aead = tmp.aead;
		if ((r = sa->aead->init(sa->cctx, p->encr_key, ckey)) != 0)
			goto out;
		memcpy(sa->salt, p->encr_key + ckey, XFORM_AEAD_SALT_LEN);
	} else {
		sa->cipher = tmp.cipher;
		if ((r = sa->cipher->init(sa->cctx, p->encr_key, ckey)) != 0)
			goto out;
		sa->mac = tmp.mac;
		if ((r = sa->mac->init(sa->mctx, p->integ_key, mkey)) != 0)
			goto out;
		if (pool > 0 && xform_random(sa->ivpool, IVPOOL_LEN) != 0) {
			r = -E_CRYPTO;
			goto out;
		}
	}
	if (p->dir == ESP_OUT) {
		sa->seq = p->seq;
		sa->seq_max = sa->esn ? UINT64_MAX : UINT32_MAX;
	} else if (p->seq != 0)
		replay_init_at(&sa->win, sa->esn, p->seq);
	else
		replay_init(&sa->win, sa->esn);
	*out = sa;
	sa = NULL;
	r = 0;
 out:
	esp_sa_free(sa);
	return r;
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	if (sa->aead != NULL)
		sa->aead->cleanup(sa->cctx);
	if (sa->cipher != NULL)
		sa->cipher->cleanup(sa->cctx);
	if (sa->mac != NULL)
		sa->mac->cleanup(sa->mctx);
	(void)pthread_mutex_destroy(&sa->lock);
	/* The salt, the IV pool and the replay state go with it. */
	ct_wipe(sa, sa->alloc_len);
	free(sa);
}

uint32_t
esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

enum esp_dir
esp_sa_dir(const struct esp_sa *sa)
{
	return (enum esp_dir)sa->dir;
}

void *
esp_sa_user(const struct esp_sa *sa)
{
	return sa->user;
}

void
esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st)
{
	size_t i;

	st->packets = ctr_get(&sa->st.packets);
	st->bytes = ctr_get(&sa->st.bytes);
	for (i = 0; i < ESP_DROP__MAX; i++)
		st->drops[i] = ctr_get(&sa->st.drops[i]);
}

void
esp_sa_info(const struct esp_sa *sa, struct esp_sa_info *info)
{
	unsigned f = __atomic_load_n(&sa->fired, __ATOMIC_RELAXED);

	memset(info, 0, sizeof(*info));
	info->spi = sa->spi;
	info->dir = (enum esp_dir)sa->dir;
	info->esn = sa->esn;
	if (sa->kind == KIND_AEAD) {
		info->encr = sa->aead->name;
		info->integ = "";
		info->backend = sa->aead->backend;
	} else {
		info->encr = sa->cipher->name;
		info->integ = sa->mac->name;
		info->backend = sa->cipher->backend;
	}
	if (sa->dir == ESP_OUT)
		info->seq = __atomic_load_n(&sa->seq, __ATOMIC_RELAXED);
	else {
		/* The window is the data-plane threads': under the lock. */
		sa_lock((struct esp_sa *)(uintptr_t)sa);
		info->seq = sa->win.top;
		sa_unlock((struct esp_sa *)(uintptr_t)sa);
	}
	info->soft_fired = (f & FIRED_SOFT) != 0;
	info->hard_fired = (f & FIRED_HARD) != 0;
	info->exhausted = (f & FIRED_SEQ) != 0;
	info->life = sa->life;
	esp_sa_stats(sa, &info->stats);
}

void
esp_sa_overhead(const struct esp_sa *sa, size_t inner_len, size_t *head,
    size_t *tail)
{
	size_t pad = (sa->align - ((inner_len + ESP_TRAILER_LEN) &
	    (sa->align - 1))) & (sa->align - 1);

	*head = ESP_HDR_LEN + sa->iv_len;
	*tail = pad + ESP_TRAILER_LEN + sa->icv_len;
}

/*
 * The tables. Open addressing with linear probing over pointers to keys
 * (struct sa_key, inside the SAs); a removed entry leaves a tombstone so
 * that probe chains stay intact for concurrent readers. The load,
 * tombstones included, stays at most one half, so every probe ends at an
 * empty slot.
 */
#define TAB_MIN		16
#define TOMB		((struct sa_key *)(uintptr_t)1)

struct tab {
	struct qsbr_head qh;		/* retired: freed after grace */
	size_t		 mask;
	struct sa_key	*slot[];
};

struct side {
	struct tab	*t;		/* published */
	size_t		 live;		/* writer-only: keys */
	size_t		 used;		/* live + tombstones */
	int		 by_spi;
	struct qsbr	*q;		/* grace periods, or NULL */
};

struct esp_sadb {
	struct side	 in;		/* by SPI */
	struct side	 out;		/* by inner destination */
	struct esp_sa	*dflt[2];	/* outbound defaults: IPv4, IPv6 */
	size_t		 n_in, n_out;	/* writer-only: SAs */
	uint64_t	 drops[ESP_DROP__MAX];
};

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int
addr_eq(const struct esp_addr *a, const struct esp_addr *b)
{
	return a->family == b->family &&
	    memcmp(a->a, b->a, addr_len(a->family)) == 0;
}

/* SPIs are random already; the multiply spreads any pattern anyway. */
static size_t
hash_spi(uint32_t spi)
{
	return (size_t)(((uint64_t)spi * 0x9e3779b97f4a7c15ULL) >> 32);
}

static size_t
hash_addr(const struct esp_addr *a)
{
	uint64_t x, y;

	memcpy(&x, a->a, 8);
	memcpy(&y, a->a + 8, 8);
	x = (x ^ (uint64_t)a->family) * 0x9e3779b97f4a7c15ULL;
	y = y * 0xc2b2ae3d27d4eb4fULL;
	x ^= y ^ (x >> 29);
	return (size_t)(x ^ (x >> 32));
}

static struct tab *
tab_load(const struct side *s)
{
	return __atomic_load_n(&s->t, __ATOMIC_ACQUIRE);
}

static struct sa_key *
slot_load(struct tab *t, size_t i)
{
	return __atomic_load_n(&t->slot[i], __ATOMIC_ACQUIRE);
}

static void
slot_store(struct tab *t, size_t i, struct sa_key *k)
{
	__atomic_store_n(&t->slot[i], k, __ATOMIC_RELEASE);
}

static size_t
key_hash(const struct side *s, const struct sa_key *k)
{
	return s->by_spi ? hash_spi(k->spi) : hash_addr(&k->a);
}

static int
key_eq(const struct side *s, const struct sa_key *a, const struct sa_key *b)
{
	return s->by_spi ? a->spi == b->spi : addr_eq(&a->a, &b->a);
}

/* Returns the slot index holding a live key equal to k, or -1. */
static ssize_t
find_key(const struct side *s, const struct sa_key *k)
{
	struct tab *t = s->t;
	struct sa_key *e;
	size_t i;

	if (t == NULL)
		return -1;
	for (i = key_hash(s, k) & t->mask;; i = (i + 1) & t->mask) {
		if ((e = slot_load(t, i)) == NULL)
			return -1;
		if (e != TOMB && key_eq(s, e, k))
			return (ssize_t)i;
	}
}

/* Puts k in the first free or tombstone slot of its chain in t; returns
 * 1 when it took an empty slot (used grows), 0 for a tombstone. */
static int
place(const struct side *s, struct tab *t, struct sa_key *k)
{
	size_t i = key_hash(s, k) & t->mask;
	struct sa_key *e;

	for (;; i = (i + 1) & t->mask) {
		e = slot_load(t, i);
		if (e == NULL || e == TOMB) {
			slot_store(t, i, k);
			return e == NULL;
		}
	}
}

/* Adds k to s, which has room (reserve). */
static void
add_key(struct side *s, struct sa_key *k)
{
	s->used += (size_t)place(s, s->t, k);
	s->live++;
}

/* Removes the key k of its SA from s, if s holds that very key. */
static int
del_key(struct side *s, const struct sa_key *k)
{
	ssize_t i = find_key(s, k);

	if (i < 0 || s->t->slot[i] != k)
		return 0;
	slot_store(s->t, (size_t)i, TOMB);
	s->live--;
	return 1;
}

static void
tab_reclaim(struct qsbr_head *h)
{
	free((struct tab *)(void *)((char *)h - offsetof(struct tab, qh)));
}

/*
 * Makes room for n more keys: when live + tombstones would pass half the
 * slots, builds a new array sized for four times the live keys, copies
 * them, and publishes it with one release store.
 */
static int
reserve(struct side *s, size_t n)
{
	struct tab *nt, *ot = s->t;
	size_t cap = TAB_MIN, i;

	if (ot != NULL && (s->used + n) * 2 <= ot->mask + 1)
		return 0;
	while (cap < (s->live + n) * 4)
		cap *= 2;
	nt = calloc(1, sizeof(*nt) + cap * sizeof(nt->slot[0]));
	if (nt == NULL)
		return -E_NOMEM;
	nt->mask = cap - 1;
	s->used = 0;
	if (ot != NULL)
		for (i = 0; i <= ot->mask; i++)
			if (ot->slot[i] != NULL && ot->slot[i] != TOMB)
				s->used += (size_t)place(s, nt, ot->slot[i]);
	__atomic_store_n(&s->t, nt, __ATOMIC_RELEASE);
	/* Readers on other threads may still probe ot: it goes after a
	 * grace period (see esp.h). With one thread nobody can hold it. */
	if (ot != NULL && s->q != NULL)
		qsbr_call(s->q, &ot->qh, tab_reclaim);
	else
		free(ot);
	return 0;
}

struct esp_sadb *
esp_sadb_new(void)
{
	struct esp_sadb *db = calloc(1, sizeof(struct esp_sadb));

	if (db != NULL)
		db->in.by_spi = 1;
	return db;
}

void
esp_sadb_set_qsbr(struct esp_sadb *db, struct qsbr *q)
{
	db->in.q = q;
	db->out.q = q;
}

void
esp_sadb_free(struct esp_sadb *db)
{
	if (db == NULL)
		return;
	free(db->in.t);
	free(db->out.t);
	free(db);
}

static struct side *
side_of(struct esp_sadb *db, const struct esp_sa *sa)
{
	return sa->dir == ESP_IN ? &db->in : &db->out;
}

/* Sets sa's membership bits to m, keeping the SA counts right. */
static void
set_member(struct esp_sadb *db, struct esp_sa *sa, unsigned m)
{
	size_t *n = sa->dir == ESP_IN ? &db->n_in : &db->n_out;

	if (sa->member == 0 && m != 0)
		(*n)++;
	else if (sa->member != 0 && m == 0)
		(*n)--;
	sa->member = m;
}

int
esp_sadb_add(struct esp_sadb *db, struct esp_sa *sa)
{
	struct side *s = side_of(db, sa);
	size_t i;
	int r;

	if (sa->nkey == 0)
		return -E_INVAL;
	if (sa->member & MEMB_KEYED)
		return -E_EXIST;
	for (i = 0; i < sa->nkey; i++)
		if (find_key(s, &sa->key[i]) >= 0)
			return -E_EXIST;
	if ((r = reserve(s, sa->nkey)) != 0)
		return r;
	for (i = 0; i < sa->nkey; i++)
		add_key(s, &sa->key[i]);
	set_member(db, sa, sa->member | MEMB_KEYED);
	return 0;
}

int
esp_sadb_replace_out(struct esp_sadb *db, struct esp_sa *nsa,
    struct esp_sa **old)
{
	struct side *s = &db->out;
	struct esp_sa *o = NULL;
	size_t i, missing = 0;
	ssize_t j;
	int r;

	*old = NULL;
	if (nsa->dir != ESP_OUT || nsa->nkey == 0 ||
	    (nsa->member & MEMB_KEYED))
		return -E_INVAL;
	for (i = 0; i < nsa->nkey; i++) {
		if ((j = find_key(s, &nsa->key[i])) < 0)
			missing++;
		else if (o == NULL)
			o = s->t->slot[j]->sa;
		else if (s->t->slot[j]->sa != o)
			return -E_EXIST;
	}
	if (o == NULL)
		return esp_sadb_add(db, nsa);
	if ((r = reserve(s, missing)) != 0)
		return r;
	/* Each address moves to nsa in one store; then o's others go. */
	for (i = 0; i < nsa->nkey; i++) {
		if ((j = find_key(s, &nsa->key[i])) >= 0)
			slot_store(s->t, (size_t)j, &nsa->key[i]);
		else
			add_key(s, &nsa->key[i]);
	}
	for (i = 0; i < o->nkey; i++)
		(void)del_key(s, &o->key[i]);
	set_member(db, nsa, nsa->member | MEMB_KEYED);
	set_member(db, o, o->member & ~MEMB_KEYED);
	*old = o;
	return 0;
}

static int
family_idx(int family)
{
	return family == AF_INET ? 0 : family == AF_INET6 ? 1 : -1;
}

int
esp_sadb_set_default(struct esp_sadb *db, int family, struct esp_sa *sa,
    struct esp_sa **old)
{
	int f = family_idx(family);
	unsigned bit = f == 0 ? MEMB_DFLT4 : MEMB_DFLT6;
	struct esp_sa *o;

	*old = NULL;
	if (f < 0 || (sa != NULL && sa->dir != ESP_OUT))
		return -E_INVAL;
	o = db->dflt[f];
	*old = o;
	if (o == sa)
		return 0;
	__atomic_store_n(&db->dflt[f], sa, __ATOMIC_RELEASE);
	if (sa != NULL)
		set_member(db, sa, sa->member | bit);
	if (o != NULL)
		set_member(db, o, o->member & ~bit);
	return 0;
}

int
esp_sadb_remove(struct esp_sadb *db, struct esp_sa *sa)
{
	struct side *s = side_of(db, sa);
	size_t i;
	int f, found = 0;

	if (sa->member & MEMB_KEYED)
		for (i = 0; i < sa->nkey; i++)
			found |= del_key(s, &sa->key[i]);
	for (f = 0; f < 2; f++)
		if (sa->dir == ESP_OUT && db->dflt[f] == sa) {
			__atomic_store_n(&db->dflt[f], NULL,
			    __ATOMIC_RELEASE);
			found = 1;
		}
	if (sa->member != 0)
		set_member(db, sa, 0);
	return found ? 0 : -E_NOENT;
}

struct esp_sa *
esp_sadb_lookup_spi(const struct esp_sadb *db, uint32_t spi)
{
	struct tab *t = tab_load(&db->in);
	struct sa_key *e;
	size_t i;

	if (t == NULL)
		return NULL;
	for (i = hash_spi(spi) & t->mask;; i = (i + 1) & t->mask) {
		if ((e = slot_load(t, i)) == NULL)
			return NULL;
		if (e != TOMB && e->spi == spi)
			return e->sa;
	}
}

struct esp_sa *
esp_sadb_lookup_dst(const struct esp_sadb *db, const struct esp_addr *a)
{
	struct tab *t = tab_load(&db->out);
	struct sa_key *e;
	size_t i;
	int f = family_idx(a->family);

	if (f < 0)
		return NULL;
	for (i = t != NULL ? hash_addr(a) & t->mask : 0; t != NULL;
	    i = (i + 1) & t->mask) {
		if ((e = slot_load(t, i)) == NULL)
			break;
		if (e != TOMB && addr_eq(&e->a, a))
			return e->sa;
	}
	return __atomic_load_n(&db->dflt[f], __ATOMIC_ACQUIRE);
}

int
esp_sadb_spi_taken(uint32_t spi, void *arg)
{
	return esp_sadb_lookup_spi(arg, spi) != NULL;
}

static int
pkt_ok(const struct esp_pkt *p)
{
	return p->buf != NULL && p->off <= p->cap &&
	    p->len <= p->cap - p->off;
}

/*
 * The batch functions take an SA's lock once per run of its packets, not
 * per packet: runs are the common case (a flow, a GSO burst), so the lock
 * costs one atomic pair per run and another thread on the same SA waits
 * at most one run.
 */
size_t
esp_sadb_decap(struct esp_sadb *db, struct esp_pkt *pkts, size_t n)
{
	struct esp_sa *sa, *last = NULL;
	struct esp_pkt *p;
	struct span s;
	uint32_t spi;
	size_t i, ok = 0;

	for (i = 0; i < n; i++) {
		p = &pkts[i];
		p->sa = NULL;
		p->drop = ESP_DROP_NONE;
		if (!pkt_ok(p)) {
			p->r = -E_INVAL;
			continue;
		}
		s = span_make(p->buf + p->off, p->len);
		if (span_get_u32(&s, &spi) != 0 || s.len < 4) {
			ctr_add_shared(&db->drops[ESP_DROP_SHORT], 1);
			p->drop = ESP_DROP_SHORT;
			p->r = -E_SHORT;
			continue;
		}
		/* Packets of one flow come in runs: look each SPI up once. */
		if (last != NULL && last->spi == spi)
			sa = last;
		else if ((sa = esp_sadb_lookup_spi(db, spi)) == NULL) {
			ctr_add_shared(&db->drops[ESP_DROP_NO_SPI], 1);
			p->drop = ESP_DROP_NO_SPI;
			p->r = -E_NOENT;
			continue;
		}
		if (sa != last) {
			if (last != NULL)
				sa_unlock(last);
			sa_lock(sa);
			last = sa;
		}
		p->sa = sa;
		if ((p->r = open_locked(sa, p)) == 0)
			ok++;
	}
	if (last != NULL)
		sa_unlock(last);
	return ok;
}

/* Reads the destination of the inner packet at p into *a. */
static int
inner_dst(const struct esp_pkt *p, struct esp_addr *a)
{
	struct span s = span_make(p->buf + p->off, p->len), d;
	uint8_t vb;

	if (span_get_u8(&s, &vb) != 0)
		return -E_SHORT;
	s = span_make(p->buf + p->off, p->len);
	memset(a, 0, sizeof(*a));
	if (vb >> 4 == 4) {
		/* IPv4 destination at 16 (RFC 791 3.1). */
		if (span_skip(&s, 16) != 0 || span_get_bytes(&s, 4, &d) != 0)
			return -E_SHORT;
		a->family = AF_INET;
	} else if (vb >> 4 == 6) {
		/* IPv6 destination at 24 (RFC 8200 3). */
		if (span_skip(&s, 24) != 0 || span_get_bytes(&s, 16, &d) != 0)
			return -E_SHORT;
		a->family = AF_INET6;
	} else
		return -E_SYNTAX;
	memcpy(a->a, d.p, d.len);
	return 0;
}

size_t
esp_sadb_encap(struct esp_sadb *db, struct esp_pkt *pkts, size_t n)
{
	struct esp_sa *sa, *last = NULL, *locked = NULL;
	struct esp_addr a, la;
	struct esp_pkt *p;
	size_t i, ok = 0;

	for (i = 0; i < n; i++) {
		p = &pkts[i];
		p->sa = NULL;
		p->drop = ESP_DROP_NONE;
		if (!pkt_ok(p)) {
			p->r = -E_INVAL;
			continue;
		}
		if (inner_dst(p, &a) != 0) {
			ctr_add_shared(&db->drops[ESP_DROP_INNER], 1);
			p->drop = ESP_DROP_INNER;
			p->r = -E_SYNTAX;
			continue;
		}
		/* Packets of one flow come in runs: look each
		 * destination up once. */
		if (last != NULL && addr_eq(&la, &a))
			sa = last;
		else if ((sa = esp_sadb_lookup_dst(db, &a)) == NULL) {
			ctr_add_shared(&db->drops[ESP_DROP_NO_SA], 1);
			p->drop = ESP_DROP_NO_SA;
			p->r = -E_NOENT;
			continue;
		}
		if (sa != locked) {
			if (locked != NULL)
				sa_unlock(locked);
			sa_lock(sa);
			locked = sa;
		}
		last = sa;
		la = a;
		p->sa = sa;
		if ((p->r = seal_locked(sa, p)) == 0)
			ok++;
	}
	if (locked != NULL)
		sa_unlock(locked);
	return ok;
}

void
esp_sadb_stats(const struct esp_sadb *db, struct esp_sadb_stats *st)
{
	size_t i;

	for (i = 0; i < ESP_DROP__MAX; i++)
		st->drops[i] = ctr_get(&db->drops[i]);
	st->n_in = db->n_in;
	st->n_out = db->n_out;
}

/* Visits each SA of t once: at its first key. */
static int
foreach_tab(struct tab *t, esp_sadb_fn *fn, void *arg)
{
	struct sa_key *e;
	size_t i;
	int r;

	if (t == NULL)
		return 0;
	for (i = 0; i <= t->mask; i++)
		if ((e = slot_load(t, i)) != NULL && e != TOMB &&
		    e == &e->sa->key[0] && (r = fn(e->sa, arg)) != 0)
			return r;
	return 0;
}

int
esp_sadb_foreach(const struct esp_sadb *db, esp_sadb_fn *fn, void *arg)
{
	struct esp_sa *d4 = __atomic_load_n(&db->dflt[0], __ATOMIC_ACQUIRE);
	struct esp_sa *d6 = __atomic_load_n(&db->dflt[1], __ATOMIC_ACQUIRE);
	int r;

	if ((r = foreach_tab(tab_load(&db->in), fn, arg)) != 0 ||
	    (r = foreach_tab(tab_load(&db->out), fn, arg)) != 0)
		return r;
	/* Defaults without keys were not visited above. */
	if (d4 != NULL && !(d4->member & MEMB_KEYED) &&
	    (r = fn(d4, arg)) != 0)
		return r;
	if (d6 != NULL && d6 != d4 && !(d6->member & MEMB_KEYED))
		return fn(d6, arg);
	return 0;
}
