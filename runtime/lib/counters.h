/* Per-mailbox counters of a node, in one shared-memory segment
 * "/troupe.<node>.counters" that the daemon creates and every actor maps
 * read-write: senders count what they put in a mailbox (or could not),
 * the receiving actor what it took out, how long the message waited
 * (latency, from the envelope's send time) and how long it took.  No lock:
 * relaxed atomic adds, one cache line per mailbox.  Read by the daemon
 * for `troupectl counters` (docs/CONTROL.md). */
#ifndef TROUPE_COUNTERS_H
#define TROUPE_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "troupe/envelope.h"
#include "registry.h"

/* Handling time buckets: < 10 µs, < 100 µs, < 1 ms, < 10 ms, < 100 ms,
 * < 1 s, longer. */
#define TP_CTR_BUCKETS 7
/* Latency buckets, powers of two in µs: [0] < 1 µs, [b] in
 * [2^(b-1), 2^b) µs, the last one 2^24 µs (16.8 s) and longer. */
#define TP_LAT_BUCKETS 26
#define TP_CTR_MAGIC 0x54524354u   /* "TCRT" */
/* 6: an actor's own named counters (tp_ctr.own).  7: the held request's
 * corr is 64 bits, with a flag of its own (tp_held.on). */
#define TP_CTR_VERSION 7
/* An actor's own counters (tp_counter_add, troupe/actor.h): how many
 * names, and their longest. */
#define TP_OWN_MAX 8
#define TP_OWN_NAME_MAX 15
/* Trace events kept: the newest, a ring. */
#define TP_TRACE_SLOTS 256

struct tp_ctr {
	uint64_t sent;            /* messages put in this mailbox, by anyone */
	uint64_t received;        /* taken out by its actor */
	uint64_t dropped;         /* taken out and discarded: malformed, late reply */
	uint64_t rejected_full;   /* sends that found it full at their deadline */
	uint64_t hwm;             /* most queued at once, as sent - received */
	uint64_t handling[TP_CTR_BUCKETS];   /* receive callback's duration */
	/* Latency: from the send (the envelope's sent_ns) to the moment the
	 * actor takes the message to handle it; only messages with a send
	 * time, only by the receiving actor, so one writer. */
	uint64_t lat_n;
	uint64_t lat_sum_ns;
	uint64_t lat_max_ns;
	uint64_t lat[TP_LAT_BUCKETS];
	uint64_t refused;         /* handled with an error (receive returned one) */
	/* CLOCK_MONOTONIC when its actor took the message it handles now, 0
	 * while it handles none: written by that actor, read by the daemon's
	 * watchdog (watchdog_ms) and `troupectl list`. */
	int64_t busy_ns;
	/* The request its actor handles now, written by that actor only and
	 * read by the daemon once the actor died (tp_counters_held). */
	struct tp_held {
		/* 1 while it handles one: stored last, with release.  A
		 * flag apart from the 64-bit corr, which 32-bit targets
		 * cannot store in one atomic instruction. */
		uint32_t on;
		uint32_t type;
		uint64_t corr;
		uint32_t prio;
		char from[TP_ENV_NAME_MAX + 1];   /* the requester */
	} held;
	/* Counters its actor names and counts itself (tp_counter_add):
	 * written by that actor only; a slot's name is written before n_own
	 * counts it (release), and never changes after. */
	uint32_t n_own;
	struct tp_own {
		char name[TP_OWN_NAME_MAX + 1];
		uint64_t value;
	} own[TP_OWN_MAX];
} __attribute__((aligned(64)));

enum tp_trace_kind {
	TP_TRACE_SEND,      /* put in a mailbox (rc: the send's result) */
	TP_TRACE_RECV,      /* taken out by the receiving actor */
	TP_TRACE_LINK_OUT,  /* sealed into a node link by the daemon */
	TP_TRACE_LINK_IN,   /* came in from a link, put in a mailbox */
};

/* One message event while the node traces (troupectl trace). */
struct tp_trace_ev {
	uint64_t seq;             /* its number + 1 once written; 0 while written */
	int64_t t_ns;             /* CLOCK_MONOTONIC of the event */
	int64_t lat_ns;           /* since the send (link: the age); -1 unknown */
	uint32_t type;
	uint32_t len;             /* payload bytes */
	int32_t rc;               /* the send's result: 0 or -TP_E* */
	uint32_t kind;            /* enum tp_trace_kind */
	char from[TP_NAME_MAX + 1];
	char to[2 * TP_NAME_MAX + 2];   /* "actor" or "actor@node" */
};

struct tp_counters {
	uint32_t magic;
	uint32_t version;
	uint32_t tracing;         /* non-zero: senders write trace events */
	uint32_t reserved[13];
	struct tp_ctr c[TP_REG_MAX];   /* same index as the registry */
	uint64_t trace_head __attribute__((aligned(64)));   /* events so far */
	struct tp_trace_ev trace[TP_TRACE_SLOTS];
};

/* Daemon: creates (replacing a stale one), zeroed, with mode. */
int tp_counters_create(const char *node, mode_t mode, struct tp_counters **out);
/* Actors: maps it read-write; -TP_ENOENT when the node has none. */
int tp_counters_open(const char *node, struct tp_counters **out);
void tp_counters_close(struct tp_counters *c);
int tp_counters_unlink(const char *node);

/* Around a send into mailbox i: begin counts it sent (before, so that
 * the receiver never takes out what is not counted in yet) and returns
 * the depth it makes; end takes it back if the send failed (rc), as
 * rejected for -TP_EFULL, or else raises the high-water mark to that
 * depth.  c may be NULL: counting is then off. */
uint64_t tp_counters_send_begin(struct tp_counters *c, unsigned i);
void tp_counters_send_end(struct tp_counters *c, unsigned i, int rc, uint64_t depth);
/* Takes back a send_begin whose message its sender keeps to try again. */
void tp_counters_send_undo(struct tp_counters *c, unsigned i);
/* A sender that kept a message for mailbox i gave it up, full, without
 * trying again: rejected_full + 1. */
void tp_counters_reject(struct tp_counters *c, unsigned i);
/* Mailbox i's actor took a message out (and discarded it).  Counted
 * before it is handled: a reply may reach the requester before the
 * callback returns. */
void tp_counters_recv(struct tp_counters *c, unsigned i, bool discarded);
/* ... and discarded one it had taken out and counted. */
void tp_counters_drop(struct tp_counters *c, unsigned i);
/* ... and refused it: its receive callback returned an error. */
void tp_counters_refused(struct tp_counters *c, unsigned i);
/* Mailbox i's actor starts handling request corr (of type, prio) from
 * `from` (tp_counters_hold), or is done with it (tp_counters_release).
 * Only the receiving actor calls them. */
void tp_counters_hold(struct tp_counters *c, unsigned i, const char *from,
		      uint64_t corr, uint32_t type, unsigned prio);
void tp_counters_release(struct tp_counters *c, unsigned i);
/* Daemon, once mailbox i's actor is dead: the request it held, taken out
 * (true), or false when it held none. */
bool tp_counters_held(struct tp_counters *c, unsigned i, struct tp_held *out);
/* Mailbox i's actor starts handling a message taken at ns (0: is done
 * with it); the actor, or the daemon (0) before it starts one. */
void tp_counters_busy(struct tp_counters *c, unsigned i, int64_t ns);
/* Since when mailbox i's actor handles its message; 0: none. */
int64_t tp_counters_busy_since(const struct tp_counters *c, unsigned i);
/* ... and its receive callback took ns. */
void tp_counters_time(struct tp_counters *c, unsigned i, int64_t ns);
/* Mailbox i's actor took a message sent ns ago (negative: unknown, not
 * counted).  Only the receiving actor calls it. */
void tp_counters_latency(struct tp_counters *c, unsigned i, int64_t ns);
/* The latency of a message stamped sent_ns, at now: -1 when unknown (no
 * stamp, or one from the future). */
static inline int64_t tp_latency_ns(uint64_t sent_ns, int64_t now)
{
	/* Compared unsigned: a stamp of 2^63 or more (from the wire: any
	 * value) cast to int64_t would be negative, and now minus it overflow. */
	return sent_ns && now >= 0 && sent_ns <= (uint64_t)now ? now - (int64_t)sent_ns : -1;
}
/* The send time on this node's clock now of mail that came from a node
 * link with age_ns (docs/WIRE.md, rules for mail): 0 (unknown) for age
 * 0, never before 1; an age of any value, the peer's, never overflows. */
static inline uint64_t tp_sent_from_age(uint64_t age_ns, int64_t now)
{
	return !age_ns ? 0 : now > 0 && age_ns < (uint64_t)now ? (uint64_t)now - age_ns : 1;
}
/* The latency bucket of ns (0 .. TP_LAT_BUCKETS - 1). */
unsigned tp_lat_bucket(int64_t ns);

/* Is the node tracing?  One relaxed load: all a send pays when not. */
static inline bool tp_tracing(const struct tp_counters *c)
{
	return c && __atomic_load_n(&c->tracing, __ATOMIC_RELAXED);
}

/* Writes one trace event (a seqlock per slot; no lock between writers:
 * each takes its own slot).  lat_ns < 0: unknown. */
void tp_trace_put(struct tp_counters *c, enum tp_trace_kind kind, const char *from,
		  const char *to, uint32_t type, uint32_t len, int rc, int64_t lat_ns);

/* Reader: event number k, if still in the ring and whole.  0, or
 * -TP_EEMPTY if not written yet, -TP_ENOENT if overwritten. */
int tp_trace_get(const struct tp_counters *c, uint64_t k, struct tp_trace_ev *out);
uint64_t tp_trace_head(const struct tp_counters *c);

/* Mailbox i's own counter name: its slot, registered at 0 the first
 * time (by its actor only); -TP_EINVAL for a name not of 1 to 15 of
 * [a-z0-9_], -TP_ELIMIT past TP_OWN_MAX names, -TP_ENOENT when c is NULL. */
int tp_counters_own(struct tp_counters *c, unsigned i, const char *name);
/* Adds n to slot k of mailbox i's own counters, or sets it to v. */
void tp_counters_own_add(struct tp_counters *c, unsigned i, int k, uint64_t n);
void tp_counters_own_set(struct tp_counters *c, unsigned i, int k, uint64_t v);
/* Reader: mailbox i's own counters, names and values, into out (room
 * for TP_OWN_MAX); returns how many. */
unsigned tp_counters_own_get(const struct tp_counters *c, unsigned i, struct tp_own *out);

/* A consistent-enough copy of entry i (each word read atomically). */
void tp_counters_get(const struct tp_counters *c, unsigned i, struct tp_ctr *out);

#endif
