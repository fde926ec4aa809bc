/* The node's registry in shared memory (see registry.h). */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "registry.h"
#include "transport.h"

/* Every transport's name fits an entry (tp_transport_validate bounds it);
 * the entry's size is the registry's layout, so it stays. */
_Static_assert(sizeof ((struct tp_reg_entry *)0)->transport > TP_TRANSPORT_NAME_MAX,
	       "struct tp_reg_entry.transport must hold TP_TRANSPORT_NAME_MAX");

struct tp_registry {
	uint32_t magic;
	uint32_t version;
	uint32_t seq;          /* odd while the daemon writes */
	uint32_t count;
	int32_t daemon_pid;
	uint32_t layout;       /* changes when entries move (reload) */
	struct tp_reg_entry e[TP_REG_MAX];
};

int tp_ipc_name(char *buf, size_t n, const char *node, const char *obj)
{
	int len = snprintf(buf, n, "/troupe.%s.%s", node, obj);
	return len < 0 || (size_t)len >= n ? -TP_ETOOBIG : 0;
}

int tp_name_is_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > TP_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* Maps the node's registry.  mine: only an object that this process's
 * uid owns (the stale sweep, which must not read what another user
 * planted under the node's name); -TP_EPERM otherwise. */
static int registry_map(const char *node, int oflag, mode_t mode, bool mine,
			struct tp_registry **out)
{
	char path[64];
	int rc = tp_ipc_name(path, sizeof path, node, "registry");
	if (rc)
		return rc;
	int fd = shm_open(path, oflag | O_CLOEXEC, mode);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	if ((oflag & O_CREAT) && (fchmod(fd, mode) || ftruncate(fd, sizeof **out))) {
		rc = -tp_err_from_errno(errno);
		close(fd);
		return rc;
	}
	struct stat st;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof **out) {
		close(fd);
		return -TP_ENOENT;   /* a registry being created: not up yet */
	}
	if (mine && (!S_ISREG(st.st_mode) || st.st_uid != geteuid())) {
		close(fd);
		return -TP_EPERM;
	}
	int prot = (oflag & O_ACCMODE) == O_RDONLY ? PROT_READ : PROT_READ | PROT_WRITE;
	void *p = mmap(NULL, sizeof **out, prot, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -tp_err_from_errno(errno);
	*out = p;
	return 0;
}

int tp_registry_create(const char *node, mode_t mode, struct tp_registry **out)
{
	tp_registry_unlink(node);
	int rc = registry_map(node, O_RDWR | O_CREAT | O_EXCL, mode, false, out);
	if (rc)
		return rc;
	struct tp_registry *r = *out;
	r->version = TP_REG_VERSION;
	__atomic_store_n(&r->magic, TP_REG_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

static int registry_open(const char *node, bool mine, struct tp_registry **out)
{
	int rc = registry_map(node, O_RDONLY, 0, mine, out);
	if (rc)
		return rc;
	if (__atomic_load_n(&(*out)->magic, __ATOMIC_ACQUIRE) != TP_REG_MAGIC ||
	    (*out)->version != TP_REG_VERSION) {
		tp_registry_close(*out);
		return -TP_EVERSION;
	}
	return 0;
}

int tp_registry_open(const char *node, struct tp_registry **out)
{
	return registry_open(node, false, out);
}

int tp_registry_open_mine(const char *node, struct tp_registry **out)
{
	return registry_open(node, true, out);
}

int tp_ipc_unlink(const char *node, const char *obj)
{
	char path[64];
	if (tp_ipc_name(path, sizeof path, node, obj))
		return -TP_ETOOBIG;
	if (shm_unlink(path) && errno != ENOENT)
		return -tp_err_from_errno(errno);
	return 0;
}

void tp_registry_close(struct tp_registry *r)
{
	if (r)
		munmap(r, sizeof *r);
}

int tp_registry_unlink(const char *node)
{
	return tp_ipc_unlink(node, "registry");
}


void tp_registry_put(struct tp_registry *r, unsigned i, const struct tp_reg_entry *e)
{
	if (i >= TP_REG_MAX)
		return;
	tp_seq_write_begin(&r->seq);
	memcpy(&r->e[i], e, sizeof *e);
	tp_seq_write_end(&r->seq);
}

void tp_registry_set_count(struct tp_registry *r, unsigned count)
{
	tp_seq_write_begin(&r->seq);
	r->count = count > TP_REG_MAX ? TP_REG_MAX : count;
	tp_seq_write_end(&r->seq);
}

void tp_registry_relayout(struct tp_registry *r)
{
	tp_seq_write_begin(&r->seq);
	__atomic_fetch_add(&r->layout, 1, __ATOMIC_RELAXED);
	tp_seq_write_end(&r->seq);
}

uint32_t tp_registry_layout(const struct tp_registry *r)
{
	return __atomic_load_n(&r->layout, __ATOMIC_ACQUIRE);
}

void tp_registry_set_daemon(struct tp_registry *r, pid_t pid)
{
	tp_seq_write_begin(&r->seq);
	r->daemon_pid = pid;
	tp_seq_write_end(&r->seq);
}

/* Copies src under the seqlock.  The copy is taken with relaxed atomic
 * byte loads' moral equivalent (memcpy between two fences); a torn copy is
 * detected by the sequence and retried, a bounded number of times. */
static int read_copy(const struct tp_registry *r, void *dst, const void *src, size_t n)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t s0 = __atomic_load_n(&r->seq, __ATOMIC_ACQUIRE);
		if (s0 & 1)
			continue;
		memcpy(dst, src, n);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&r->seq, __ATOMIC_RELAXED) == s0)
			return 0;
	}
	return -TP_EBUSY;
}

unsigned tp_registry_count(const struct tp_registry *r)
{
	uint32_t n = __atomic_load_n(&r->count, __ATOMIC_ACQUIRE);
	return n > TP_REG_MAX ? TP_REG_MAX : n;
}

pid_t tp_registry_daemon(const struct tp_registry *r)
{
	return __atomic_load_n(&r->daemon_pid, __ATOMIC_ACQUIRE);
}

int tp_registry_get(const struct tp_registry *r, unsigned i, struct tp_reg_entry *out)
{
	if (i >= tp_registry_count(r))
		return -TP_ENOENT;
	int rc = read_copy(r, out, &r->e[i], sizeof *out);
	out->name[TP_NAME_MAX] = '\0';   /* never trust shared memory twice */
	out->transport[sizeof out->transport - 1] = '\0';
	out->mailbox[sizeof out->mailbox - 1] = '\0';
	out->node[TP_NAME_MAX] = '\0';
	return rc;
}

int tp_registry_find_ix(const struct tp_registry *r, const char *name,
			const char *node, struct tp_reg_entry *out, unsigned *ix)
{
	unsigned n = tp_registry_count(r);
	for (unsigned i = 0; i < n; i++)
		if (tp_registry_get(r, i, out) == 0 && strcmp(out->node, node) == 0 &&
		    strcmp(out->name, name) == 0) {
			if (ix)
				*ix = i;
			return 0;
		}
	return -TP_ENOENT;
}

int tp_registry_find(const struct tp_registry *r, const char *name, struct tp_reg_entry *out)
{
	return tp_registry_find_ix(r, name, "", out, NULL);
}

int tp_registry_find_remote(const struct tp_registry *r, const char *name,
			    const char *node, struct tp_reg_entry *out)
{
	return tp_registry_find_ix(r, name, node, out, NULL);
}

const char *tp_state_name(uint32_t state)
{
	static const char *const names[] = {
		[TP_STATE_DOWN] = "down", [TP_STATE_STARTING] = "starting",
		[TP_STATE_UP] = "up", [TP_STATE_BACKOFF] = "backoff",
		[TP_STATE_STOPPING] = "stopping", [TP_STATE_FAILED] = "failed",
	};
	return state < sizeof names / sizeof names[0] ? names[state] : "?";
}
