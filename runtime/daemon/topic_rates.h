/* Rates for `troupectl topics`: messages per second delivered and dropped
 * by each subscription over the last ten seconds or so.  Publishers only
 * count (topictab.h); the daemon takes a snapshot of the counters every
 * TP_RATES_STEP_NS and writes each subscription's rate over its oldest
 * snapshot into the table, so a reader gets a rate at once, without
 * sampling, and the hot path pays nothing for it.  The daemon wakes for it
 * only while the node has subscriptions. */
#ifndef TROUPE_TOPIC_RATES_H
#define TROUPE_TOPIC_RATES_H

#include <stdbool.h>
#include <stdint.h>
#include "topictab.h"

#define TP_RATES_SLOTS 5
#define TP_RATES_STEP_NS 2000000000LL   /* window: SLOTS × STEP = 10 s */

struct tp_rates_snap {
	uint32_t gen;
	uint64_t delivered, dropped;
};

struct tp_topic_rates {
	int64_t next_ns;                /* the next snapshot; 0: none taken yet */
	unsigned head, filled;          /* ring of snapshots, newest at head - 1 */
	bool idle;                      /* no subscriptions at table change idle_seq */
	uint32_t idle_seq;
	int64_t at[TP_RATES_SLOTS];
	struct tp_rates_snap snap[TP_RATES_SLOTS][TP_TT_SUBS_MAX];
};

/* Takes a snapshot and writes the rates if one is due at now (or none
 * was ever taken).  Returns when the next is due, or INT64_MAX when the
 * table has no subscription (no wake-up for an idle node without
 * topics; the first snapshot comes with the next call after one is
 * made). */
int64_t tp_topic_rates_tick(struct tp_topic_rates *r, struct tp_topictab *t, int64_t now);

/* Thousandths of a message per second from count a at time ta to b at
 * tb: 0 when the count went back or no time passed, UINT64_MAX past
 * what 64 bits hold. */
uint64_t tp_topic_rates_mps(uint64_t a, uint64_t b, int64_t ta, int64_t tb);

#endif
