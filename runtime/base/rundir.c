/* The node's runtime directory: where the control socket and the unix
 * and tcp mailboxes' files live (see rundir.h). */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "rundir.h"
#include "troupe/error.h"

int tp_rundir(char *buf, size_t n)
{
	const char *d = getenv(TP_RUN_DIR_ENV), *x = getenv("XDG_RUNTIME_DIR");
	int w;
	if (d && *d)
		w = snprintf(buf, n, "%s", d);
	else if (x && *x)
		w = snprintf(buf, n, "%s/troupe", x);
	else if (geteuid() == 0)
		w = snprintf(buf, n, "/run/troupe");
	else
		w = snprintf(buf, n, "/tmp/troupe-%u", (unsigned)geteuid());
	return w < 0 || (size_t)w >= n ? -TP_ETOOBIG : 0;
}

int tp_rundir_make(mode_t mode, char *err, size_t errlen)
{
	char dir[256];
	struct stat st;
	if (tp_rundir(dir, sizeof dir)) {
		snprintf(err, errlen, "runtime directory name too long");
		return -TP_ETOOBIG;
	}
	mode_t dmode = (mode & 0060) ? 0750 : 0700;
	if (mkdir(dir, dmode) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create runtime directory %s: %s (set "
			 "run_dir in [node] or " TP_RUN_DIR_ENV ")", dir, strerror(errno));
		return -tp_err_from_errno(errno);
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0002)) {
		snprintf(err, errlen, "runtime directory %s must be a directory owned by "
			 "uid %u and not writable by others", dir, (unsigned)geteuid());
		return -TP_EPERM;
	}
	return 0;
}

int tp_rundir_path(char *buf, size_t n, const char *path, const char *suffix)
{
	char dir[256];
	if (tp_rundir(dir, sizeof dir))
		return -TP_ETOOBIG;
	int w = snprintf(buf, n, "%s/%s%s", dir, path[0] == '/' ? path + 1 : path, suffix);
	return w < 0 || (size_t)w >= n ? -TP_ETOOBIG : 0;
}

int tp_dir_sweep(const char *dir, const char *prefix, const char *const *suffixes)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int removed = 0;
	size_t plen = strlen(prefix + 1);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix + 1, plen) != 0)
			continue;
		size_t n = strlen(de->d_name);
		bool match = !suffixes;
		for (const char *const *s = suffixes; s && *s && !match; s++) {
			size_t m = strlen(*s);
			match = n > m && strcmp(de->d_name + n - m, *s) == 0;
		}
		if (match && unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}

int tp_rundir_sweep(const char *prefix, const char *const *suffixes)
{
	char dir[256];
	if (tp_rundir(dir, sizeof dir))
		return 0;
	return tp_dir_sweep(dir, prefix, suffixes);
}
