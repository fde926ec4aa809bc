/* troupectl sub FILTER: the daemon subscribes its own mailbox to the
 * filter (one run-time subscription per filter, whatever the number of
 * clients), and forwards each message published to a matching topic to
 * every client subscribed with a matching filter, as one CtlReply: type,
 * payload, topic, sender.  A client whose socket is full misses the
 * message (counted, told in the next one it gets): a slow troupectl never
 * stalls the daemon.  The subscription ends with the client. */
#ifndef TROUPE_CTL_SUB_H
#define TROUPE_CTL_SUB_H

#include "troupe/envelope.h"
#include "control.pb.h"
#include "ctl_socket.h"

/* SUB: 0 (answered in r; on success the client stays subscribed). */
int tp_ctl_do_sub(struct tp_ctl *c, int k, const troupe_CtlRequest *q, troupe_CtlReply *r);

/* A message published to the daemon's subscriptions: to the clients. */
void tp_ctl_sub_mail(struct tp_ctl *c, const struct tp_env *env);

/* Client k goes: its subscription ends (the daemon's too, if no other
 * client has the same filter). */
void tp_ctl_sub_end(struct tp_ctl *c, int k);

#endif
