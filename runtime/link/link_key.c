/* Key file loading (link_key.h).  Refuses rather than warns: a group key
 * that other users can read is a key every local user holds. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "troupe/error.h"
#include "link_crypto.h"
#include "link_key.h"

/* HKDF-Extract's salt: binds the secret to this use of the file. */
static const char key_label[] = "troupe link group key v1";

void tp_link_key_derive(const uint8_t *bytes, size_t n, struct tp_link_key *key)
{
	struct tp_hmac st;
	tp_hmac_init(&st, (const uint8_t *)key_label, sizeof key_label);
	tp_hmac_update(&st, bytes, n);
	tp_hmac_final(&st, key->secret);
	tp_wipe(&st, sizeof st);
	key->loaded = 1;
}

void tp_link_key_wipe(struct tp_link_key *key)
{
	tp_wipe(key, sizeof *key);
}

/* Checks what fstat says about the open file; 0 or a -TP_E* with err set. */
static int key_check_stat(const char *path, const struct stat *st, uid_t owner,
			  char *err, size_t errlen)
{
	mode_t mode = st->st_mode & 07777;
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "key file %s is not a regular file", path);
		return -TP_EPERM;
	}
	if (st->st_uid != owner) {
		snprintf(err, errlen, "key file %s is owned by uid %u: must be owned by "
			 "uid %u, the daemon's user", path, (unsigned)st->st_uid,
			 (unsigned)owner);
		return -TP_EPERM;
	}
	if (mode != 0600 && mode != 0400) {
		snprintf(err, errlen, "key file %s has mode %04o: must be 0600 or 0400",
			 path, (unsigned)mode);
		return -TP_EPERM;
	}
	if (st->st_size < TP_LINK_KEY_FILE_MIN || st->st_size > TP_LINK_KEY_FILE_MAX) {
		snprintf(err, errlen, "key file %s has %lld bytes: must hold %d to %d "
			 "random bytes (make one with: head -c 32 /dev/urandom)",
			 path, (long long)st->st_size, TP_LINK_KEY_FILE_MIN,
			 TP_LINK_KEY_FILE_MAX);
		return -TP_ECONFIG;
	}
	return 0;
}

static int key_open(const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: a FIFO planted at the path must not hang the daemon
	 * before fstat gets to refuse it. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ELOOP) {
		snprintf(err, errlen, "key file %s is a symbolic link: refusing to "
			 "follow it", path);
		return -TP_EPERM;
	}
	snprintf(err, errlen, "key file %s: cannot open: %s", path, strerror(e));
	return e == ENOENT ? -TP_ENOENT : -tp_err_from_errno(e);
}

/* Reads the whole file into buf; the size must match what fstat said. */
static int key_read(int fd, const char *path, uint8_t *buf, size_t want,
		    char *err, size_t errlen)
{
	size_t got = 0;
	while (got <= want) {
		ssize_t n = read(fd, buf + got, want + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "key file %s: cannot read: %s", path,
				 strerror(errno));
			return -tp_err_sys(errno);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != want) {
		snprintf(err, errlen, "key file %s changed size while being read", path);
		return -TP_ECONFIG;
	}
	return 0;
}

static bool key_is_constant(const uint8_t *b, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (b[i] != b[0])
			return false;
	return true;
}

int tp_link_key_load(const char *path, uid_t owner, struct tp_link_key *key,
		     char *err, size_t errlen)
{
	uint8_t buf[TP_LINK_KEY_FILE_MAX + 1];
	struct stat st;
	tp_link_key_wipe(key);
	int fd = key_open(path, err, errlen);
	if (fd < 0)
		return fd;
	int rc = 0;
	if (fstat(fd, &st)) {
		snprintf(err, errlen, "key file %s: cannot stat: %s", path, strerror(errno));
		rc = -tp_err_sys(errno);
	}
	if (!rc)
		rc = key_check_stat(path, &st, owner, err, errlen);
	if (!rc)
		rc = key_read(fd, path, buf, (size_t)st.st_size, err, errlen);
	close(fd);
	if (!rc && key_is_constant(buf, (size_t)st.st_size)) {
		snprintf(err, errlen, "key file %s holds one byte value repeated: it must "
			 "hold random bytes (head -c 32 /dev/urandom)", path);
		rc = -TP_ECONFIG;
	}
	if (!rc)
		tp_link_key_derive(buf, (size_t)st.st_size, key);
	tp_wipe(buf, sizeof buf);
	return rc;
}
