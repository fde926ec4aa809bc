/* The node's topic table: one shared-memory segment "/troupe.<node>.topics"
 * that the daemon creates and every actor of the node maps read-write.
 *
 * - Subscriptions (filter, subscriber, policy) are written by the daemon
 *   only, under a seqlock as the registry's entries are: a publisher copies
 *   them once per change (tp_topictab_subs_copy) and never blocks the
 *   daemon.  The topology's subscriptions are written before any actor
 *   starts; run-time ones when the daemon gets a Subscribe.
 * - Per-subscription counters (delivered, dropped) are written by the
 *   publishers, relaxed atomic adds, as the mailbox counters are.
 * - Retained values: the topics declared retained are written by the
 *   daemon at start; each value by whichever process publishes to it,
 *   under a lock word holding the writer's pid (as the shm ring's senders'
 *   lock) plus a sequence that readers check.  A writer killed inside is
 *   repaired by the daemon (tp_topictab_repair), or by the next writer
 *   that finds the pid gone; its half-written value is dropped, never
 *   read.
 * Every value read from the segment is copied out and bounded before use. */
#ifndef TROUPE_TOPICTAB_H
#define TROUPE_TOPICTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "troupe/actor.h"
#include "troupe/topic.h"
#include "troupe/envelope.h"

#define TP_TT_SUBS_MAX 128       /* subscriptions of a node */
#define TP_TT_RETAINED_MAX 32    /* retained topics of a node */
#define TP_TT_RETAIN_BYTES 1024  /* largest retained payload */
#define TP_TT_MAGIC 0x54505443u  /* "TTPC" */
/* 2: subscribers of other nodes (TP_SUB_REMOTE), and per-subscription
 * rates (topic_rates.h) */
#define TP_TT_VERSION 2

enum tp_sub_kind {
	TP_SUB_FREE = 0,
	TP_SUB_DECLARED = 1,   /* from the topology: lasts the node's life */
	TP_SUB_RUNTIME = 2,    /* tp_subscribe: ends with the process */
	/* A linked node's interest (runtime/daemon/linkd_topics.c): its
	 * subscriber is "troupe.daemon@NODE", reached through that node's
	 * link outbox; ends with the link.
	 * Mail that came in from a link is never fanned out to one. */
	TP_SUB_REMOTE = 3,
};

struct tp_sub {
	char filter[TP_TOPIC_MAX + 1];
	/* A local actor, or "troupe.daemon@NODE" for a linked node's interest:
	 * as long as any envelope name. */
	char actor[TP_ENV_NAME_MAX + 1];
	uint32_t kind;         /* enum tp_sub_kind */
	uint32_t policy;       /* enum tp_topic_policy */
	int32_t pid;           /* TP_SUB_RUNTIME: the process that subscribed */
	uint32_t reserved;
};

/* One retained value, as copied out. */
struct tp_retained {
	char topic[TP_TOPIC_MAX + 1];
	char sender[TP_NAME_MAX + 1];
	bool set;              /* false: nothing published yet (or lost) */
	uint32_t type;
	uint32_t len;
	uint64_t sent_ns;      /* CLOCK_MONOTONIC of its publish */
	uint64_t published;    /* publishes to the topic so far */
	uint8_t data[TP_TT_RETAIN_BYTES];
};

struct tp_topictab;

/* Daemon: creates (replacing a stale one), zeroed, with mode. */
int tp_topictab_create(const char *node, mode_t mode, struct tp_topictab **out);
/* Actors, troupectl: maps it read-write; -TP_ENOENT when the node has
 * none, -TP_EVERSION for another layout. */
int tp_topictab_open(const char *node, struct tp_topictab **out);
void tp_topictab_close(struct tp_topictab *t);
int tp_topictab_unlink(const char *node);

/* Daemon only: writes subscription i (< TP_TT_SUBS_MAX), zeroing its
 * counters when it begins a new subscription; the table is read up to the
 * highest slot in use.  And declares retained topic k at start. */
void tp_topictab_sub_put(struct tp_topictab *t, unsigned i, const struct tp_sub *s,
			 bool fresh);
void tp_topictab_retained_declare(struct tp_topictab *t, unsigned k, const char *topic);

/* A change counter: equal values, equal subscriptions. */
uint32_t tp_topictab_seq(const struct tp_topictab *t);
/* Readers: a consistent copy of the subscription slots up to the last in
 * use (*n of them, FREE where unused) into out, which has room for cap;
 * *seq the change counter they are of.  0, -TP_ELIMIT (more than cap: *n
 * says how many there were then), -TP_EBUSY (the daemon kept writing). */
int tp_topictab_subs_copy(const struct tp_topictab *t, struct tp_sub *out, unsigned cap,
			  unsigned *n, uint32_t *seq);

/* Publishers: subscription i delivered one message, or dropped one. */
void tp_topictab_delivered(struct tp_topictab *t, unsigned i);
void tp_topictab_dropped(struct tp_topictab *t, unsigned i);
/* Its counters so far. */
void tp_topictab_sub_counts(const struct tp_topictab *t, unsigned i, uint64_t *delivered,
			    uint64_t *dropped);
/* Slot i's generation: counted up at each fresh subscription in it. */
uint32_t tp_topictab_sub_gen(const struct tp_topictab *t, unsigned i);
/* Its rates in thousandths of a message per second, written by the
 * daemon (topic_rates.h) and read by troupectl. */
void tp_topictab_sub_rates_put(struct tp_topictab *t, unsigned i, uint64_t delivered_mps,
			       uint64_t dropped_mps);
void tp_topictab_sub_rates(const struct tp_topictab *t, unsigned i, uint64_t *delivered_mps,
			   uint64_t *dropped_mps);

/* Retained topics: how many are declared, and k's copied out (its value
 * too: -TP_EBUSY if a writer holds it through every try; then out->set is
 * false).  0, -TP_ENOENT (no such k), -TP_EBUSY. */
unsigned tp_topictab_retained_count(const struct tp_topictab *t);
int tp_topictab_retained_get(const struct tp_topictab *t, unsigned k, struct tp_retained *out);
/* How long ago r was published, in ns at now; -1 when unknown (nothing
 * set, no stamp, or a stamp from the future: the table is written by
 * publishers, so any value may be there). */
int64_t tp_retained_age_ns(const struct tp_retained *r, int64_t now);
/* Index of retained topic `topic`, or -TP_ENOENT. */
int tp_topictab_retained_find(const struct tp_topictab *t, const char *topic);

/* A publisher (pid) keeps value (type, len bytes, from sender, sent at
 * sent_ns) as retained topic k's.  Never waits: a live writer holding it
 * (stopped, say) makes this -TP_EBUSY, the value not kept.  0,
 * -TP_ETOOBIG (len above TP_TT_RETAIN_BYTES: the old value is cleared),
 * -TP_ENOENT, -TP_EBUSY. */
int tp_topictab_retain(struct tp_topictab *t, unsigned k, pid_t pid, const char *sender,
		       uint32_t type, const void *data, uint32_t len, uint64_t sent_ns);

/* Daemon: process pid died; a retained value it was writing is dropped
 * and its lock released.  Returns how many it repaired. */
unsigned tp_topictab_repair(struct tp_topictab *t, pid_t pid);

const char *tp_topic_policy_name(uint32_t policy);
/* "drop_oldest" or "drop_newest"; -TP_EINVAL otherwise. */
int tp_topic_policy_parse(const char *s, uint32_t *out);

#endif
