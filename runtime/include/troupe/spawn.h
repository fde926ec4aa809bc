/* Dynamic children: actors started at run time from a [template NAME] of
 * the topology, each with its own name, arguments, mailbox, registry
 * entry and counters, under the template's supervisor (OTP's
 * simple_one_for_one).  The same as `troupectl spawn` and `despawn`;
 * docs/SUPERVISION.md, "Dynamic children".  Across a restart of the
 * daemon they are gone, as in OTP: the topology file does not name them. */
#ifndef TROUPE_SPAWN_H
#define TROUPE_SPAWN_H

#include <sys/types.h>
#include "troupe/actor.h"

/* Starts a child of template tmpl called name, args (may be NULL) after
 * the template's own (words split as the topology's args are), and waits
 * up to timeout_ms for the daemon's answer; the child is then starting
 * (troupectl wait-for, or tp_monitor, tell when it is up).  Returns its
 * pid (> 0), or -TP_ENOENT (no such template), -TP_EBUSY (an actor of
 * that name exists; or a reload, spawn or despawn is under way: try
 * again), -TP_ELIMIT (the template's max_children, or the node's 64
 * actors), -TP_EINVAL (name, args), -TP_ETOOBIG, -TP_ECONFIG (the
 * node's kernel limits: the mailbox could not be made), or what tp_call
 * returns. */
TP_API
pid_t tp_spawn(tp_actor *self, const char *tmpl, const char *name, const char *args,
	       int timeout_ms);

/* Stops dynamic child name (as troupectl stop: SIGTERM, then SIGKILL
 * after its shutdown_ms) and removes it with its mailbox and registry
 * entry; returns once it is gone: 0, -TP_ENOENT, -TP_EPERM (no dynamic
 * child), -TP_EBUSY, or what tp_call returns.  Give timeout_ms room for
 * its shutdown. */
TP_API
int tp_despawn(tp_actor *self, const char *name, int timeout_ms);

#endif
