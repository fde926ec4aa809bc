/* Can this machine run an actor's executable?  Looked at before any start
 * (troupe --check, a start, a reload), so that an executable for another
 * architecture or one that is no program at all is one clear line with
 * its fix, not an exec failure (or, through execvp's /bin/sh fallback, a
 * shell reading ELF bytes) in a restart loop. */
#ifndef TROUPE_TOPO_EXEC_H
#define TROUPE_TOPO_EXEC_H

#include <stddef.h>
#include <stdio.h>
#include "topo.h"

/* Is path something the kernel execs here: an ELF executable built as
 * the running daemon is (class, byte order, machine: /proc/self/exe), or
 * for the machine the kernel runs natively (/proc/sys/kernel/arch: a
 * daemon under qemu-user may start host programs), or one an enabled
 * binfmt_misc entry runs; or a script whose #! interpreter exists and is
 * executable?  0, or -TP_ECONFIG with a sentence in why ("exec format
 * error: PATH is an aarch64 binary, this machine runs x86_64; set
 * exec_prefix ..."), or -TP_ENOENT / -TP_EPERM / -TP_ESYS (cannot read
 * it) with why. */
int tp_exec_check(const char *path, char *why, size_t n);

/* tp_exec_check for every resolved actor of t not run through an
 * exec_prefix (a prefix such as qemu-aarch64 runs what the machine could
 * not).  One line per problem in errs, "FILE:LINE: [actor NAME]: ...";
 * returns how many. */
int tp_topology_check_execs(const struct tp_topology *t, FILE *errs);

#endif
