/* Per-mailbox counters in shared memory (see counters.h).  Every update is
 * a relaxed atomic add on the mailbox's own cache line: counting must not
 * cost a lock, a syscall, nor a cache line shared between mailboxes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "troupe/error.h"
#include "clock.h"
#include "counters.h"
#include "troupe/actor.h"

_Static_assert(TP_OWN_MAX == TP_COUNTERS_OWN_MAX, "counters.h and troupe/actor.h");

static int counters_name(char *buf, size_t n, const char *node)
{
	return tp_ipc_name(buf, n, node, "counters");
}

static int counters_map(const char *node, int oflag, mode_t mode, struct tp_counters **out)
{
	char path[64];
	int rc = counters_name(path, sizeof path, node);
	if (rc)
		return rc;
	errno = 0;
	int fd = shm_open(path, oflag | O_RDWR | O_CLOEXEC, mode);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	struct stat st;
	if (((oflag & O_CREAT) && (fchmod(fd, mode) || ftruncate(fd, sizeof **out))) ||
	    fstat(fd, &st) || (size_t)st.st_size < sizeof **out) {
		rc = errno ? -tp_err_from_errno(errno) : -TP_ENOENT;
		close(fd);
		return rc;
	}
	void *p = mmap(NULL, sizeof **out, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -tp_err_from_errno(errno);
	*out = p;
	return 0;
}

int tp_counters_create(const char *node, mode_t mode, struct tp_counters **out)
{
	tp_counters_unlink(node);
	int rc = counters_map(node, O_CREAT | O_EXCL, mode, out);
	if (rc)
		return rc;
	(*out)->version = TP_CTR_VERSION;
	__atomic_store_n(&(*out)->magic, TP_CTR_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int tp_counters_open(const char *node, struct tp_counters **out)
{
	int rc = counters_map(node, 0, 0, out);
	if (rc)
		return rc;
	if (__atomic_load_n(&(*out)->magic, __ATOMIC_ACQUIRE) != TP_CTR_MAGIC ||
	    (*out)->version != TP_CTR_VERSION) {
		tp_counters_close(*out);
		*out = NULL;
		return -TP_EVERSION;
	}
	return 0;
}

void tp_counters_close(struct tp_counters *c)
{
	if (c)
		munmap(c, sizeof *c);
}

int tp_counters_unlink(const char *node)
{
	char path[64];
	if (counters_name(path, sizeof path, node))
		return -TP_ETOOBIG;
	return shm_unlink(path) && errno != ENOENT ? -tp_err_from_errno(errno) : 0;
}

#define ADD(p, n) __atomic_fetch_add((p), (n), __ATOMIC_RELAXED)
#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)

uint64_t tp_counters_send_begin(struct tp_counters *c, unsigned i)
{
	if (!c || i >= TP_REG_MAX)
		return 0;
	struct tp_ctr *k = &c->c[i];
	return ADD(&k->sent, 1) + 1 - LOAD(&k->received);
}

void tp_counters_send_end(struct tp_counters *c, unsigned i, int rc, uint64_t depth)
{
	if (!c || i >= TP_REG_MAX)
		return;
	struct tp_ctr *k = &c->c[i];
	if (rc) {
		__atomic_fetch_sub(&k->sent, 1, __ATOMIC_RELAXED);
		if (rc == -TP_EFULL)
			ADD(&k->rejected_full, 1);
		return;
	}
	uint64_t hwm = LOAD(&k->hwm);
	/* Bounded: another sender raising it too is as good as us. */
	for (int tries = 0; depth > hwm && depth < (1ull << 32) && tries < 4; tries++)
		if (__atomic_compare_exchange_n(&k->hwm, &hwm, depth, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
}

void tp_counters_send_undo(struct tp_counters *c, unsigned i)
{
	if (c && i < TP_REG_MAX)
		__atomic_fetch_sub(&c->c[i].sent, 1, __ATOMIC_RELAXED);
}

void tp_counters_reject(struct tp_counters *c, unsigned i)
{
	if (c && i < TP_REG_MAX)
		ADD(&c->c[i].rejected_full, 1);
}

void tp_counters_drop(struct tp_counters *c, unsigned i)
{
	if (c && i < TP_REG_MAX)
		ADD(&c->c[i].dropped, 1);
}

void tp_counters_refused(struct tp_counters *c, unsigned i)
{
	if (c && i < TP_REG_MAX)
		ADD(&c->c[i].refused, 1);
}

/* The flag is stored last with release: a holder killed while it wrote
 * the rest leaves it 0 (released before), so the daemon reads a whole
 * record or none.  Its process is dead when the daemon reads. */
void tp_counters_hold(struct tp_counters *c, unsigned i, const char *from,
		      uint64_t corr, uint32_t type, unsigned prio)
{
	if (!c || i >= TP_REG_MAX)
		return;
	struct tp_held *h = &c->c[i].held;
	size_t n = strnlen(from, TP_ENV_NAME_MAX);
	memcpy(h->from, from, n);
	h->from[n] = '\0';
	h->type = type;
	h->prio = prio;
	h->corr = corr;
	__atomic_store_n(&h->on, 1, __ATOMIC_RELEASE);
}

void tp_counters_release(struct tp_counters *c, unsigned i)
{
	if (c && i < TP_REG_MAX)
		__atomic_store_n(&c->c[i].held.on, 0, __ATOMIC_RELEASE);
}

bool tp_counters_held(struct tp_counters *c, unsigned i, struct tp_held *out)
{
	if (!c || i >= TP_REG_MAX)
		return false;
	struct tp_held *h = &c->c[i].held;
	uint32_t on = __atomic_exchange_n(&h->on, 0, __ATOMIC_ACQUIRE);
	if (!on)
		return false;
	*out = *h;
	out->from[TP_ENV_NAME_MAX] = '\0';   /* never trust shared memory twice */
	return true;
}

void tp_counters_busy(struct tp_counters *c, unsigned i, int64_t ns)
{
	if (c && i < TP_REG_MAX)
		__atomic_store_n(&c->c[i].busy_ns, ns, __ATOMIC_RELAXED);
}

int64_t tp_counters_busy_since(const struct tp_counters *c, unsigned i)
{
	if (!c || i >= TP_REG_MAX)
		return 0;
	return __atomic_load_n(&c->c[i].busy_ns, __ATOMIC_RELAXED);
}

void tp_counters_recv(struct tp_counters *c, unsigned i, bool discarded)
{
	if (!c || i >= TP_REG_MAX)
		return;
	ADD(&c->c[i].received, 1);
	if (discarded)
		ADD(&c->c[i].dropped, 1);
}

void tp_counters_time(struct tp_counters *c, unsigned i, int64_t ns)
{
	if (!c || i >= TP_REG_MAX)
		return;
	struct tp_ctr *k = &c->c[i];
	unsigned b = 0;
	for (int64_t lim = 10000; b < TP_CTR_BUCKETS - 1 && ns >= lim; lim *= 10)
		b++;
	ADD(&k->handling[b], 1);
}

unsigned tp_lat_bucket(int64_t ns)
{
	uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0;
	unsigned b = us ? 64 - (unsigned)__builtin_clzll(us) : 0;
	return b < TP_LAT_BUCKETS ? b : TP_LAT_BUCKETS - 1;
}

void tp_counters_latency(struct tp_counters *c, unsigned i, int64_t ns)
{
	if (!c || i >= TP_REG_MAX || ns < 0)
		return;
	struct tp_ctr *k = &c->c[i];
	ADD(&k->lat[tp_lat_bucket(ns)], 1);
	ADD(&k->lat_sum_ns, (uint64_t)ns);
	ADD(&k->lat_n, 1);
	/* One writer (the receiving actor): a plain maximum will do. */
	if ((uint64_t)ns > LOAD(&k->lat_max_ns))
		__atomic_store_n(&k->lat_max_ns, (uint64_t)ns, __ATOMIC_RELAXED);
}

void tp_counters_get(const struct tp_counters *c, unsigned i, struct tp_ctr *out)
{
	memset(out, 0, sizeof *out);
	if (!c || i >= TP_REG_MAX)
		return;
	const struct tp_ctr *k = &c->c[i];
	out->sent = LOAD(&k->sent);
	out->received = LOAD(&k->received);
	out->dropped = LOAD(&k->dropped);
	out->rejected_full = LOAD(&k->rejected_full);
	out->refused = LOAD(&k->refused);
	out->hwm = LOAD(&k->hwm);
	for (unsigned b = 0; b < TP_CTR_BUCKETS; b++)
		out->handling[b] = LOAD(&k->handling[b]);
	out->lat_n = LOAD(&k->lat_n);
	out->lat_sum_ns = LOAD(&k->lat_sum_ns);
	out->lat_max_ns = LOAD(&k->lat_max_ns);
	for (unsigned b = 0; b < TP_LAT_BUCKETS; b++)
		out->lat[b] = LOAD(&k->lat[b]);
}

static bool own_name_ok(const char *name)
{
	size_t n = 0;
	for (; name[n]; n++)
		if (n == TP_OWN_NAME_MAX ||
		    !((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= '0' && name[n] <= '9') ||
		      name[n] == '_'))
			return false;
	return n > 0;
}

int tp_counters_own(struct tp_counters *c, unsigned i, const char *name)
{
	if (!name || !own_name_ok(name))
		return -TP_EINVAL;
	if (!c || i >= TP_REG_MAX)
		return -TP_ENOENT;
	struct tp_ctr *k = &c->c[i];
	/* Shared memory is read as untrusted: the count is bounded. */
	uint32_t n = __atomic_load_n(&k->n_own, __ATOMIC_ACQUIRE);
	if (n > TP_OWN_MAX)
		n = TP_OWN_MAX;
	for (uint32_t s = 0; s < n; s++)
		if (strncmp(k->own[s].name, name, sizeof k->own[s].name) == 0)
			return (int)s;
	if (n == TP_OWN_MAX)
		return -TP_ELIMIT;
	memset(k->own[n].name, 0, sizeof k->own[n].name);
	memcpy(k->own[n].name, name, strlen(name));
	__atomic_store_n(&k->own[n].value, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&k->n_own, n + 1, __ATOMIC_RELEASE);
	return (int)n;
}

void tp_counters_own_add(struct tp_counters *c, unsigned i, int k, uint64_t n)
{
	if (c && i < TP_REG_MAX && k >= 0 && k < TP_OWN_MAX)
		ADD(&c->c[i].own[k].value, n);
}

void tp_counters_own_set(struct tp_counters *c, unsigned i, int k, uint64_t v)
{
	if (c && i < TP_REG_MAX && k >= 0 && k < TP_OWN_MAX)
		__atomic_store_n(&c->c[i].own[k].value, v, __ATOMIC_RELAXED);
}

unsigned tp_counters_own_get(const struct tp_counters *c, unsigned i, struct tp_own *out)
{
	if (!c || i >= TP_REG_MAX)
		return 0;
	const struct tp_ctr *k = &c->c[i];
	uint32_t n = __atomic_load_n(&k->n_own, __ATOMIC_ACQUIRE);
	if (n > TP_OWN_MAX)
		n = TP_OWN_MAX;
	for (uint32_t s = 0; s < n; s++) {
		memcpy(out[s].name, k->own[s].name, sizeof out[s].name);
		out[s].name[TP_OWN_NAME_MAX] = '\0';
		out[s].value = LOAD(&k->own[s].value);
	}
	return n;
}

void tp_trace_put(struct tp_counters *c, enum tp_trace_kind kind, const char *from,
		  const char *to, uint32_t type, uint32_t len, int rc, int64_t lat_ns)
{
	uint64_t k = __atomic_fetch_add(&c->trace_head, 1, __ATOMIC_RELAXED);
	struct tp_trace_ev *e = &c->trace[k % TP_TRACE_SLOTS];
	__atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->t_ns = tp_now_ns();
	e->lat_ns = lat_ns < 0 ? -1 : lat_ns;
	e->kind = kind;
	e->type = type;
	e->len = len;
	e->rc = rc;
	snprintf(e->from, sizeof e->from, "%s", from);
	snprintf(e->to, sizeof e->to, "%s", to);
	__atomic_store_n(&e->seq, k + 1, __ATOMIC_RELEASE);
}

uint64_t tp_trace_head(const struct tp_counters *c)
{
	return __atomic_load_n(&c->trace_head, __ATOMIC_ACQUIRE);
}

int tp_trace_get(const struct tp_counters *c, uint64_t k, struct tp_trace_ev *out)
{
	const struct tp_trace_ev *e = &c->trace[k % TP_TRACE_SLOTS];
	uint64_t s1 = __atomic_load_n(&e->seq, __ATOMIC_ACQUIRE);
	if (s1 != k + 1)
		return s1 > k + 1 || k + TP_TRACE_SLOTS < tp_trace_head(c) ? -TP_ENOENT
									   : -TP_EEMPTY;
	memcpy(out, e, sizeof *out);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != s1)
		return -TP_ENOENT;
	out->from[sizeof out->from - 1] = '\0';
	out->to[sizeof out->to - 1] = '\0';
	return 0;
}
