/* The node's topics, daemon side: the topic table (topictab.h) created
 * with the topology's subscriptions and retained topics before any actor
 * runs, the actors' run-time Subscribe requests, and the clean-up when a
 * process ends (its run-time subscriptions, a retained value it was
 * writing).  The actor side is runtime/lib/pubsub.c. */
#ifndef TROUPE_NODE_TOPICS_H
#define TROUPE_NODE_TOPICS_H

#include <stdint.h>
#include <sys/types.h>
#include "troupe/envelope.h"
#include "node.h"

/* Creates the table and writes the topology's subscriptions and [topic]
 * sections into it.  0, or a negative code (logged). */
int tp_node_topics_create(struct tp_node *n);

/* Is env (to the daemon's mailbox) a topic request?  Then it is handled
 * and answered (a reply to the request, its error in it): 0, or the
 * error of sending the answer.  1: not a topic request. */
int tp_node_topics_request(struct tp_node *n, const struct tp_env *env);

/* The daemon's own run-time subscription to filter, for troupectl sub:
 * made (on) or ended.  drop_newest: a publisher never takes mail out of
 * the daemon's mailbox, which carries requests and replies too.  0,
 * -TP_EINVAL (no filter), -TP_ELIMIT (the table is full), -TP_ENOENT. */
int tp_node_topics_daemon(struct tp_node *n, const char *filter, bool on);

/* Process pid ended: its run-time subscriptions go, and a retained value
 * it was writing is repaired. */
void tp_node_topics_exit(struct tp_node *n, pid_t pid);

/* Topics across node links: a peer's interest is one subscription per
 * (peer, filter) of kind TP_SUB_REMOTE whose subscriber is
 * "troupe.daemon@peer" (reached through the peer's link outbox), drop_newest (a publisher never takes the link's
 * other mail out of the outbox).  on: made (0 when it exists already);
 * off: ended (0, or -TP_ENOENT).  -TP_ELIMIT: the table or the peer's
 * share of it (max) is full; -TP_EINVAL: no filter. */
int tp_node_topics_remote(struct tp_node *n, const char *peer, const char *filter, bool on,
			  unsigned max);
/* How many subscriptions peer has here. */
unsigned tp_node_topics_remote_count(const struct tp_node *n, const char *peer);
/* Ends every subscription of peer (its link went down): how many. */
unsigned tp_node_topics_remote_clear(struct tp_node *n, const char *peer);
/* The node's own interest: each filter of a local subscription (declared
 * or run time, the daemon's for troupectl sub included; not the peers'),
 * once; up to max, the count. */
unsigned tp_node_topics_local_filters(const struct tp_node *n, const char **out,
				      unsigned max);

/* Closes and unlinks the table. */
void tp_node_topics_fini(struct tp_node *n);

#endif
