/* troupectl counters: the table of per-mailbox counters, with each
 * mailbox's latency (send to the moment its actor takes the message)
 * summed up as p50, p99 and max from its power-of-two histogram; -v adds
 * the histograms, -j gives them all, and both the actors' own counters
 * (tp_counter_add), which troupectl reads from the node's counters
 * segment itself: the daemon's reply has no room left for them. */
#include <stdio.h>
#include <string.h>
#include "troupe/error.h"
#include "counters.h"
#include "ctl.h"
#include "registry.h"

#define LAT_BUCKETS 26   /* runtime/lib/counters.h, TP_LAT_BUCKETS */

static const char *const handling_names[] = { "<10us", "<100us", "<1ms", "<10ms",
					      "<100ms", "<1s", ">=1s" };

/* Upper bound of latency bucket b in ns; the last one has none. */
static double lat_upper_ns(unsigned b)
{
	return (double)(1ull << b) * 1000;
}

/* The q-quantile of x's latency, in ns: the upper bound of the bucket
 * that holds it, never above the maximum seen.  -1 when nothing counted. */
static double lat_quantile(const troupe_Counters *x, double q)
{
	uint64_t total = 0, seen = 0;
	for (pb_size_t b = 0; b < x->latency_count; b++)
		total += x->latency[b];
	if (!total)
		return -1;
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999);
	if (rank < 1)
		rank = 1;
	double max = (double)x->latency_max_ns;
	for (pb_size_t b = 0; b < x->latency_count; b++) {
		seen += x->latency[b];
		if (seen >= rank)
			return b + 1 == LAT_BUCKETS || lat_upper_ns(b) > max ? max
									      : lat_upper_ns(b);
	}
	return max;
}

static const char *fmt_ns(char *buf, size_t n, double ns)
{
	if (ns < 0)
		snprintf(buf, n, "-");
	else if (ns < 1e3)
		snprintf(buf, n, "%.0fns", ns);
	else if (ns < 1e4)
		snprintf(buf, n, "%.1fus", ns / 1e3);
	else if (ns < 1e6)
		snprintf(buf, n, "%.0fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, n, "%.1fms", ns / 1e6);
	else
		snprintf(buf, n, "%.2fs", ns / 1e9);
	return buf;
}

static void json_us(const char *key, double ns)
{
	if (ns < 0)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%.3f", key, ns / 1e3);
}

/* The actors' own counters, by the daemon's row: read from the node's
 * counters segment, each row's by its mailbox's registry index. */
struct own_rows {
	unsigned n[TP_REG_MAX];
	struct tp_own v[TP_REG_MAX][TP_OWN_MAX];
};

static void own_read(const struct ctl_opts *o, const troupe_CtlReply *r, struct own_rows *w)
{
	struct tp_registry *reg;
	struct tp_counters *ctr;
	memset(w->n, 0, sizeof w->n);
	if (!o->node || tp_registry_open(o->node, &reg))
		return;
	int rc = tp_counters_open(o->node, &ctr);
	if (rc == -TP_EVERSION && !o->quiet)
		fprintf(stderr, "troupectl: the counters segment of node %s is not of version %d "
			"(a daemon of another release): the actors' own counters are not shown\n",
			o->node, TP_CTR_VERSION);
	if (rc == 0) {
		for (pb_size_t k = 0; k < r->counters_count && k < TP_REG_MAX; k++) {
			struct tp_reg_entry e;
			unsigned ix;
			if (tp_registry_find_ix(reg, r->counters[k].name, "", &e, &ix) == 0)
				w->n[k] = tp_counters_own_get(ctr, ix, w->v[k]);
		}
		tp_counters_close(ctr);
	}
	tp_registry_close(reg);
}

static void show_json(const troupe_Counters *x, bool first, const struct tp_own *own,
		      unsigned n_own)
{
	printf("%s{\"name\":\"%s\",\"sent\":%llu,\"received\":%llu,"
	       "\"dropped\":%llu,\"rejected_full\":%llu,\"restarts\":%u,"
	       "\"hwm\":%llu,\"depth\":%u,\"refused\":%llu,\"latency\":{\"n\":%llu",
	       first ? "" : ",", x->name, (unsigned long long)x->sent,
	       (unsigned long long)x->received, (unsigned long long)x->dropped,
	       (unsigned long long)x->rejected_full, x->restarts,
	       (unsigned long long)x->hwm, x->depth, (unsigned long long)x->refused,
	       (unsigned long long)x->latency_n);
	json_us("mean_us", x->latency_n ? (double)x->latency_sum_ns / (double)x->latency_n
					: -1);
	json_us("p50_us", lat_quantile(x, 0.50));
	json_us("p99_us", lat_quantile(x, 0.99));
	json_us("max_us", x->latency_n ? (double)x->latency_max_ns : -1);
	printf(",\"buckets\":[");
	for (pb_size_t b = 0; b < x->latency_count; b++)
		printf("%s%llu", b ? "," : "", (unsigned long long)x->latency[b]);
	printf("]},\"handling\":{");
	for (pb_size_t b = 0; b < x->handling_count && b < 7; b++)
		printf("%s\"%s\":%llu", b ? "," : "", handling_names[b],
		       (unsigned long long)x->handling[b]);
	printf("},\"own\":{");
	for (unsigned s = 0; s < n_own; s++)
		printf("%s\"%s\":%llu", s ? "," : "", own[s].name,
		       (unsigned long long)own[s].value);
	printf("}}");
}

/* -v: the non-empty buckets of both histograms, under the mailbox's row. */
static void show_hist(const troupe_Counters *x, const struct tp_own *own, unsigned n_own)
{
	char t[16];
	printf("    latency ");
	for (pb_size_t b = 0; b < x->latency_count; b++)
		if (x->latency[b]) {
			if (b + 1 == LAT_BUCKETS)
				printf(" >=%s:%llu", fmt_ns(t, sizeof t, lat_upper_ns(b - 1)),
				       (unsigned long long)x->latency[b]);
			else
				printf(" <%s:%llu", fmt_ns(t, sizeof t, lat_upper_ns(b)),
				       (unsigned long long)x->latency[b]);
		}
	printf("\n    handling");
	for (pb_size_t b = 0; b < x->handling_count && b < 7; b++)
		if (x->handling[b])
			printf(" %s:%llu", handling_names[b], (unsigned long long)x->handling[b]);
	putchar('\n');
	if (n_own) {
		printf("    own     ");
		for (unsigned s = 0; s < n_own; s++)
			printf(" %s:%llu", own[s].name, (unsigned long long)own[s].value);
		putchar('\n');
	}
}

void ctl_counters_show(const struct ctl_opts *o, const troupe_CtlReply *r)
{
	char p50[16], p99[16], max[16];
	static struct own_rows own;
	if (o->json || o->verbose)
		own_read(o, r, &own);
	else
		memset(own.n, 0, sizeof own.n);
	if (o->json) {
		printf("[");
		for (pb_size_t k = 0; k < r->counters_count; k++)
			show_json(&r->counters[k], k == 0, own.v[k], k < TP_REG_MAX ? own.n[k] : 0);
		printf("]\n");
		return;
	}
	printf("%-16s %9s %9s %7s %7s %8s %6s %5s %7s %7s %7s\n", "MAILBOX", "SENT",
	       "RECEIVED", "DROPPED", "FULL", "RESTARTS", "HWM", "DEPTH", "LAT-P50",
	       "LAT-P99", "LAT-MAX");
	for (pb_size_t k = 0; k < r->counters_count; k++) {
		const troupe_Counters *x = &r->counters[k];
		printf("%-16s %9llu %9llu %7llu %7llu %8u %6llu %5u %7s %7s %7s\n", x->name,
		       (unsigned long long)x->sent, (unsigned long long)x->received,
		       (unsigned long long)x->dropped, (unsigned long long)x->rejected_full,
		       x->restarts, (unsigned long long)x->hwm, x->depth,
		       fmt_ns(p50, sizeof p50, lat_quantile(x, 0.50)),
		       fmt_ns(p99, sizeof p99, lat_quantile(x, 0.99)),
		       fmt_ns(max, sizeof max, x->latency_n ? (double)x->latency_max_ns : -1));
		if (o->verbose)
			show_hist(x, own.v[k], k < TP_REG_MAX ? own.n[k] : 0);
	}
}
