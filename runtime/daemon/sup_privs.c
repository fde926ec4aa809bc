/* Dropping an actor's privileges in its child process (see sup_privs.h).
 * Async-signal-safe calls only: it runs between fork and exec.  The order
 * matters: groups first and the gid while still privileged, the uid last
 * (after it, nothing else could be changed). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "sup_privs.h"

static int privs_fail(const char *step, char *why, size_t n)
{
	int e = errno;
	snprintf(why, n, "%s: %s", step, strerror(e));
	return -1;
}

int tp_privs_drop(const struct tp_actor_privs *p, char *why, size_t n)
{
	if (p->drop) {
		if (setgroups(p->n_groups, p->groups) < 0)
			return privs_fail("setgroups", why, n);
		if (setresgid(p->gid, p->gid, p->gid) < 0)
			return privs_fail("setgid", why, n);
		if (setresuid(p->uid, p->uid, p->uid) < 0)
			return privs_fail("setuid", why, n);
		uid_t r, e, s;
		if (getresuid(&r, &e, &s) < 0 || r != p->uid || e != p->uid || s != p->uid ||
		    getegid() != p->gid) {
			errno = EPERM;
			return privs_fail("credentials unchanged after setuid", why, n);
		}
		/* Had it kept a way back (a saved uid of 0), this would work. */
		if (p->uid != 0 && setuid(0) == 0) {
			errno = EPERM;
			return privs_fail("root could be regained after setuid", why, n);
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return privs_fail("PR_SET_NO_NEW_PRIVS", why, n);
	return 0;
}
