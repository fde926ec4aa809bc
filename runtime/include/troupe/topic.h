/* Topics: publish/subscribe between the actors of one node, with MQTT's
 * topic syntax.  A publisher names a topic ("sensors/kitchen/temp"); a
 * subscriber names a filter, where `+` stands for one whole level and a
 * last `#` for any number of levels ("sensors/+/temp", "sensors/#").
 * Each matching subscriber gets the message in its own mailbox as ordinary
 * mail, with tp_msg.topic set.  docs/TOPICS.md states what is promised. */
#ifndef TROUPE_TOPIC_H
#define TROUPE_TOPIC_H

#include "troupe/api.h"
#include <stdbool.h>
#include "troupe/actor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest topic name or filter, in bytes, without the NUL. */
#define TP_TOPIC_MAX 127

/* What a subscription does when its subscriber's mailbox is full; either
 * way the publisher never waits and every drop is counted on the
 * subscription (troupectl topics). */
enum tp_topic_policy {
	TP_TOPIC_DROP_OLDEST = 0,  /* the oldest message in the mailbox makes room */
	TP_TOPIC_DROP_NEWEST = 1,  /* the new message is not delivered */
};

/* Is name a topic one may publish to: 1..TP_TOPIC_MAX bytes of printable
 * ASCII without blanks, `+` or `#`, levels separated by `/` (empty levels
 * allowed, as in MQTT)?  0 or -TP_EINVAL. */
TP_API
int tp_topic_name_check(const char *name);

/* Is filter a valid subscription: as a name, but `+` may be a whole level
 * and `#` the whole last level?  0 or -TP_EINVAL. */
TP_API
int tp_topic_filter_check(const char *filter);

/* Does topic name match filter, as MQTT matches (`sport/#` also matches
 * `sport`)?  False when either is invalid. */
TP_API
bool tp_topic_match(const char *filter, const char *name);

/* Publishes msg on topic: encoded once, then put into the mailbox of each
 * actor of this node with a matching subscription, straight from this
 * process (no daemon hop), never waiting for room: a full mailbox drops
 * a message by the subscription's policy, counted.  A topic declared
 * retained also keeps this message as its last value.  Returns 0 (also
 * with no subscriber, and whatever each delivery did), or
 *   -TP_EINVAL    topic is not a valid topic name
 *   -TP_EENCODE   msg does not encode with fields
 *   -TP_ETOOBIG   larger than this actor's send buffer
 *   -TP_ENOENT    the node has no topic table (an older daemon). */
TP_API
int tp_publish_msg(tp_actor *self, const char *topic, uint32_t type,
		   const pb_msgdesc_t *fields, const void *msg);

/* The same with a payload that is already encoded (troupectl pub). */
TP_API
int tp_publish_bytes(tp_actor *self, const char *topic, uint32_t type,
		     const void *payload, size_t len);

#define tp_publish(self, topic, Type, msg) \
	tp_publish_msg((self), (topic), Type##_msgid, Type##_fields, (msg))

/* Subscribes this actor to filter with policy, at run time, through the
 * daemon (which owns the node's table of subscriptions); returns once the
 * subscription is in the table, so every later publish matches it.  The
 * retained value of each matching retained topic is delivered to the
 * receive callback first: before any mail taken after this call.  A
 * run-time subscription ends with tp_unsubscribe or with the actor's
 * process (a restarted actor subscribes again in init); those in the
 * topology last for the node's life.  Subscribing to a filter twice
 * changes its policy.  Returns 0, or
 *   -TP_EINVAL    filter is not a valid filter, or policy unknown
 *   -TP_ELIMIT    the node's table of subscriptions is full
 *   -TP_ECONFIG   drop_oldest on a mailbox whose transport cannot drop
 *                 (unix, tcp): use TP_TOPIC_DROP_NEWEST
 *   -TP_ENOENT    the node has no topic table (an older daemon)
 *   an error of tp_call_msg (the daemon did not answer within 5 s; the
 *                 subscription may exist all the same: subscribing
 *                 again is harmless). */
TP_API
int tp_subscribe(tp_actor *self, const char *filter, enum tp_topic_policy policy);

/* Ends this actor's run-time subscription to filter (written as it was
 * subscribed).  Mail already in the mailbox stays.  0, -TP_EINVAL,
 * -TP_ENOENT (no such run-time subscription), or an error of tp_call_msg. */
TP_API
int tp_unsubscribe(tp_actor *self, const char *filter);

#ifdef __cplusplus
}
#endif

#endif
