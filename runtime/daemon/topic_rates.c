/* Subscription rates over a sliding window (see topic_rates.h). */
#include <string.h>
#include "topic_rates.h"

uint64_t tp_topic_rates_mps(uint64_t a, uint64_t b, int64_t ta, int64_t tb)
{
	if (b < a || tb <= ta)
		return 0;
	/* In double: a count times 10^12 does not fit 64 bits.  Counts are
	 * in a table publishers write, so any jump is possible: a rate past
	 * 2^64 is saturated, as converting it would be undefined. */
	double mps = (double)(b - a) * 1e12 / ((double)tb - (double)ta) + 0.5;
	return mps < 18446744073709551616.0 ? (uint64_t)mps : UINT64_MAX;   /* 2^64 */
}

int64_t tp_topic_rates_tick(struct tp_topic_rates *r, struct tp_topictab *t, int64_t now)
{
	static struct tp_sub subs[TP_TT_SUBS_MAX];
	if (r->next_ns && now < r->next_ns)
		return r->next_ns;
	/* Called at every turn of the daemon's loop: without subscriptions,
	 * a look at the table's change counter is all it costs. */
	if (!r->next_ns && r->idle && tp_topictab_seq(t) == r->idle_seq)
		return INT64_MAX;
	unsigned n = 0;
	uint32_t seq;
	if (tp_topictab_subs_copy(t, subs, TP_TT_SUBS_MAX, &n, &seq))
		return now + TP_RATES_STEP_NS;   /* being written: soon again */
	unsigned used = 0;
	for (unsigned i = 0; i < n; i++)
		used += subs[i].kind != TP_SUB_FREE;
	if (!used) {
		r->next_ns = 0;
		r->filled = 0;
		r->idle = true;
		r->idle_seq = seq;
		return INT64_MAX;
	}
	r->idle = false;
	unsigned oldest = (r->head + TP_RATES_SLOTS - r->filled) % TP_RATES_SLOTS;
	struct tp_rates_snap *fresh = r->snap[r->head];
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++) {
		struct tp_rates_snap cur = { 0 };
		if (i < n && subs[i].kind != TP_SUB_FREE) {
			cur.gen = tp_topictab_sub_gen(t, i);
			tp_topictab_sub_counts(t, i, &cur.delivered, &cur.dropped);
		}
		/* The oldest snapshot of this very subscription: a slot
		 * reused since then starts its window again. */
		uint64_t dl = 0, dr = 0;
		for (unsigned k = 0; k < r->filled; k++) {
			unsigned s = (oldest + k) % TP_RATES_SLOTS;
			const struct tp_rates_snap *old = &r->snap[s][i];
			if (old->gen == cur.gen && cur.gen) {
				dl = tp_topic_rates_mps(old->delivered, cur.delivered, r->at[s], now);
				dr = tp_topic_rates_mps(old->dropped, cur.dropped, r->at[s], now);
				break;
			}
		}
		if (i < n)
			tp_topictab_sub_rates_put(t, i, dl, dr);
		fresh[i] = cur;
	}
	r->at[r->head] = now;
	r->head = (r->head + 1) % TP_RATES_SLOTS;
	/* The window keeps SLOTS - 1 steps behind the newest snapshot, plus
	 * the step to come: the ring's slot about to be overwritten is the
	 * oldest. */
	if (r->filled < TP_RATES_SLOTS)
		r->filled++;
	r->next_ns = now + TP_RATES_STEP_NS;
	return r->next_ns;
}
