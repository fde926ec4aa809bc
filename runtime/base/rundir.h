/* The node's runtime directory, for the daemon, its actors and troupectl
 * alike: the control socket and the unix and tcp mailboxes' files. */
#ifndef TROUPE_RUNDIR_H
#define TROUPE_RUNDIR_H

#include <stddef.h>
#include <sys/types.h>

#define TP_RUN_DIR_ENV "TROUPE_RUN_DIR"

/* The runtime directory: $TROUPE_RUN_DIR, else $XDG_RUNTIME_DIR/troupe,
 * else /run/troupe for root, else /tmp/troupe-<uid>.  0 or -TP_ETOOBIG. */
int tp_rundir(char *buf, size_t n);

/* Creates it if missing (mode 0700, 0750 if mode gives the group access)
 * and checks that it is ours and not writable by others.  On failure, a
 * sentence in err. */
int tp_rundir_make(mode_t mode, char *err, size_t errlen);

/* "<rundir>/<path without its leading '/'><suffix>". */
int tp_rundir_path(char *buf, size_t n, const char *path, const char *suffix);

/* Removes from dir every entry that begins with prefix (without its '/')
 * and ends with one of the suffixes (NULL-terminated; a NULL list matches
 * any ending).  Returns how many were removed; 0 if dir cannot be read. */
int tp_dir_sweep(const char *dir, const char *prefix, const char *const *suffixes);
/* The same in the runtime directory. */
int tp_rundir_sweep(const char *prefix, const char *const *suffixes);

#endif
