/* The runtime directory (runtime/base/rundir.c): which one, created with
 * the right mode, refused when others may write to it or it is not ours
 * or not a directory, paths in it bounded, and its sweep removes only the
 * node's own files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "rundir.h"
#include "troupe/error.h"

static char base[64], dir[128];

static int setup(void **st)
{
	(void)st;
	umask(022);   /* the modes below are mkdir's, before the umask */
	snprintf(base, sizeof base, "/tmp/troupe-rundir.XXXXXX");
	if (!mkdtemp(base))
		return -1;
	snprintf(dir, sizeof dir, "%s/run", base);
	setenv(TP_RUN_DIR_ENV, dir, 1);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	return system(cmd);
}

static void which_directory(void **st)
{
	(void)st;
	char buf[256];
	assert_int_equal(tp_rundir(buf, sizeof buf), 0);
	assert_string_equal(buf, dir);
	unsetenv(TP_RUN_DIR_ENV);
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	assert_int_equal(tp_rundir(buf, sizeof buf), 0);
	assert_string_equal(buf, "/run/user/7/troupe");
	unsetenv("XDG_RUNTIME_DIR");
	char want[64];
	snprintf(want, sizeof want, geteuid() == 0 ? "/run/troupe" : "/tmp/troupe-%u",
		 (unsigned)geteuid());
	assert_int_equal(tp_rundir(buf, sizeof buf), 0);
	assert_string_equal(buf, want);
	setenv(TP_RUN_DIR_ENV, dir, 1);
	assert_int_equal(tp_rundir(buf, strlen(dir)), -TP_ETOOBIG);   /* no room for the NUL */
}

static void made_with_mode(void **st)
{
	(void)st;
	char err[256] = "";
	struct stat s;
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), 0);
	assert_int_equal(stat(dir, &s), 0);
	assert_int_equal(s.st_mode & 0777, 0700);
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), 0);   /* exists: fine */
	rmdir(dir);
	assert_int_equal(tp_rundir_make(0660, err, sizeof err), 0);   /* the group's too */
	assert_int_equal(stat(dir, &s), 0);
	assert_int_equal(s.st_mode & 0777, 0750);
}

static void unsafe_refused(void **st)
{
	(void)st;
	char err[256] = "", want[256];
	snprintf(want, sizeof want, "runtime directory %s must be a directory owned by uid "
		 "%u and not writable by others", dir, (unsigned)geteuid());
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), -TP_EPERM);
	assert_string_equal(err, want);
	rmdir(dir);
	char target[160];
	snprintf(target, sizeof target, "%s/elsewhere", base);
	assert_int_equal(mkdir(target, 0700), 0);
	assert_int_equal(symlink(target, dir), 0);   /* a link, not our directory */
	err[0] = '\0';
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), -TP_EPERM);
	assert_string_equal(err, want);
	unlink(dir);
	snprintf(target, sizeof target, "%s/nodir/run", base);
	setenv(TP_RUN_DIR_ENV, target, 1);
	err[0] = '\0';
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), -TP_ENOENT);
	assert_non_null(strstr(err, "cannot create runtime directory"));
	assert_non_null(strstr(err, "(set run_dir in [node] or TROUPE_RUN_DIR)"));
	setenv(TP_RUN_DIR_ENV, dir, 1);
}

static void paths_and_sweep(void **st)
{
	(void)st;
	char err[256], p[256], want[256];
	assert_int_equal(tp_rundir_make(0600, err, sizeof err), 0);
	assert_int_equal(tp_rundir_path(p, sizeof p, "/troupe.n1.echo", ".sock"), 0);
	snprintf(want, sizeof want, "%s/troupe.n1.echo.sock", dir);
	assert_string_equal(p, want);
	assert_int_equal(tp_rundir_path(p, 20, "/troupe.n1.echo", ".sock"), -TP_ETOOBIG);
	static const char *const files[] = {
		"troupe.n1.echo.sock", "troupe.n1.echo.attr", "troupe.n1.sink.sock",
		"troupe.n10.echo.sock", "troupe.n2.echo.sock", "other",
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		assert_true(fd >= 0);
		close(fd);
	}
	static const char *const socks[] = { ".sock", NULL };
	assert_int_equal(tp_rundir_sweep("/troupe.n1.", socks), 2);
	assert_int_equal(tp_rundir_sweep("/troupe.n1.", NULL), 1);   /* the .attr */
	assert_int_equal(tp_rundir_sweep("/troupe.n1.", NULL), 0);
	for (size_t i = 3; i < sizeof files / sizeof *files; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		assert_int_equal(access(p, F_OK), 0);   /* n10, n2 and the rest stay */
	}
	assert_int_equal(tp_dir_sweep("/nonexistent/dir", "/troupe.n1.", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(which_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(made_with_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(unsafe_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(paths_and_sweep, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
