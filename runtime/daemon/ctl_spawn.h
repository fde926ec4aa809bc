/* Dynamic children, asked for by troupectl (SPAWN, DESPAWN on the control
 * socket) or by an actor (troupe.Spawn to the daemon's mailbox): carried
 * out by the reloader (topo_reload.h) as the reload that adds or drops the
 * child would be, and answered when done. */
#ifndef TROUPE_CTL_SPAWN_H
#define TROUPE_CTL_SPAWN_H

#include "troupe/envelope.h"
#include "control.pb.h"
#include "ctl_socket.h"

/* The control commands: 0 (answered in r), 1 (answered later, by
 * tp_ctl_spawn_done). */
int tp_ctl_do_spawn(struct tp_ctl *c, int k, const troupe_CtlRequest *q, troupe_CtlReply *r);
int tp_ctl_do_despawn(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		      troupe_CtlReply *r);

/* Mail to the daemon: 1 if env is no Spawn request, else 0 or the code
 * of a request that could not even be answered. */
int tp_ctl_spawn_request(struct tp_ctl *c, const struct tp_env *env);

/* A pending despawn an actor asked for is done: answers it.  False if no
 * actor waits. */
bool tp_ctl_spawn_done(struct tp_ctl *c, int err, const char *msg);

#endif
