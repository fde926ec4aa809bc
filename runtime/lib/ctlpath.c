/* The default control socket path (see ctlpath.h). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "troupe/error.h"
#include "ctlpath.h"

int tp_ctl_dir(char *dir, size_t n)
{
	const char *env = getenv("TROUPE_RUN_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	int len;
	if (env && *env)
		len = snprintf(dir, n, "%s", env);
	else if (geteuid() == 0)
		len = snprintf(dir, n, "/run/troupe");
	else if (xdg && *xdg)
		len = snprintf(dir, n, "%s/troupe", xdg);
	else
		len = snprintf(dir, n, "/tmp/troupe-%u", (unsigned)geteuid());
	return len < 0 || (size_t)len >= n ? -TP_ETOOBIG : 0;
}

int tp_ctl_path(char *path, size_t n, const char *node)
{
	char dir[256];
	if (tp_ctl_dir(dir, sizeof dir))
		return -TP_ETOOBIG;
	int len = snprintf(path, n, "%s/%s.ctl", dir, node);
	return len < 0 || (size_t)len >= n ? -TP_ETOOBIG : 0;
}
