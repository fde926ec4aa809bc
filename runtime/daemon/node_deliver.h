/* The daemon as a sender: puts a message straight into a mailbox it owns,
 * with sender TP_DAEMON_NAME (or another name, for troupectl send).
 * Never blocks the daemon's loop. */
#ifndef TROUPE_DELIVER_H
#define TROUPE_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pb.h>
#include "node.h"

/* Into mailbox i of n: an envelope from sender with type, flags, corr,
 * then len bytes of encoded payload.  Tries once: a full mailbox is
 * -TP_EFULL, which the caller reports.  Returns 0 or a negative code. */
int tp_deliver_bytes(struct tp_node *n, unsigned i, const char *sender,
		     uint32_t type, uint8_t flags, uint64_t corr,
		     const void *payload, size_t len);

/* The same, encoding msg with fields first. */
int tp_deliver_msg(struct tp_node *n, unsigned i, uint32_t type,
		   const pb_msgdesc_t *fields, const void *msg);

/* Actor i's process has ended: if it held a request (it died, or was
 * killed, inside its receive callback), answers its caller with an error
 * reply from i's name, at once (-TP_ECLOSED; -TP_ETIMEDOUT if the
 * watchdog killed it as hung), so that the call does not
 * wait for its deadline.  The caller may be one of the node's actors,
 * troupectl (the daemon's mailbox), or an actor of another node (through
 * that node's link outbox).  Returns 0 (answered, or nothing held) or the
 * error of the send, which it logs. */
int tp_deliver_held(struct tp_node *n, unsigned i, bool hung);

/* Index of the mailbox of actor name, or -1. */
int tp_deliver_find(const struct tp_node *n, const char *name);

#endif
