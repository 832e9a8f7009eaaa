/*
 * ikeclient_dp.c: TUN <-> ESP for one CHILD SA (see ikeclient_dp.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "core/ct.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/log.h"
#include "tools/ikeclient_dp.h"
#include "tun/tun.h"

/* Packets read from TUN per wakeup, like net's NET_BATCH. */
#define ICDP_BATCH	32
/* A slot: ESP headroom, an inner packet up to the TUN MTU we set (1400,
 * with margin for a larger one set by hand) and the ESP tailroom. */
#define ICDP_INNER	2048
#define ICDP_SLOT	(ESP_HEADROOM_MAX + ICDP_INNER + ESP_TAILROOM_MAX)

struct icdp {
	uv_poll_t		 poll;
	struct tun		*tun;
	struct net		*net;
	struct icdp_ops		 ops;
	struct esp_sa		*in, *out;
	struct net_path		 path;
	struct icdp_stats	 st;
	uint8_t			 slots[ICDP_BATCH][ICDP_SLOT];
};

static void
icdp_tun_readable(uv_poll_t *h, int status, int events)
{
	struct icdp *d = h->data;
	struct tun_pkt pk[ICDP_BATCH];
	struct span dg[ICDP_BATCH];
	const struct net_path *pp[ICDP_BATCH];
	struct esp_pkt ep;
	size_t i, k, sent;
	int n, rounds;

	(void)events;
	if (status < 0)
		return;
	/* A few batches per wakeup at most, so a busy TUN cannot starve
	 * the IKE side of the loop. */
	for (rounds = 0; rounds < 4; rounds++) {
		for (i = 0; i < ICDP_BATCH; i++) {
			memset(&pk[i], 0, sizeof(pk[i]));
			pk[i].buf = d->slots[i];
			pk[i].cap = ESP_HEADROOM_MAX + ICDP_INNER;
		}
		n = tun_read_batch(d->tun, pk, ICDP_BATCH, ESP_HEADROOM_MAX);
		if (n <= 0)
			return;
		for (i = 0, k = 0; i < (size_t)n; i++) {
			if (d->out == NULL) {
				d->st.no_sa++;
				continue;
			}
			memset(&ep, 0, sizeof(ep));
			ep.buf = d->slots[i];
			ep.cap = ICDP_SLOT;
			ep.off = ESP_HEADROOM_MAX;
			ep.len = pk[i].len;
			if (esp_seal(d->out, &ep) != 0) {
				d->st.tx_drops++;
				continue;
			}
			d->st.tx_bytes += pk[i].len;
			dg[k] = span_make(ep.buf + ep.off, ep.len);
			pp[k] = &d->path;
			k++;
		}
		if (k > 0) {
			sent = net_send_esp(d->net, pp, dg, k);
			d->st.tx_packets += sent;
			d->st.tx_drops += k - sent;
		}
		if ((size_t)n < ICDP_BATCH)
			return;
	}
}

int
icdp_new(struct uv_loop_s *loop, struct tun *t, struct net *n,
    const struct icdp_ops *ops, struct icdp **out)
{
	struct icdp *d;
	int r = -E_INTERNAL;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -E_NOMEM;
	d->tun = t;
	d->net = n;
	d->ops = *ops;
	if (tun_set_nonblock(t, 1) != 0) {
		r = -E_SYS;
		goto out;
	}
	if (uv_poll_init(loop, &d->poll, tun_fd(t)) != 0) {
		r = -E_SYS;
		goto out;
	}
	d->poll.data = d;
	if (uv_poll_start(&d->poll, UV_READABLE, icdp_tun_readable) != 0) {
		/* The handle is initialized: it must be closed, not freed. */
		icdp_close(d);
		return -E_SYS;
	}
	*out = d;
	return 0;
out:
	free(d);
	return r;
}

static struct esp_sa *
icdp_sa(const struct child_sa *c, enum esp_dir dir, int *rp)
{
	struct esp_sa_params p;
	struct esp_sa *sa = NULL;

	memset(&p, 0, sizeof(p));
	p.spi = dir == ESP_IN ? c->spi_in : c->spi_out;
	p.dir = dir;
	p.esn = c->prop.esn;
	p.encr_id = c->prop.encr;
	p.encr_bits = c->prop.encr_bits ? c->prop.encr_bits : 256;
	p.integ_id = c->prop.integ;
	/* We sent the IKE_AUTH that made the CHILD SA (RFC 7296 2.17). */
	esp_sa_params_keys(&p, &c->keys, 1);
	*rp = esp_sa_new(&p, &sa);
	ct_wipe(&p, sizeof(p));
	return *rp == 0 ? sa : NULL;
}

void
icdp_clear(struct icdp *d)
{
	esp_sa_free(d->in);
	esp_sa_free(d->out);
	d->in = d->out = NULL;
}

int
icdp_set_child(struct icdp *d, const struct child_sa *c,
    const struct net_path *p)
{
	int r;

	icdp_clear(d);
	if ((d->in = icdp_sa(c, ESP_IN, &r)) == NULL)
		return r;
	if ((d->out = icdp_sa(c, ESP_OUT, &r)) == NULL) {
		icdp_clear(d);
		return r;
	}
	d->path = *p;
	d->path.natt = 1;
	return 0;
}

void
icdp_esp_input(struct icdp *d, uint8_t *const *pkts, const size_t *lens,
    const struct net_path *paths, size_t n)
{
	struct tun_pkt tp[NET_BATCH];
	struct esp_pkt ep;
	struct span s;
	uint32_t spi;
	size_t i, k = 0;
	int alive = 0, w;

	(void)paths;
	for (i = 0; i < n && k < NET_BATCH; i++) {
		s = span_make(pkts[i], lens[i]);
		if (d->in == NULL || span_get_u32(&s, &spi) != 0 ||
		    spi != esp_sa_spi(d->in)) {
			d->st.rx_drops++;
			continue;
		}
		memset(&ep, 0, sizeof(ep));
		ep.buf = pkts[i];
		ep.cap = NET_SLOT;
		ep.len = lens[i];
		if (esp_open(d->in, &ep) != 0) {
			/* Next header 59 (dummy) is authentic too. */
			if (ep.drop == ESP_DROP_DUMMY)
				alive = 1;
			else
				d->st.rx_drops++;
			continue;
		}
		alive = 1;
		d->st.rx_packets++;
		d->st.rx_bytes += ep.len;
		memset(&tp[k], 0, sizeof(tp[k]));
		tp[k].buf = ep.buf + ep.off;
		tp[k].cap = ep.len;
		tp[k].len = ep.len;
		k++;
	}
	for (i = 0; i < k; i += (size_t)w) {
		if ((w = tun_write_batch(d->tun, tp + i, k - i, 0)) <= 0) {
			d->st.rx_drops += k - i;
			break;
		}
	}
	if (alive && d->ops.alive != NULL)
		d->ops.alive(d->ops.arg);
}

void
icdp_get_stats(const struct icdp *d, struct icdp_stats *st)
{
	*st = d->st;
}

static void
icdp_closed(uv_handle_t *h)
{
	free(h->data);
}

void
icdp_close(struct icdp *d)
{
	if (d == NULL)
		return;
	icdp_clear(d);
	uv_poll_stop(&d->poll);
	uv_close((uv_handle_t *)&d->poll, icdp_closed);
}
