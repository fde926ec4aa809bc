/* The node's topic table in shared memory (see topictab.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "counters.h"
#include "fault.h"
#include "registry.h"
#include "topictab.h"

/* One retained topic: its name (the daemon's, at start), then its value,
 * written by publishers under `lock` (the writer's pid) and read under
 * `vseq` (odd while written). */
struct tt_ret {
	char topic[TP_TOPIC_MAX + 1];
	uint32_t lock;
	uint32_t vseq;
	uint32_t set;
	uint32_t type;
	uint32_t len;
	uint32_t reserved;
	uint64_t sent_ns;
	uint64_t published;
	char sender[TP_NAME_MAX + 1];
	uint8_t data[TP_TT_RETAIN_BYTES];
};

struct tt_ctr {
	uint64_t delivered;
	uint64_t dropped;
	/* Counted up at each fresh subscription in the slot: a rate never
	 * spans two subscriptions. */
	uint32_t gen;
	uint32_t reserved;
	/* Written by the daemon (topic_rates.c): thousandths of a message
	 * per second over its last window. */
	uint64_t delivered_mps;
	uint64_t dropped_mps;
};

struct tp_topictab {
	uint32_t magic;
	uint32_t version;
	uint32_t seq;          /* odd while the daemon writes subscriptions */
	uint32_t nsubs;        /* slots up to the last in use */
	uint32_t nretained;
	uint32_t reserved[3];
	struct tp_sub sub[TP_TT_SUBS_MAX];
	struct tt_ctr ctr[TP_TT_SUBS_MAX];
	struct tt_ret ret[TP_TT_RETAINED_MAX];
};

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

static int topictab_map(const char *node, int oflag, mode_t mode, struct tp_topictab **out)
{
	char path[64];
	int rc = tp_ipc_name(path, sizeof path, node, "topics");
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
		return -TP_ENOENT;   /* being created, or another layout */
	}
	void *p = mmap(NULL, sizeof **out, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -tp_err_from_errno(errno);
	*out = p;
	return 0;
}

int tp_topictab_create(const char *node, mode_t mode, struct tp_topictab **out)
{
	tp_topictab_unlink(node);
	int rc = topictab_map(node, O_RDWR | O_CREAT | O_EXCL, mode, out);
	if (rc)
		return rc;
	(*out)->version = TP_TT_VERSION;
	__atomic_store_n(&(*out)->magic, TP_TT_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int tp_topictab_open(const char *node, struct tp_topictab **out)
{
	int rc = topictab_map(node, O_RDWR, 0, out);
	if (rc)
		return rc;
	if (__atomic_load_n(&(*out)->magic, __ATOMIC_ACQUIRE) != TP_TT_MAGIC ||
	    (*out)->version != TP_TT_VERSION) {
		tp_topictab_close(*out);
		return -TP_EVERSION;
	}
	return 0;
}

void tp_topictab_close(struct tp_topictab *t)
{
	if (t)
		munmap(t, sizeof *t);
}

int tp_topictab_unlink(const char *node)
{
	return tp_ipc_unlink(node, "topics");
}

/* ---------------------------------------------------------------- subscriptions */


void tp_topictab_sub_put(struct tp_topictab *t, unsigned i, const struct tp_sub *s,
			 bool fresh)
{
	if (i >= TP_TT_SUBS_MAX)
		return;
	if (fresh) {
		__atomic_store_n(&t->ctr[i].delivered, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->ctr[i].dropped, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->ctr[i].delivered_mps, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&t->ctr[i].dropped_mps, 0, __ATOMIC_RELAXED);
		ADD(&t->ctr[i].gen, 1);
	}
	tp_seq_write_begin(&t->seq);
	memcpy(&t->sub[i], s, sizeof *s);
	unsigned n = 0;
	for (unsigned k = 0; k < TP_TT_SUBS_MAX; k++)
		if (t->sub[k].kind != TP_SUB_FREE)
			n = k + 1;
	t->nsubs = n;
	tp_seq_write_end(&t->seq);
}

void tp_topictab_retained_declare(struct tp_topictab *t, unsigned k, const char *topic)
{
	if (k >= TP_TT_RETAINED_MAX)
		return;
	tp_seq_write_begin(&t->seq);
	snprintf(t->ret[k].topic, sizeof t->ret[k].topic, "%s", topic);
	if (t->nretained < k + 1)
		t->nretained = k + 1;
	tp_seq_write_end(&t->seq);
}

uint32_t tp_topictab_seq(const struct tp_topictab *t)
{
	return __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
}

int tp_topictab_subs_copy(const struct tp_topictab *t, struct tp_sub *out, unsigned cap,
			  unsigned *n, uint32_t *seq)
{
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t s0 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
		if (s0 & 1) {
			sched_yield();
			continue;
		}
		unsigned cnt = __atomic_load_n(&t->nsubs, __ATOMIC_RELAXED);
		if (cnt > TP_TT_SUBS_MAX)
			cnt = TP_TT_SUBS_MAX;
		if (cnt > cap) {
			*n = cnt;
			return -TP_ELIMIT;
		}
		if (cnt)   /* out may be NULL with cap 0 */
			memcpy(out, t->sub, cnt * sizeof *out);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) != s0)
			continue;
		/* Never trust shared memory twice: bounded strings, known values. */
		for (unsigned i = 0; i < cnt; i++) {
			out[i].filter[TP_TOPIC_MAX] = '\0';
			out[i].actor[sizeof out[i].actor - 1] = '\0';
			if (out[i].kind > TP_SUB_REMOTE || tp_topic_filter_check(out[i].filter))
				out[i].kind = TP_SUB_FREE;
		}
		*n = cnt;
		*seq = s0;
		return 0;
	}
	return -TP_EBUSY;
}

void tp_topictab_delivered(struct tp_topictab *t, unsigned i)
{
	if (i < TP_TT_SUBS_MAX)
		ADD(&t->ctr[i].delivered, 1);
}

void tp_topictab_dropped(struct tp_topictab *t, unsigned i)
{
	if (i < TP_TT_SUBS_MAX)
		ADD(&t->ctr[i].dropped, 1);
}

void tp_topictab_sub_counts(const struct tp_topictab *t, unsigned i, uint64_t *delivered,
			    uint64_t *dropped)
{
	*delivered = i < TP_TT_SUBS_MAX ? LOAD(&t->ctr[i].delivered) : 0;
	*dropped = i < TP_TT_SUBS_MAX ? LOAD(&t->ctr[i].dropped) : 0;
}

uint32_t tp_topictab_sub_gen(const struct tp_topictab *t, unsigned i)
{
	return i < TP_TT_SUBS_MAX ? LOAD(&t->ctr[i].gen) : 0;
}

void tp_topictab_sub_rates_put(struct tp_topictab *t, unsigned i, uint64_t delivered_mps,
			       uint64_t dropped_mps)
{
	if (i >= TP_TT_SUBS_MAX)
		return;
	__atomic_store_n(&t->ctr[i].delivered_mps, delivered_mps, __ATOMIC_RELAXED);
	__atomic_store_n(&t->ctr[i].dropped_mps, dropped_mps, __ATOMIC_RELAXED);
}

void tp_topictab_sub_rates(const struct tp_topictab *t, unsigned i, uint64_t *delivered_mps,
			   uint64_t *dropped_mps)
{
	*delivered_mps = i < TP_TT_SUBS_MAX ? LOAD(&t->ctr[i].delivered_mps) : 0;
	*dropped_mps = i < TP_TT_SUBS_MAX ? LOAD(&t->ctr[i].dropped_mps) : 0;
}

/* ---------------------------------------------------------------- retained */

unsigned tp_topictab_retained_count(const struct tp_topictab *t)
{
	unsigned n = __atomic_load_n(&t->nretained, __ATOMIC_ACQUIRE);
	return n > TP_TT_RETAINED_MAX ? TP_TT_RETAINED_MAX : n;
}

int tp_topictab_retained_find(const struct tp_topictab *t, const char *topic)
{
	unsigned n = tp_topictab_retained_count(t);
	for (unsigned k = 0; k < n; k++)
		if (strncmp(t->ret[k].topic, topic, TP_TOPIC_MAX + 1) == 0)
			return (int)k;
	return -TP_ENOENT;
}

int tp_topictab_retained_get(const struct tp_topictab *t, unsigned k, struct tp_retained *out)
{
	if (k >= tp_topictab_retained_count(t))
		return -TP_ENOENT;
	const struct tt_ret *r = &t->ret[k];
	memcpy(out->topic, r->topic, sizeof out->topic);
	out->topic[TP_TOPIC_MAX] = '\0';
	for (int tries = 0; tries < 1000; tries++) {
		uint32_t v0 = __atomic_load_n(&r->vseq, __ATOMIC_ACQUIRE);
		if (v0 & 1) {
			sched_yield();
			continue;
		}
		out->set = LOAD(&r->set) != 0;
		out->type = LOAD(&r->type);
		out->len = LOAD(&r->len);
		out->sent_ns = LOAD(&r->sent_ns);
		out->published = LOAD(&r->published);
		if (out->len > TP_TT_RETAIN_BYTES)
			out->len = TP_TT_RETAIN_BYTES;   /* a torn read; the sequence decides */
		memcpy(out->sender, r->sender, sizeof out->sender);
		memcpy(out->data, r->data, out->len);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&r->vseq, __ATOMIC_RELAXED) == v0) {
			out->sender[TP_NAME_MAX] = '\0';
			if (!tp_name_is_valid(out->sender))
				out->set = false;
			return 0;
		}
	}
	out->set = false;
	return -TP_EBUSY;
}

int64_t tp_retained_age_ns(const struct tp_retained *r, int64_t now)
{
	return r->set ? tp_latency_ns(r->sent_ns, now) : -1;
}

/* Takes k's writer lock for pid: free, or held by a process that is gone
 * (killed inside, and not the daemon's child: troupectl pub).  A few
 * tries, never a wait: a stopped holder keeps it. */
static bool retain_lock(struct tt_ret *r, pid_t pid)
{
	for (int tries = 0; tries < 64; tries++) {
		uint32_t cur = 0;
		if (__atomic_compare_exchange_n(&r->lock, &cur, (uint32_t)pid, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		if (kill((pid_t)cur, 0) < 0 && errno == ESRCH &&
		    __atomic_compare_exchange_n(&r->lock, &cur, (uint32_t)pid, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
		sched_yield();
	}
	return false;
}

int tp_topictab_retain(struct tp_topictab *t, unsigned k, pid_t pid, const char *sender,
		       uint32_t type, const void *data, uint32_t len, uint64_t sent_ns)
{
	if (k >= tp_topictab_retained_count(t))
		return -TP_ENOENT;
	struct tt_ret *r = &t->ret[k];
	if (!retain_lock(r, pid))
		return -TP_EBUSY;
	/* Odd: a writer died inside; what it wrote is overwritten now. */
	uint32_t v = __atomic_load_n(&r->vseq, __ATOMIC_RELAXED);
	v += v & 1;
	__atomic_store_n(&r->vseq, v + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	bool fits = len <= TP_TT_RETAIN_BYTES;
	r->published++;
	r->set = fits;
	r->type = type;
	r->len = fits ? len : 0;
	r->sent_ns = sent_ns;
	snprintf(r->sender, sizeof r->sender, "%s", sender);
	if (fits)
		memcpy(r->data, data, len);
	TP_FAULT_POINT("topic.retain.writing");
	__atomic_store_n(&r->vseq, v + 2, __ATOMIC_RELEASE);
	__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
	return fits ? 0 : -TP_ETOOBIG;
}

unsigned tp_topictab_repair(struct tp_topictab *t, pid_t pid)
{
	unsigned n = tp_topictab_retained_count(t), fixed = 0;
	for (unsigned k = 0; k < n; k++) {
		struct tt_ret *r = &t->ret[k];
		if (__atomic_load_n(&r->lock, __ATOMIC_ACQUIRE) != (uint32_t)pid)
			continue;
		uint32_t v = __atomic_load_n(&r->vseq, __ATOMIC_RELAXED);
		if (v & 1) {
			r->set = 0;   /* half written: lost, never read */
			__atomic_store_n(&r->vseq, v + 1, __ATOMIC_RELEASE);
		}
		__atomic_store_n(&r->lock, 0, __ATOMIC_RELEASE);
		fixed++;
	}
	return fixed;
}

/* ---------------------------------------------------------------- names */

static const char *const policy_names[] = {
	[TP_TOPIC_DROP_OLDEST] = "drop_oldest",
	[TP_TOPIC_DROP_NEWEST] = "drop_newest",
};

const char *tp_topic_policy_name(uint32_t policy)
{
	return policy < sizeof policy_names / sizeof *policy_names ? policy_names[policy] : "?";
}

int tp_topic_policy_parse(const char *s, uint32_t *out)
{
	for (uint32_t i = 0; i < sizeof policy_names / sizeof *policy_names; i++)
		if (strcmp(s, policy_names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -TP_EINVAL;
}
