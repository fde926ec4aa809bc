/* Key file loading: a good key loads (0600 and 0400); every unsafe file is
 * refused with a message naming the file and the reason: mode 0644 and
 * friends, a symbolic link, a short or constant key, the wrong owner, a
 * directory or FIFO (which must not hang), a missing file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "link_key.h"

static char dir[64];
static char path[128];
static uint8_t bytes[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/troupe-keytest.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/group.key", dir);
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (uint8_t)(i * 37 + 11);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[160];
	static const char *const names[] = { "group.key", "link", "fifo", "sub" };
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
		rmdir(p);
	}
	rmdir(dir);
	return 0;
}

static void write_key(const char *p, const uint8_t *b, size_t n, mode_t mode)
{
	unlink(p);
	int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, n), (ssize_t)n);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

/* Loads p as the current user; returns the code, err holds the message. */
static int load(const char *p, char *err, size_t n)
{
	struct tp_link_key k;
	err[0] = '\0';
	int rc = tp_link_key_load(p, geteuid(), &k, err, n);
	if (rc) {
		uint8_t zero[TP_LINK_KEY_LEN] = { 0 };
		assert_memory_equal(k.secret, zero, sizeof zero);
		assert_int_equal(k.loaded, 0);
	}
	return rc;
}

static void good_key_loads(void **state)
{
	(void)state;
	struct tp_link_key k, want;
	char err[256] = "";
	tp_link_key_derive(bytes, 32, &want);
	for (int i = 0; i < 2; i++) {
		write_key(path, bytes, 32, i ? 0400 : 0600);
		assert_int_equal(tp_link_key_load(path, geteuid(), &k, err, sizeof err), 0);
		assert_int_equal(k.loaded, 1);
		assert_memory_equal(k.secret, want.secret, TP_LINK_KEY_LEN);
	}
	/* Longer keys are fine, and give another secret. */
	write_key(path, bytes, 64, 0600);
	assert_int_equal(tp_link_key_load(path, geteuid(), &k, err, sizeof err), 0);
	assert_memory_not_equal(k.secret, want.secret, TP_LINK_KEY_LEN);
	tp_link_key_wipe(&k);
	uint8_t zero[sizeof k] = { 0 };
	assert_memory_equal(&k, zero, sizeof k);
}

static void bad_modes_refused(void **state)
{
	(void)state;
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0700, 0602, 0200,
					04600, 01600 };
	char err[256], want[256];
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		write_key(path, bytes, 32, modes[i]);
		assert_int_equal(load(path, err, sizeof err), -TP_EPERM);
		snprintf(want, sizeof want, "key file %s has mode %04o: must be 0600 or 0400",
			 path, (unsigned)modes[i]);
		assert_string_equal(err, want);
	}
}

static void symlink_refused(void **state)
{
	(void)state;
	char link[160], err[256], want[256];
	snprintf(link, sizeof link, "%s/link", dir);
	write_key(path, bytes, 32, 0600);
	unlink(link);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(load(link, err, sizeof err), -TP_EPERM);
	snprintf(want, sizeof want, "key file %s is a symbolic link: refusing to follow it",
		 link);
	assert_string_equal(err, want);
}

static void short_and_long_refused(void **state)
{
	(void)state;
	char err[256], want[256];
	write_key(path, bytes, 31, 0600);
	assert_int_equal(load(path, err, sizeof err), -TP_ECONFIG);
	snprintf(want, sizeof want, "key file %s has 31 bytes: must hold 32 to 4096",
		 path);
	assert_non_null(strstr(err, want));
	write_key(path, bytes, 0, 0600);
	assert_int_equal(load(path, err, sizeof err), -TP_ECONFIG);
	uint8_t *big = calloc(1, TP_LINK_KEY_FILE_MAX + 1);
	assert_non_null(big);
	big[0] = 1;
	write_key(path, big, TP_LINK_KEY_FILE_MAX + 1, 0600);
	free(big);
	assert_int_equal(load(path, err, sizeof err), -TP_ECONFIG);
	assert_non_null(strstr(err, "has 4097 bytes"));
}

static void constant_key_refused(void **state)
{
	(void)state;
	uint8_t zeros[32] = { 0 };
	char err[256];
	write_key(path, zeros, sizeof zeros, 0600);
	assert_int_equal(load(path, err, sizeof err), -TP_ECONFIG);
	assert_non_null(strstr(err, "one byte value repeated"));
}

static void wrong_owner_refused(void **state)
{
	(void)state;
	struct tp_link_key k;
	char err[256], want[256];
	write_key(path, bytes, 32, 0600);
	uid_t other = geteuid() + 1;
	assert_int_equal(tp_link_key_load(path, other, &k, err, sizeof err), -TP_EPERM);
	snprintf(want, sizeof want, "key file %s is owned by uid %u: must be owned by "
		 "uid %u, the daemon's user", path, (unsigned)geteuid(), (unsigned)other);
	assert_string_equal(err, want);
	/* As root, also a file really owned by someone else. */
	if (geteuid() == 0 && chown(path, 4242, 4242) == 0) {
		assert_int_equal(load(path, err, sizeof err), -TP_EPERM);
		assert_non_null(strstr(err, "is owned by uid 4242"));
	}
}

static void not_regular_refused(void **state)
{
	(void)state;
	char p[160], err[256];
	snprintf(p, sizeof p, "%s/sub", dir);
	assert_int_equal(mkdir(p, 0600), 0);
	assert_int_equal(load(p, err, sizeof err), -TP_EPERM);
	assert_non_null(strstr(err, "is not a regular file"));
	snprintf(p, sizeof p, "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(load(p, err, sizeof err), -TP_EPERM);   /* and no hang */
	assert_non_null(strstr(err, "is not a regular file"));
}

static void missing_refused(void **state)
{
	(void)state;
	char p[160], err[256], want[256];
	snprintf(p, sizeof p, "%s/none", dir);
	assert_int_equal(load(p, err, sizeof err), -TP_ENOENT);
	snprintf(want, sizeof want, "key file %s: cannot open: No such file or directory", p);
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_key_loads),
		cmocka_unit_test(bad_modes_refused),
		cmocka_unit_test(symlink_refused),
		cmocka_unit_test(short_and_long_refused),
		cmocka_unit_test(constant_key_refused),
		cmocka_unit_test(wrong_owner_refused),
		cmocka_unit_test(not_regular_refused),
		cmocka_unit_test(missing_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
