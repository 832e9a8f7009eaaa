/* dp_show.c: the data plane's counters as text or JSON (see dp_show in
 * dp.h): per thread, the NAT-T sockets', and drops summed by reason. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/dp.h"
#include "core/dp_int.h"
#include "core/err.h"
#include "core/esp.h"
#include "core/net.h"
#include "core/span.h"
#include "tun/tun.h"

static uint64_t
cnt_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
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
const char *
dp__offload_str(unsigned int off)
{
	if (!(off & TUN_OFF_VNET))
		return "none";
	if (off & TUN_OFF_USO)
		return "gro+tso+uso";
	if (off & TUN_OFF_TSO)
		return "gro+tso";
	return "gro";
}

/* Reads q's counters (relaxed: its thread may be writing them). */
static void
qstats_get(const struct dp_q *q, struct dp_qstats *st)
{
	const uint64_t *f = (const uint64_t *)(const void *)&q->st;
	uint64_t *t = (uint64_t *)(void *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		t[i] = cnt_get(&f[i]);
}

static void
qstats_sum(struct dp_qstats *sum, const struct dp_qstats *st)
{
	const uint64_t *f = (const uint64_t *)(const void *)st;
	uint64_t *t = (uint64_t *)(void *)sum;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		t[i] += f[i];
}

/* One thread's line (text) or object (JSON, comma-led but the first). */
static int
show_thread(const struct dp *dp, unsigned i, const struct dp_qstats *s,
    struct buf *out, int json)
{
	struct net_stats ns;
	struct net_worker *w = net_worker_get(dp->net, i);
	char line[512];
	int n;

	memset(&ns, 0, sizeof(ns));
	if (w != NULL)
		net_worker_get_stats(w, &ns);
	n = snprintf(line, sizeof(line), json ?
	    "%s{\"thread\":%u,\"tun_rx\":%llu,\"tun_tx\":%llu,"
	    "\"esp_tx\":%llu,\"esp_rx\":%llu,\"tun_reads\":%llu,"
	    "\"tun_writes\":%llu,\"udp_rx_esp\":%llu,\"udp_tx_esp\":%llu,"
	    "\"ike_queued\":%llu,\"rx_waits\":%llu}" :
	    "%s  thread %u: tun read %llu written %llu, esp sealed %llu "
	    "opened %llu, tun reads %llu writes %llu, udp esp in %llu out "
	    "%llu, ike to the loop %llu, paced reads %llu\n",
	    json && i > 0 ? "," : "", i,
	    (unsigned long long)s->tun_rx, (unsigned long long)s->tun_tx,
	    (unsigned long long)s->esp_tx, (unsigned long long)s->esp_rx,
	    (unsigned long long)s->tun_reads,
	    (unsigned long long)s->tun_writes,
	    (unsigned long long)ns.rx_esp, (unsigned long long)ns.tx_esp,
	    (unsigned long long)ns.ike_queued,
	    (unsigned long long)ns.rx_waits);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E_INTERNAL;
	return buf_add(out, line, (size_t)n);
}

/* The NAT-T sockets' side (core/net.h counters, every worker summed):
 * how much UDP GRO and GSO engage, and what was dropped before ESP. */
static int
show_udp(const struct dp *dp, struct buf *out, int json)
{
	struct net_stats ns;
	char line[512];
	int n;

	net_get_stats(dp->net, &ns);
	n = snprintf(line, sizeof(line), json ?
	    "\"udp\":{\"rx_esp\":%llu,\"rx_ike\":%llu,\"rx_keepalive\":%llu,"
	    "\"rx_gro\":%llu,\"tx_esp\":%llu,\"tx_gso\":%llu,"
	    "\"tx_err\":%llu,\"drop_short\":%llu,\"drop_truncated\":%llu,"
	    "\"drop_no_esp\":%llu,\"drop_ike_queue\":%llu,"
	    "\"rx_waits\":%llu}," :
	    "  udp: esp in %llu ike in %llu keepalives %llu gro reads %llu "
	    "esp out %llu gso sends %llu send errors %llu\n"
	    "  udp drops: short %llu truncated %llu no-esp %llu ike-queue "
	    "%llu\n  udp paced reads %llu\n",
	    (unsigned long long)ns.rx_esp, (unsigned long long)ns.rx_ike,
	    (unsigned long long)ns.rx_keepalive,
	    (unsigned long long)ns.rx_gro, (unsigned long long)ns.tx_esp,
	    (unsigned long long)ns.tx_gso, (unsigned long long)ns.tx_err,
	    (unsigned long long)ns.drop_short,
	    (unsigned long long)ns.drop_truncated,
	    (unsigned long long)ns.drop_no_esp,
	    (unsigned long long)ns.drop_ike_queue,
	    (unsigned long long)ns.rx_waits);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E_INTERNAL;
	return buf_add(out, line, (size_t)n);
}

int
dp_show(const struct dp *dp, struct buf *out, int json)
{
	struct esp_sadb_stats ts;
	struct tun_stats tst, qt;
	struct dp_qstats sum, qs[DP_THREADS_MAX];
	struct drop_sum d;
	char line[384];
	size_t i;
	unsigned k, nq = dp->nq < DP_THREADS_MAX ? dp->nq : DP_THREADS_MAX;
	int n, r = 0, first = 1;

	memset(&d, 0, sizeof(d));
	memset(&sum, 0, sizeof(sum));
	memset(&tst, 0, sizeof(tst));
	esp_sadb_stats(dp->db, &ts);
	(void)esp_sadb_foreach(dp->db, sum_sa, &d);
	for (i = 0; i < ESP_DROP__MAX; i++)
		d.drops[i] += ts.drops[i];
	for (k = 0; k < nq; k++) {
		qstats_get(dp->q[k], &qs[k]);
		qstats_sum(&sum, &qs[k]);
		if (dp->q[k]->own_q || k == 0) {
			tun_get_stats(dp->q[k]->tun, &qt);
			tst.rx_truncated += qt.rx_truncated;
			tst.tx_invalid += qt.tx_invalid;
		}
	}
	/* JSON: the per-thread array first, so that a name's last
	 * occurrence in the line is the total. */
	if (json && (r = buf_add_span(out, span_str("{\"per_thread\":["))) != 0)
		return r;
	for (k = 0; json && k < nq && r == 0; k++)
		r = show_thread(dp, k, &qs[k], out, 1);
	if (r != 0)
		return r;
	if (json)
		n = snprintf(line, sizeof(line), "],\"tun\":\"%s\","
		    "\"sas_in\":%zu,\"sas_out\":%zu,\"tun_rx\":%llu,"
		    "\"tun_tx\":%llu,\"tun_tx_drop\":%llu,\"esp_tx_err\":%llu,"
		    "\"threads\":%u,", tun_name(dp->tun), ts.n_in, ts.n_out,
		    (unsigned long long)sum.tun_rx,
		    (unsigned long long)sum.tun_tx,
		    (unsigned long long)sum.tun_tx_drop,
		    (unsigned long long)sum.esp_tx_err, dp->nthreads);
	else
		n = snprintf(line, sizeof(line), "data plane on %s: %zu "
		    "inbound and %zu outbound SAs\n"
		    "  tun read %llu written %llu write drops %llu esp send "
		    "errors %llu\n", tun_name(dp->tun), ts.n_in, ts.n_out,
		    (unsigned long long)sum.tun_rx,
		    (unsigned long long)sum.tun_tx,
		    (unsigned long long)sum.tun_tx_drop,
		    (unsigned long long)sum.esp_tx_err);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	if (!json && dp->nthreads > 0) {
		n = snprintf(line, sizeof(line), "  threads %u\n",
		    dp->nthreads);
		if ((r = buf_add(out, line, (size_t)n)) != 0)
			return r;
	}
	/* How many packets each system call moved, the offloads, and what
	 * the device refused or truncated. */
	n = snprintf(line, sizeof(line), json ?
	    "\"offload\":\"%s\",\"tun_reads\":%llu,\"tun_writes\":%llu,"
	    "\"gso_rx\":%llu,\"gro_tx\":%llu,\"gso_bad\":%llu,"
	    "\"tun_rx_truncated\":%llu,\"tun_tx_invalid\":%llu," :
	    "  offload %s: reads %llu writes %llu super-packets split %llu "
	    "coalesced %llu malformed %llu\n"
	    "  device: reads truncated %llu writes refused %llu\n",
	    dp__offload_str(dp->offload), (unsigned long long)sum.tun_reads,
	    (unsigned long long)sum.tun_writes,
	    (unsigned long long)sum.gso_rx, (unsigned long long)sum.gro_tx,
	    (unsigned long long)sum.gso_bad,
	    (unsigned long long)tst.rx_truncated,
	    (unsigned long long)tst.tx_invalid);
	if ((r = buf_add(out, line, (size_t)n)) != 0)
		return r;
	if ((r = show_udp(dp, out, json)) != 0 ||
	    (r = buf_add_span(out, span_str(json ? "\"drops\":{" :
	    "  drops:"))) != 0)
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
	for (k = 0; !json && dp->nthreads > 0 && k < nq && r == 0; k++)
		r = show_thread(dp, k, &qs[k], out, 0);
	return r;
}
