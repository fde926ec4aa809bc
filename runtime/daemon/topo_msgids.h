/* The message ids the node's actors declare (NAME.msgids beside each
 * executable, written by the build step, runtime/sdk/troupe-gen): two
 * actors that give one id to two types would decode each other's bytes,
 * so such a topology is refused before anything starts. */
#ifndef TROUPE_MSGIDS_H
#define TROUPE_MSGIDS_H

#include <stdio.h>
#include "topo.h"

/* Checks the resolved actors of t against each other and against the
 * runtime's own ids.  Every collision and malformed line goes to errs
 * with the topology's file:line and each declaration's.  Returns the
 * number of errors.  An actor without NAME.msgids declares nothing. */
int tp_msgids_check(const struct tp_topology *t, FILE *errs);

#endif
