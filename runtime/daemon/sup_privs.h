/* An actor's process gives up what it need not have, in the child after
 * fork and before exec (sup.c, sup_child): its supplementary groups,
 * group and user become those the topology named (tp_topology_privs
 * worked them out and checked them), and no exec may gain privileges
 * again (PR_SET_NO_NEW_PRIVS: setuid binaries and file capabilities stop
 * working), for every actor, with a user or not. */
#ifndef TROUPE_SUP_PRIVS_H
#define TROUPE_SUP_PRIVS_H

#include <stddef.h>
#include "topo.h"

/* Applies p in the calling process.  Returns 0, or -1 with a sentence in
 * why naming the step that failed and errno's text: the caller must not
 * exec then.  After a setuid it checks that the uid really changed and
 * that root cannot be regained, so an actor never runs as root when a
 * user was asked for. */
int tp_privs_drop(const struct tp_actor_privs *p, char *why, size_t n);

#endif
