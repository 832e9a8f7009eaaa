/* dp.c: TUN <-> ESP <-> UDP, in batches, without per-packet allocation,
 * for the gateway and the client alike (see dp.h). */
#include "config.h"

#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "core/cfg.h"
#include "core/child_sa.h"
#include "core/ct.h"
#include "core/dp.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/gso.h"
#include "core/log.h"
#include "tun/tun.h"

#define DP_SLOTS	64		/* segments sealed per send batch */
#define DP_ROUNDS	4		/* batches per wakeup, for fairness */
#define DP_HEAD		64		/* headroom: >= ESP_HEADROOM_MAX */
#define DP_SLOT		4096		/* inner MTU + headroom + tailroom */
#define DP_MAX_MTU	(DP_SLOT - DP_HEAD - ESP_TAILROOM_MAX)
#define DP_HASH		1024		/* CHILD SA buckets (by our SPI) */
/* One TUN read in offload mode: a TSO/USO super-packet (the device's
 * GSO limit is 64 KB, GSO_LEGACY_MAX_SIZE) and some slack, so that
 * anything larger shows as truncated. */
#define DP_SUPER	(65536 + 512)

_Static_assert(TUN_VNET_HDR_LEN == GSO_VNET_HDR_LEN,
    "tun and gso disagree on the virtio-net header");
_Static_assert(DP_VIPS_MAX <= ESP_DST_MAX,
    "an outbound SA must have room for every inner address");

struct dp_child {
	struct dp_child	*next;
	struct esp_sa	*in, *out;
	uint32_t	 spi_in;
	int		 initiator;	/* we initiated it: a client */
	struct net_path	 path;		/* where this CHILD SA's ESP goes */
	uint64_t	 last_rx;
};

struct dp {
	uv_poll_t	 poll;
	struct tun	*tun;
	struct net	*net;
	struct esp_sadb	*db;
	struct dp_child	*children[DP_HASH];
	struct dp_ops	 ops;
	int		 closing;
	int		 own_tun;	/* we opened it: we close it */
	unsigned int	 offload;	/* tun_offload() */
	/* Inner packets read and written; system calls that did it. */
	uint64_t	 tun_rx, tun_tx, tun_tx_drop, esp_tx_err, tun_rx_err;
	uint64_t	 tun_reads, tun_writes;
	/* Offload mode: super-packets read and split, coalesced packets
	 * written, and reads dropped as malformed or too large. */
	uint64_t	 gso_rx, gro_tx, gso_bad;
	/* Outbound slots; inbound packets are opened in net's slots. */
	struct tun_pkt	 tp[DP_SLOTS];
	struct esp_pkt	 ep[DP_SLOTS];
	struct esp_pkt	 ep_in[NET_BATCH];
	struct tun_pkt	 tp_in[NET_BATCH];
	const struct net_path *paths[DP_SLOTS];
	struct span	 out[DP_SLOTS];
	/* Offload mode: the super-packet being split into the slots (it may
	 * take several batches), and the inbound coalescing state. */
	struct tun_pkt	 sp;
	struct gso_split split;
	int		 splitting;
	struct gso_seg	 seg[DP_SLOTS];
	struct gso_pkt	 gin[NET_BATCH];
	struct gso_out	 gout[NET_BATCH];
	size_t		 gorder[NET_BATCH];
	struct iovec	 iov[NET_BATCH + 1];
	uint8_t		 vhdr[GSO_VNET_HDR_LEN];
	uint8_t		 slots[DP_SLOTS][DP_SLOT] __attribute__((aligned(64)));
	uint8_t		 super[DP_SUPER] __attribute__((aligned(64)));
};

static struct log_ratelimit rl_dp;

static struct dp_child **
child_slot(struct dp *dp, uint32_t spi)
{
	struct dp_child **pp;

	for (pp = &dp->children[spi % DP_HASH]; *pp; pp = &(*pp)->next)
		if ((*pp)->spi_in == spi)
			break;
	return pp;
}

static const struct dp_child *
child_find(const struct dp *dp, uint32_t spi)
{
	const struct dp_child *c;

	for (c = dp->children[spi % DP_HASH]; c; c = c->next)
		if (c->spi_in == spi)
			return c;
	return NULL;
}

static void
tun_read_failed(struct dp *dp, int n)
{
	dp->tun_rx_err++;
	if (log_ratelimit_ok(&rl_dp, 5))
		log_warnx(SUB_TUN, "reading %s: %s", tun_name(dp->tun),
		    tun_strerror(n));
}

/* Plain TUN: one packet per read, straight into the slots. Returns the
 * number read; *idle is set when the device had no more. */
static size_t
read_plain(struct dp *dp, int *idle)
{
	size_t i;
	int n;

	for (i = 0; i < DP_SLOTS; i++) {
		dp->tp[i].buf = dp->slots[i];
		dp->tp[i].cap = DP_SLOT - ESP_TAILROOM_MAX;
		dp->tp[i].len = 0;
	}
	if ((n = tun_read_batch(dp->tun, dp->tp, DP_SLOTS, DP_HEAD)) <= 0) {
		if (n < 0)
			tun_read_failed(dp, n);
		*idle = 1;
		return 0;
	}
	dp->tun_reads += (uint64_t)n;
	if (n < DP_SLOTS)
		*idle = 1;
	for (i = 0; i < (size_t)n; i++)
		dp->seg[i].len = dp->tp[i].len;
	return (size_t)n;
}

/*
 * Offload mode: reads (super-)packets into dp->super and splits them into
 * the slots, until the slots are full or the device has no more (*idle);
 * a super-packet that does not fit stays in dp->splitting for the next
 * batch. With may_read 0 it only finishes that one.
 */
static size_t
read_split(struct dp *dp, int may_read, int *idle)
{
	struct gso_hdr h;
	size_t i, k = 0;
	int n, r;

	while (k < DP_SLOTS) {
		if (!dp->splitting) {
			if (!may_read)
				break;
			dp->sp.buf = dp->super;
			dp->sp.cap = sizeof(dp->super);
			dp->sp.len = 0;
			if ((n = tun_read_batch(dp->tun, &dp->sp, 1, 0)) <= 0) {
				if (n < 0)
					tun_read_failed(dp, n);
				*idle = 1;
				break;
			}
			dp->tun_reads++;
			gso_hdr_decode(dp->sp.vnet, &h);
			if ((r = gso_split_init(&dp->split, &h, dp->super,
			    dp->sp.len, DP_MAX_MTU)) != 0) {
				dp->gso_bad++;
				if (log_ratelimit_ok(&rl_dp, 5))
					log_warnx(SUB_TUN, "%s: dropped a %zu-"
					    "byte packet (GSO type %u, size "
					    "%u): %s", tun_name(dp->tun),
					    dp->sp.len, h.gso_type, h.gso_size,
					    err_str(r));
				continue;
			}
			if (h.gso_type != GSO_NONE)
				dp->gso_rx++;
			dp->splitting = 1;
		}
		for (i = k; i < DP_SLOTS; i++) {
			dp->seg[i].p = dp->slots[i] + DP_HEAD;
			dp->seg[i].cap = DP_MAX_MTU;
			dp->seg[i].len = 0;
		}
		k += gso_split_next(&dp->split, dp->seg + k, DP_SLOTS - k);
		if (gso_split_done(&dp->split))
			dp->splitting = 0;
	}
	return k;
}

/* Seals the n inner packets in the slots (at DP_HEAD, dp->seg[i].len
 * bytes) and sends them. */
static void
seal_send(struct dp *dp, size_t n)
{
	struct dp_child *c;
	size_t i, k, sent;

	dp->tun_rx += n;
	for (i = 0; i < n; i++) {
		memset(&dp->ep[i], 0, sizeof(dp->ep[i]));
		dp->ep[i].buf = dp->slots[i];
		dp->ep[i].cap = DP_SLOT;
		dp->ep[i].off = DP_HEAD;
		dp->ep[i].len = dp->seg[i].len;
	}
	esp_sadb_encap(dp->db, dp->ep, n);
	for (i = 0, k = 0; i < n; i++) {
		if (dp->ep[i].r != 0)
			continue;
		c = esp_sa_user(dp->ep[i].sa);
		dp->paths[k] = &c->path;
		dp->out[k] = span_make(dp->ep[i].buf + dp->ep[i].off,
		    dp->ep[i].len);
		k++;
	}
	if (k > 0) {
		sent = net_send_esp(dp->net, dp->paths, dp->out, k);
		dp->esp_tx_err += k - sent;
	}
}

/* Outbound: the kernel routed packets into the TUN device. */
static void
on_tun(uv_poll_t *h, int status, int events)
{
	struct dp *dp = h->data;
	size_t n;
	int round, idle;

	if (status < 0 || !(events & UV_READABLE) || dp->closing)
		return;
	/* A super-packet split across batches is finished even past the
	 * round limit: nothing else would wake us up for its rest. */
	for (round = 0; round < DP_ROUNDS || dp->splitting; round++) {
		idle = 0;
		if (dp->offload & TUN_OFF_VNET)
			n = read_split(dp, round < DP_ROUNDS, &idle);
		else
			n = read_plain(dp, &idle);
		if (n > 0)
			seal_send(dp, n);
		if (idle && !dp->splitting)
			return;
	}
}

/* Counted drops are also worth a line, rate-limited: those that mean an
 * attack or a broken peer at info, the ordinary ones (replays, dummy
 * packets) at debug. */
static void
log_drop(const struct esp_pkt *p, const struct net_path *path)
{
	static struct log_ratelimit rl;
	char ps[NET_ADDRSTRLEN];
	enum log_level lvl;

	switch (p->drop) {
	case ESP_DROP_SPOOF:
	case ESP_DROP_DEST:
	case ESP_DROP_ICV:
	case ESP_DROP_NO_SPI:
	case ESP_DROP_PAD:
	case ESP_DROP_INNER:
		lvl = LOGL_INFO;
		break;
	default:
		lvl = LOGL_DEBUG;
		break;
	}
	if (!log_enabled(SUB_ESP, lvl) || !log_ratelimit_ok(&rl, 10))
		return;
	log_msg(SUB_ESP, lvl, 0, 0, "ESP packet from %s dropped: %s",
	    net_addr_str((const struct sockaddr *)&path->remote, ps,
	    sizeof(ps)), esp_drop_name(p->drop));
}

/* Offload mode: writes the k decrypted packets in dp->gin, coalescing
 * the segments of each TCP flow into super-packets. */
static void
write_coalesced(struct dp *dp, size_t k)
{
	const struct gso_out *o;
	size_t j, m, i, no;
	int w;

	no = gso_coalesce(dp->gin, k, dp->gout, dp->gorder);
	for (j = 0; j < no; j++) {
		o = &dp->gout[j];
		gso_hdr_encode(&o->hdr, dp->vhdr);
		dp->iov[0].iov_base = dp->vhdr;
		dp->iov[0].iov_len = sizeof(dp->vhdr);
		/* The first packet whole, the others' payloads after it:
		 * gathered by the kernel, no copy here. */
		for (m = 0; m < o->count; m++) {
			i = dp->gorder[o->start + m];
			dp->iov[1 + m].iov_base = dp->gin[i].p +
			    (m > 0 ? o->hlen : 0);
			dp->iov[1 + m].iov_len = dp->gin[i].len -
			    (m > 0 ? o->hlen : 0);
		}
		if ((w = tun_write_iov(dp->tun, dp->iov, 1 + o->count)) <= 0) {
			/* The device queue is full or the link is down:
			 * these packets are lost, as on a congested link. */
			for (; j < no; j++)
				dp->tun_tx_drop += dp->gout[j].count;
			break;
		}
		dp->tun_writes++;
		dp->tun_tx += o->count;
		if (o->count > 1)
			dp->gro_tx++;
	}
}

/* The peer of c is alive: its ESP authenticated at now. */
static void
child_alive(struct dp *dp, struct dp_child *c, uint64_t now)
{
	c->last_rx = now;
	if (dp->ops.alive != NULL)
		dp->ops.alive(dp->ops.arg, c->spi_in);
}

void
dp_esp_input(void *arg, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *paths, size_t n)
{
	struct dp *dp = arg;
	struct dp_child *c, *run = NULL;
	uint64_t now = uv_now(dp->poll.loop);
	size_t i, k, done;
	int w;

	if (n > NET_BATCH)
		n = NET_BATCH;
	for (i = 0; i < n; i++) {
		memset(&dp->ep_in[i], 0, sizeof(dp->ep_in[i]));
		dp->ep_in[i].buf = pkts[i];
		dp->ep_in[i].cap = NET_SLOT;
		dp->ep_in[i].len = lens[i];
	}
	esp_sadb_decap(dp->db, dp->ep_in, n);
	for (i = 0, k = 0; i < n; i++) {
		/* RFC 4303 2.6: a dummy packet is authentic too, just not
		 * delivered. */
		if (dp->ep_in[i].r != 0 &&
		    dp->ep_in[i].drop != ESP_DROP_DUMMY) {
			log_drop(&dp->ep_in[i], &paths[i]);
			continue;
		}
		c = esp_sa_user(dp->ep_in[i].sa);
		/* RFC 3948 5: a NAT may have rebound the client's port;
		 * follow it, but only on authenticated packets. A client
		 * keeps the gateway's address it was given. */
		if (!c->initiator)
			c->path = paths[i];
		if (c != run) {
			child_alive(dp, c, now);
			run = c;
		}
		if (dp->ep_in[i].r != 0)
			continue;
		dp->tp_in[k].buf = dp->ep_in[i].buf + dp->ep_in[i].off;
		dp->tp_in[k].cap = dp->ep_in[i].len;
		dp->tp_in[k].len = dp->ep_in[i].len;
		dp->gin[k].p = dp->tp_in[k].buf;
		dp->gin[k].len = dp->tp_in[k].len;
		k++;
	}
	if (dp->offload & TUN_OFF_VNET) {
		write_coalesced(dp, k);
		return;
	}
	for (done = 0; done < k; done += (size_t)w) {
		if ((w = tun_write_batch(dp->tun, dp->tp_in + done, k - done,
		    0)) <= 0) {
			/* The device queue is full or the link is down:
			 * these packets are lost, as on a congested link. */
			dp->tun_tx_drop += k - done;
			break;
		}
		dp->tun_tx += (uint64_t)w;
		dp->tun_writes += (uint64_t)w;
	}
}

static void
sel_to_ts(const struct child_sa_sel *s, struct esp_ts *t)
{
	memset(t, 0, sizeof(*t));
	t->family = s->family;
	memcpy(t->start, s->start, sizeof(t->start));
	memcpy(t->end, s->end, sizeof(t->end));
}

/* Copies the selectors sel[0..n) into ts[0..n). */
static void
sels_to_ts(const struct child_sa_sel *sel, size_t n, struct esp_ts *ts)
{
	size_t i;

	for (i = 0; i < n; i++)
		sel_to_ts(&sel[i], &ts[i]);
}

/* Returns 1 when one of sel[0..n) is of family. */
static int
sels_have(const struct child_sa_sel *sel, size_t n, int family)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sel[i].family == family)
			return 1;
	return 0;
}

/* The client's outbound SA becomes the default of each family its
 * gateway's TSr covers; all or none. */
static int
defaults_set(struct dp *dp, const struct child_sa *c, struct esp_sa *out)
{
	static const int fam[2] = { AF_INET, AF_INET6 };
	struct esp_sa *old;
	size_t i, j;
	int r;

	for (i = 0; i < 2; i++) {
		if (!sels_have(c->ts.r, c->ts.nr, fam[i]))
			continue;
		if ((r = esp_sadb_set_default(dp->db, fam[i], out,
		    &old)) != 0 || old != NULL) {
			/* Another CHILD SA has it: put it back. */
			if (r == 0 && esp_sadb_set_default(dp->db, fam[i],
			    old, &old) != 0)
				r = -E_INTERNAL;
			for (j = 0; j < i; j++)
				if (sels_have(c->ts.r, c->ts.nr, fam[j]) &&
				    esp_sadb_set_default(dp->db, fam[j], NULL,
				    &old) != 0)
					r = -E_INTERNAL;
			return r != 0 ? r : -E_EXIST;
		}
	}
	return 0;
}

int
dp_child_up(struct dp *dp, const struct child_sa *c,
    const struct pool_addr *vips, size_t nvip, const struct net_path *path)
{
	struct esp_sa_params p;
	struct dp_child *ch = NULL, **pp;
	int ini = c->we_initiated != 0, in_added = 0;
	size_t i;
	int r = -E_INTERNAL;

	memset(&p, 0, sizeof(p));
	pp = child_slot(dp, c->spi_in);
	if (*pp != NULL)
		return -E_EXIST;
	if ((!ini && (vips == NULL || nvip == 0)) || nvip > DP_VIPS_MAX)
		return -E_INVAL;
	/* Every selector must be enforced; refuse rather than drop some. */
	if (c->ts.ni > ESP_TS_MAX || c->ts.nr > ESP_TS_MAX)
		return -E_TOOMANY;
	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return -E_NOMEM;
	ch->spi_in = c->spi_in;
	ch->initiator = ini;
	ch->path = *path;
	/* ESP always travels in UDP on the NAT-T port (RFC 3948): we have
	 * no kernel ESP to receive raw protocol 50. */
	ch->path.natt = 1;

	p.spi = c->spi_in;
	p.dir = ESP_IN;
	p.esn = c->prop.esn;
	p.encr_id = c->prop.encr;
	p.encr_bits = c->prop.encr_bits ? c->prop.encr_bits : 256;
	p.integ_id = c->prop.integ;
	p.user = ch;
	esp_sa_params_keys(&p, &c->keys, ini);
	/* RFC 4301 5.2: inbound inner sources must be in the peer's
	 * selectors and destinations in ours: the client's TSi and the
	 * networks its policy lets it reach on a gateway (split include,
	 * nothing else the gateway routes); the gateway's TSr and our
	 * inner addresses on a client. */
	sels_to_ts(ini ? c->ts.r : c->ts.i, ini ? c->ts.nr : c->ts.ni, p.ts);
	p.nts = ini ? c->ts.nr : c->ts.ni;
	sels_to_ts(ini ? c->ts.i : c->ts.r, ini ? c->ts.ni : c->ts.nr, p.dts);
	p.ndts = ini ? c->ts.ni : c->ts.nr;
	if ((r = esp_sa_new(&p, &ch->in)) != 0)
		goto fail;

	p.spi = c->spi_out;
	p.dir = ESP_OUT;
	p.nts = 0;
	p.ndts = 0;
	memset(p.ts, 0, sizeof(p.ts));
	memset(p.dts, 0, sizeof(p.dts));
	for (i = 0; !ini && i < nvip; i++) {
		p.dst[i].family = vips[i].family;
		memcpy(p.dst[i].a, vips[i].a, sizeof(p.dst[i].a));
	}
	p.ndst = ini ? 0 : nvip;
	esp_sa_params_keys(&p, &c->keys, ini);
	if ((r = esp_sa_new(&p, &ch->out)) != 0)
		goto fail;
	if ((r = esp_sadb_add(dp->db, ch->in)) != 0)
		goto fail;
	in_added = 1;
	if ((r = ini ? defaults_set(dp, c, ch->out) :
	    esp_sadb_add(dp->db, ch->out)) != 0)
		goto fail;
	*pp = ch;
	ch = NULL;
	r = 0;
fail:
	if (ch != NULL) {
		if (in_added && esp_sadb_remove(dp->db, ch->in) != 0)
			log_warnx(SUB_ESP, "SA %08x vanished", ch->spi_in);
		esp_sa_free(ch->in);
		esp_sa_free(ch->out);
		free(ch);
	}
	ct_wipe(&p, sizeof(p));
	return r;
}

static void
child_free(struct dp *dp, struct dp_child *ch)
{
	if (esp_sadb_remove(dp->db, ch->in) != 0 ||
	    esp_sadb_remove(dp->db, ch->out) != 0)
		log_warnx(SUB_ESP, "SA %08x was not in the table", ch->spi_in);
	esp_sa_free(ch->in);
	esp_sa_free(ch->out);
	free(ch);
}

void
dp_child_down(struct dp *dp, uint32_t spi_in)
{
	struct dp_child **pp = child_slot(dp, spi_in), *ch = *pp;

	if (ch == NULL)
		return;
	*pp = ch->next;
	child_free(dp, ch);
}

int
dp_child_stats(const struct dp *dp, uint32_t spi_in,
    struct dp_child_stats *st)
{
	const struct dp_child *ch = child_find(dp, spi_in);
	struct esp_sa_stats in, out;
	size_t i;

	memset(st, 0, sizeof(*st));
	if (ch == NULL)
		return -E_NOENT;
	esp_sa_stats(ch->in, &in);
	esp_sa_stats(ch->out, &out);
	st->packets_in = in.packets;
	st->bytes_in = in.bytes;
	st->packets_out = out.packets;
	st->bytes_out = out.bytes;
	for (i = 0; i < ESP_DROP__MAX; i++) {
		st->drops_in += in.drops[i];
		st->drops_out += out.drops[i];
	}
	return 0;
}

uint64_t
dp_child_last_rx(const struct dp *dp, uint32_t spi_in)
{
	const struct dp_child *ch = child_find(dp, spi_in);

	return ch != NULL ? ch->last_rx : 0;
}

/* Per-reason totals over every SA plus the table's own drops. */
struct drop_sum {
	uint64_t	drops[ESP_DROP__MAX];
};

static int
sum_sa(struct esp_sa *sa, void *arg)
{
	struct drop_sum *d = arg;
	struct esp_sa_stats st;
	size_t i;

	esp_sa_stats(sa, &st);
	for (i = 0; i < ESP_DROP__MAX; i++)
		d->drops[i] += st.drops[i];
	return 0;
}

/* Names the TUN_OFF_* bits in effect ("tso+uso", "none"). */
static const char *
offload_str(unsigned int off)
{
	if (!(off & TUN_OFF_VNET))
		return "none";
	if (off & TUN_OFF_USO)
		return "gro+tso+uso";
	if (off & TUN_OFF_TSO)
		return "gro+tso";
	return "gro";
}

int
dp_show(const struct dp *dp, struct buf *out, int json)
{
	struct esp_sadb_stats ts;
	struct tun_stats tst;
	struct drop_sum d;
	char line[384];
	size_t i;
	int n, r = 0, first = 1;

	memset(&d, 0, sizeof(d));
	esp_sadb_stats(dp->db, &ts);
	(void)esp_sadb_foreach(dp->db, sum_sa, &d);
	for (i = 0; i < ESP_DROP__MAX; i++)
		d.drops[i] += ts.drops[i];
	n = snprintf(line, sizeof(line), json ?
	    "{\"tun\":\"%s\",\"sas_in\":%zu,\"sas_out\":%zu,\"tun_rx\":%llu,"
	    "\"tun_tx\":%llu,\"tun_tx_drop\":%llu,\"esp_tx_err\":%llu," :
	    "data plane on %s: %zu inbound and %zu outbound SAs\n"
	    "  tun read %llu written %llu write drops %llu esp send errors "
	    "%llu\n", tun_name(dp->tun), ts.n_in, ts.n_out,
	    (unsigned long long)dp->tun_rx, (unsigned long long)dp->tun_tx,
	    (unsigned long long)dp->tun_tx_drop,
	    (unsigned long long)dp->esp_tx_err);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	/* How many packets each system call moved, the offloads, and what
	 * the device refused or truncated. */
	tun_get_stats(dp->tun, &tst);
	n = snprintf(line, sizeof(line), json ?
	    "\"offload\":\"%s\",\"tun_reads\":%llu,\"tun_writes\":%llu,"
	    "\"gso_rx\":%llu,\"gro_tx\":%llu,\"gso_bad\":%llu,"
	    "\"tun_rx_truncated\":%llu,\"tun_tx_invalid\":%llu,"
	    "\"drops\":{" :
	    "  offload %s: reads %llu writes %llu super-packets split %llu "
	    "coalesced %llu malformed %llu\n"
	    "  device: reads truncated %llu writes refused %llu\n  drops:",
	    offload_str(dp->offload), (unsigned long long)dp->tun_reads,
	    (unsigned long long)dp->tun_writes,
	    (unsigned long long)dp->gso_rx, (unsigned long long)dp->gro_tx,
	    (unsigned long long)dp->gso_bad,
	    (unsigned long long)tst.rx_truncated,
	    (unsigned long long)tst.tx_invalid);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	for (i = 1; i < ESP_DROP__MAX && r == 0; i++) {
		n = snprintf(line, sizeof(line), json ? "%s\"%s\":%llu" :
		    " %s%s %llu", json && !first ? "," : "",
		    esp_drop_name((enum esp_drop)i),
		    (unsigned long long)d.drops[i]);
		first = 0;
		r = buf_add(out, line, (size_t)n);
	}
	if (r == 0)
		r = buf_add_span(out, span_str(json ? "}}\n" : "\n"));
	return r;
}

/* Adds the routes of an IPv4 range as the fewest covering prefixes. */
static int
route_range4(const char *ifname, const uint8_t *first, const uint8_t *last)
{
	uint32_t a = (uint32_t)first[0] << 24 | (uint32_t)first[1] << 16 |
	    (uint32_t)first[2] << 8 | first[3];
	uint32_t z = (uint32_t)last[0] << 24 | (uint32_t)last[1] << 16 |
	    (uint32_t)last[2] << 8 | last[3];
	struct tun_prefix p;
	unsigned len;
	int r;

	while (a <= z) {
		/* The largest aligned block at a that stays within z. */
		for (len = 0; len < 32; len++) {
			uint64_t size = 1ULL << (32 - len);

			if ((a & (uint32_t)(size - 1)) == 0 &&
			    (uint64_t)a + size - 1 <= z)
				break;
		}
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		p.a[0] = (uint8_t)(a >> 24);
		p.a[1] = (uint8_t)(a >> 16);
		p.a[2] = (uint8_t)(a >> 8);
		p.a[3] = (uint8_t)a;
		p.len = len;
		if ((r = tun_route_add(ifname, &p)) != 0)
			return r;
		if (len == 0 || (uint64_t)a + (1ULL << (32 - len)) > UINT32_MAX)
			break;
		a += (uint32_t)(1ULL << (32 - len));
	}
	return 0;
}

/* The shortest prefix covering the IPv6 range first..last. */
static void
prefix6_cover(const uint8_t *first, const uint8_t *last,
    struct tun_prefix *p)
{
	unsigned len = 0;
	uint8_t x;

	memset(p, 0, sizeof(*p));
	p->family = AF_INET6;
	while (len < 128) {
		x = first[len / 8] ^ last[len / 8];
		if (x & (0x80 >> (len % 8)))
			break;
		len++;
	}
	memcpy(p->a, first, (len + 7) / 8);
	if (len % 8 != 0)
		p->a[len / 8] &= (uint8_t)(0xff << (8 - len % 8));
	p->len = len;
}

/* Brings the device up and routes the pools to it. Returns 0, or
 * -TUN_E_PERM when we may not (the operator configured it). An IPv6
 * pool the kernel will not route (IPv6 disabled on the device or the
 * host) costs only its clients' IPv6 traffic: said once, not fatal.
 * Sets *v6 when an IPv6 pool was routed. */
static int
configure_tun(struct dp *dp, const struct dp_config *cfg, int *v6)
{
	const char *ifname = tun_name(dp->tun);
	const struct cfg_pool *pl;
	struct tun_prefix p;
	size_t i, j;
	int r, warned = 0;

	*v6 = 0;
	if ((r = tun_link_up(ifname)) != 0)
		return r;
	if (cfg->mtu != 0 && (r = tun_link_mtu(ifname, cfg->mtu)) != 0)
		return r;
	for (i = 0; cfg->cfg != NULL && i < cfg_pool_count(cfg->cfg); i++) {
		pl = cfg_pool_at(cfg->cfg, i);
		for (j = 0; j < pl->nseg; j++) {
			const struct cfg_pool_seg *sg = &pl->seg[j];

			if (sg->is_net) {
				memset(&p, 0, sizeof(p));
				p.family = sg->first.family;
				memcpy(p.a, sg->first.a, sizeof(p.a));
				p.len = sg->len;
				r = tun_route_add(ifname, &p);
			} else if (sg->first.family == AF_INET)
				r = route_range4(ifname, sg->first.a,
				    sg->last.a);
			else {
				/* An IPv6 range: the prefix that covers
				 * it (addresses of it not leased find no
				 * SA and are dropped). */
				prefix6_cover(sg->first.a, sg->last.a, &p);
				r = tun_route_add(ifname, &p);
			}
			if (r == 0 && sg->first.family == AF_INET6)
				*v6 = 1;
			else if (r != 0 && r != -TUN_E_PERM &&
			    sg->first.family == AF_INET6) {
				if (!warned++)
					log_warnx(SUB_TUN, "%s: cannot route "
					    "IPv6 pool %s: %s%s%s (IPv6 "
					    "disabled?); its clients get no "
					    "IPv6 traffic", ifname, pl->name,
					    tun_strerror(r),
					    r == -TUN_E_SYS ? ": " : "",
					    r == -TUN_E_SYS ?
					    strerror(errno) : "");
			} else if (r != 0)
				return r;
		}
	}
	return 0;
}

/* Says when the kernel will not forward what clients send to others:
 * path is the sysctl's file, name its name. */
static void
warn_forwarding(const char *path, const char *name, const char *what)
{
	FILE *f = fopen(path, "r");
	int c;

	if (f == NULL)
		return;
	c = fgetc(f);
	fclose(f);
	if (c == '0')
		log_warnx(SUB_TUN, "%s forwarding is off (%s = 0): clients "
		    "reach only this host", what, name);
}

/* Opens and configures the gateway's device (cfg->tun). */
static int
open_own(struct dp *dp, const struct dp_config *cfg)
{
	int r, v6;

	if ((r = tun_open(cfg->tun, TUN_OPEN_OFFLOAD, &dp->tun)) != 0) {
		log_errx(SUB_TUN, "TUN device %s: %s%s%s", cfg->tun,
		    tun_strerror(r), r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    ": " : "", r == -TUN_E_SYS || r == -TUN_E_NODRV ?
		    strerror(errno) : "");
		return -E_SYS;
	}
	dp->own_tun = 1;
	r = configure_tun(dp, cfg, &v6);
	if (r == -TUN_E_PERM)
		log_info(SUB_TUN, "no CAP_NET_ADMIN: %s must have been "
		    "configured beforehand (link up, MTU, routes to the "
		    "pools); leaving it as it is", tun_name(dp->tun));
	else if (r != 0) {
		log_errx(SUB_TUN, "configuring %s: %s", tun_name(dp->tun),
		    tun_strerror(r));
		return -E_SYS;
	}
	warn_forwarding("/proc/sys/net/ipv4/ip_forward", "net.ipv4.ip_forward",
	    "IPv4");
	if (v6)
		warn_forwarding("/proc/sys/net/ipv6/conf/all/forwarding",
		    "net.ipv6.conf.all.forwarding", "IPv6");
	return 0;
}

int
dp_start(uv_loop_t *loop, struct net *net, const struct dp_config *cfg,
    struct dp **out)
{
	const char *note;
	struct dp *dp;
	unsigned mtu = 0;
	int e;

	if (cfg->dev == NULL && cfg->mtu > DP_MAX_MTU) {
		log_errx(SUB_TUN, "MTU %u is above the data plane's %u",
		    cfg->mtu, (unsigned)DP_MAX_MTU);
		return -E_RANGE;
	}
	if ((dp = calloc(1, sizeof(*dp))) == NULL ||
	    (dp->db = esp_sadb_new()) == NULL) {
		free(dp);
		return -E_NOMEM;
	}
	dp->net = net;
	dp->ops = cfg->ops;
	if (cfg->dev != NULL)
		dp->tun = cfg->dev;
	else if (open_own(dp, cfg) != 0)
		goto fail;
	if (tun_set_nonblock(dp->tun, 1) != 0) {
		log_err(SUB_TUN, "TUN device %s", tun_name(dp->tun));
		goto fail;
	}
	/* Once, what the kernel refused and what it costs. */
	dp->offload = tun_offload(dp->tun, &note, &e);
	if (note != NULL)
		log_warnx(SUB_TUN, "%s: %s%s%s; %s", tun_name(dp->tun), note,
		    e != 0 ? ": " : "", e != 0 ? strerror(e) : "",
		    !(dp->offload & TUN_OFF_VNET) ? "plain TUN, one system "
		    "call per packet both ways" :
		    !(dp->offload & TUN_OFF_TSO) ? "reads stay one packet "
		    "each" : "UDP is read one datagram at a time");
	if (tun_mtu(dp->tun, &mtu) == 0 && mtu > DP_MAX_MTU)
		log_warnx(SUB_TUN, "%s has MTU %u: packets above %u are "
		    "dropped", tun_name(dp->tun), mtu, (unsigned)DP_MAX_MTU);
	if (uv_poll_init(loop, &dp->poll, tun_fd(dp->tun)) != 0)
		goto fail;
	dp->poll.data = dp;
	uv_poll_start(&dp->poll, UV_READABLE, on_tun);
	log_info(SUB_TUN, "data plane on %s (%s), MTU %u, offloads %s",
	    tun_name(dp->tun), cfg->dev != NULL ? "given" :
	    tun_created(dp->tun) ? "created" : "attached", mtu,
	    offload_str(dp->offload));
	*out = dp;
	return 0;
fail:
	if (dp->own_tun)
		tun_close(dp->tun);
	esp_sadb_free(dp->db);
	free(dp);
	return -E_SYS;
}

static void
on_closed(uv_handle_t *h)
{
	struct dp *dp = h->data;
	struct dp_child *ch, *next;
	size_t i;

	for (i = 0; i < DP_HASH; i++)
		for (ch = dp->children[i]; ch != NULL; ch = next) {
			next = ch->next;
			child_free(dp, ch);
		}
	esp_sadb_free(dp->db);
	if (dp->own_tun)
		tun_close(dp->tun);
	free(dp);
}

void
dp_close(struct dp *dp)
{
	if (dp == NULL || dp->closing)
		return;
	dp->closing = 1;
	uv_poll_stop(&dp->poll);
	uv_close((uv_handle_t *)&dp->poll, on_closed);
}
