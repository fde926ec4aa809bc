/* Publishing, the part every publisher shares (an actor's tp_publish,
 * troupectl pub): match a topic against the node's subscriptions
 * (topictab.h) and put one message into each matching subscriber's
 * mailbox through the mailbox layer, never waiting for room, by each
 * subscription's policy, every delivery and drop counted on it.
 *
 * The payload is encoded once, by the caller, at tp_fanout_offset() of
 * its buffer; each subscriber's envelope head is written right in front
 * of it (its length varies with the subscriber's name), so nothing is
 * encoded or copied again per subscriber but the head. */
#ifndef TROUPE_FANOUT_H
#define TROUPE_FANOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "mailbox.h"
#include "topictab.h"

struct tp_fanout {
	struct tp_topictab *tab;        /* the node's; NULL: no topics */
	const char *sender;             /* the publisher's name in envelopes */
	/* The mailbox of actor `name` attached for sending (the caller's
	 * cache), its msg_max at most the caller's buffer: 0 or an error. */
	int (*dest)(void *ctx, const char *name, struct tp_mailbox **out);
	void *ctx;
	/* Mail that came in from a node link (the daemon fans it out): never
	 * to a link's outbox again (TP_SUB_REMOTE), so that no message loops
	 * between nodes nor travels further than one link. */
	bool local_only;
	/* A copy of the subscriptions, taken again when the table changes. */
	struct tp_sub *subs;            /* room for cap, grown as the table grows */
	/* Beside each, what a publish would otherwise work out again per
	 * subscriber: its name's length, and the subscription before it of
	 * the same actor (-1: none), which a message may have matched
	 * already. */
	struct tp_fanout_sub {
		int prev_same;
		unsigned name_len;
	} *aux;
	unsigned cap;
	unsigned nsubs;
	uint32_t seq;
	bool valid;
};

/* Where the payload goes in the caller's buffer for a publish by sender
 * to topic: room for the longest head any subscriber's name makes. */
size_t tp_fanout_offset(const char *sender, const char *topic);

/* The subscriptions as the table has them now (one load when unchanged).
 * 0, -TP_ENOENT (no table), -TP_ENOMEM, -TP_EBUSY. */
int tp_fanout_refresh(struct tp_fanout *f);

/* Publishes the len bytes at buf + tp_fanout_offset(f->sender, topic),
 * of type, sent at now: keeps them as the topic's retained value if it has
 * one, then delivers to each subscriber once (the first of its matching
 * subscriptions decides the policy).  Returns 0 (whatever each delivery
 * did), -TP_EINVAL (topic), or what tp_fanout_refresh returns. */
int tp_fanout_publish(struct tp_fanout *f, const char *topic, uint32_t type,
		      uint8_t *buf, uint32_t len, int64_t now);

/* Frees the copy (not the table). */
void tp_fanout_fini(struct tp_fanout *f);

#endif
