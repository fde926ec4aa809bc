/* Mailboxes as rings in POSIX shared memory: many senders, one receiver,
 * two lanes (high, normal) of fixed-size slots.  Senders serialise on a
 * lock word that holds the owner's pid; the tail index, stored last under
 * the lock with release ordering, is the commit, so a sender killed at any
 * instant published a whole message or none, and a dead owner's lock is
 * taken back (by the daemon on SIGCHLD, or by a sender that finds the
 * owner gone).  The receiver claims a slot by CAS on the head after copying
 * it out, which lets drop_oldest senders discard under it safely.
 *
 * Wake-ups: a receiver about to sleep says how in the header's waiter
 * word (rx_waiting), and the first sender that finds it set clears it and
 * wakes the receiver that way, so a stream to a busy receiver costs no
 * system call per message.  A receiver that waits for its mail alone
 * (inside recv: tp_call's wait for its reply, an actor with nothing else
 * to wait for) sleeps in a futex on the word itself, as a semaphore would:
 * the sender's wake-up is one FUTEX_WAKE.  A receiver that also waits for
 * timers or fds sleeps in poll or epoll on a FIFO beside the ring
 * (/dev/shm/<name>.wake), and its sender writes a byte there.  A receiver
 * attached TP_MBOX_LAZY calls arm before each such sleep and sets the
 * word only then, not after every message.
 * Senders waiting for room sleep on a process-shared semaphore that the
 * receiver posts only when a waiter count says someone waits.  Both are
 * hints: the truth is the ring's indices, re-read after every wake-up.
 * Only 32-bit atomics are used (armv7 has no cheap 64-bit CAS).
 * See docs/DESIGN.md, "Transports". */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>
#include "transport.h"
#include "troupe/error.h"
#include "clock.h"
#include "fault.h"
#include "futex.h"
#include "rundir.h"

#define SHM_DIR "/dev/shm"
#define SHM_MAGIC 0x54524e47u        /* "TRNG" */
/* 3: the receiver may sleep in a futex on rx_waiting (SHM_RX_FUTEX), which
 * a sender of version 2 would not wake. */
#define SHM_VERSION 3
/* Layout depends on the ABI: a 64-bit and a 32-bit process cannot share. */
#define SHM_ABI ((uint32_t)(sizeof(void *) | sizeof(sem_t) << 8))
#define SHM_RING_SUFFIX ".ring"
#define SHM_WAKE_SUFFIX ".wake"
#define SHM_LANES 2
/* A segment larger than this is a configuration mistake. */
#define SHM_SIZE_MAX (1ull << 30)
/* How long a sender waits for the lock before it checks the owner lives. */
#define SHM_LOCK_CHECK_NS (2 * 1000000LL)
/* The most a repair takes back of the space count at once (shm_repair). */
#define SHM_REPAIR_DRAIN_MAX 1024u
/* The least a receiver with spin_us spins once spinning stops paying. */
#define SHM_SPIN_MIN_NS 1000
/* A sender waiting for room re-reads the ring at least this often. */
#define SHM_SPACE_SLICE_NS (100 * 1000000LL)

struct shm_lane {
	_Atomic uint32_t head;       /* next slot to receive; receiver (and drop) */
	_Atomic uint32_t tail;       /* next slot to fill; written under the lock */
	char pad[56];                /* keep lanes on their own cache lines */
};

struct shm_hdr {
	uint32_t magic, version, abi;
	uint32_t depth, msg_max, slot_size, spin_us, when_full;
	_Atomic uint32_t lock;       /* pid of the sender inside, 0 when free */
	_Atomic uint32_t rx_waiting; /* how the receiver sleeps (enum shm_rx); a futex */
	_Atomic uint32_t space_waiters;
	_Atomic uint32_t dropped;
	_Atomic uint32_t tx_cpu;     /* where the last sender ran (spin_us only) */
	sem_t space;                 /* posted when room appears and someone waits */
	char pad[64];
	struct shm_lane lane[SHM_LANES];
};

/* rx_waiting: how the receiver is (about to be) asleep, so how a sender
 * that takes the word wakes it.  Another value (a bogus header) is taken
 * as the FIFO: a byte too many costs a spurious wake-up, nothing more. */
enum shm_rx {
	SHM_RX_AWAKE = 0,            /* not asleep: nothing to do */
	SHM_RX_FIFO = 1,             /* in poll/epoll on the FIFO: write a byte */
	SHM_RX_FUTEX = 2,            /* in the futex on rx_waiting: FUTEX_WAKE */
};

struct slot {
	uint32_t len;
	uint32_t prio;
	unsigned char data[];
};

struct tp_mbox {
	struct shm_hdr *h;
	size_t size;
	unsigned char *slots[SHM_LANES];
	int wake;                    /* the FIFO, O_RDWR | O_NONBLOCK */
	bool armed;                  /* receiver: we left a byte in the FIFO */
	bool lazy;                   /* receiver calls arm before it sleeps (TP_MBOX_LAZY) */
	uint32_t depth, msg_max, slot_size, spin_us, when_full;   /* copied once */
	uint32_t pid;
	int64_t spin_ns, spin_max_ns;   /* receiver: this spin's budget, its cap */
};

static size_t shm_slot_size(uint32_t msg_max)
{
	return (sizeof(struct slot) + msg_max + 7) & ~(size_t)7;
}

/* UINT64_MAX (more than any mailbox may have) past SHM_SIZE_MAX in
 * either factor: an attacher gets both from the ring's header, which a
 * sender can rewrite, and a product that wrapped 64 bits, or a slot size
 * that wrapped a 32-bit size_t, could match a small file while the slots
 * it describes reach far beyond the mapping. */
static uint64_t shm_size(uint32_t depth, uint32_t msg_max)
{
	if (depth > SHM_SIZE_MAX || msg_max > SHM_SIZE_MAX)
		return UINT64_MAX;
	return sizeof(struct shm_hdr) + (uint64_t)SHM_LANES * depth * shm_slot_size(msg_max);
}

static int shm_names(const char *path, char *ring, char *fifo, size_t n)
{
	if ((size_t)snprintf(ring, n, "%s" SHM_RING_SUFFIX, path) >= n ||
	    (size_t)snprintf(fifo, n, SHM_DIR "%s" SHM_WAKE_SUFFIX, path) >= n)
		return -TP_ETOOBIG;
	return 0;
}

static struct slot *slot_at(const struct tp_mbox *mb, unsigned lane, uint32_t i)
{
	return (struct slot *)(mb->slots[lane] + (size_t)(i % mb->depth) * mb->slot_size);
}

static bool shm_is_empty(const struct shm_hdr *h);

/* ---------------------------------------------------------------- setup */

static int shm_check(const struct tp_mbox_attr *attrs, size_t n, char *err, size_t errlen)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t sz = shm_size(attrs[i].depth, attrs[i].msg_max);
		if (sz > SHM_SIZE_MAX) {
			snprintf(err, errlen, "depth %u x msg_max %u needs %llu bytes of shared "
				 "memory (2 lanes), more than the %llu a mailbox may have: lower "
				 "depth or msg_max", attrs[i].depth, attrs[i].msg_max,
				 (unsigned long long)sz, (unsigned long long)SHM_SIZE_MAX);
			return -TP_ELIMIT;
		}
		total += sz;
	}
	struct statvfs vfs;
	if (statvfs(SHM_DIR, &vfs) < 0) {
		snprintf(err, errlen, SHM_DIR " is not there (%s): shm mailboxes need a "
			 "tmpfs mounted on it", strerror(errno));
		return -TP_ENOSYS;
	}
	uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (total > avail) {
		snprintf(err, errlen, "%zu mailboxes need %llu bytes but " SHM_DIR " has %llu "
			 "free: lower depth/msg_max or enlarge the tmpfs (mount -o remount,size=…)",
			 n, (unsigned long long)total, (unsigned long long)avail);
		return -TP_ELIMIT;
	}
	return 0;
}

static void shm_tp_close(struct tp_mbox *mb)
{
	if (!mb)
		return;
	if (mb->h)
		munmap(mb->h, mb->size);
	if (mb->wake >= 0)
		close(mb->wake);
	free(mb);
}

/* Maps an open ring and checks its header; values are copied out once. */
static int shm_map(int fd, int wake, struct tp_mbox **out)
{
	struct tp_mbox *mb = calloc(1, sizeof *mb);
	struct stat st;
	if (!mb) {
		close(fd);
		close(wake);
		return -TP_ENOMEM;
	}
	mb->wake = wake;
	mb->pid = (uint32_t)getpid();
	int rc = -TP_EINVAL;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(struct shm_hdr))
		goto fail;
	mb->size = (size_t)st.st_size;
	mb->h = mmap(NULL, mb->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mb->h == MAP_FAILED) {
		mb->h = NULL;
		rc = -tp_err_from_errno(errno);
		goto fail;
	}
	const struct shm_hdr *h = mb->h;
	mb->depth = h->depth;
	mb->msg_max = h->msg_max;
	mb->slot_size = h->slot_size;
	mb->spin_us = h->spin_us;
	mb->when_full = h->when_full;
	/* With one CPU online the sender cannot run while we spin. */
	mb->spin_max_ns = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? (int64_t)mb->spin_us * 1000 : 0;
	mb->spin_ns = mb->spin_max_ns;
	if (h->magic != SHM_MAGIC || h->version != SHM_VERSION || h->abi != SHM_ABI ||
	    mb->depth == 0 || mb->slot_size != shm_slot_size(mb->msg_max) ||
	    shm_size(mb->depth, mb->msg_max) != mb->size) {
		rc = h->abi != SHM_ABI ? -TP_EVERSION : -TP_EINVAL;
		goto fail;
	}
	for (unsigned l = 0; l < SHM_LANES; l++)
		mb->slots[l] = (unsigned char *)(mb->h + 1) +
			       (size_t)l * mb->depth * mb->slot_size;
	close(fd);
	*out = mb;
	return 0;
fail:
	close(fd);
	shm_tp_close(mb);
	return rc;
}

static int shm_create(const char *path, const struct tp_mbox_attr *attr,
		      struct tp_mbox **out, char *err, size_t errlen)
{
	char ring[128], fifo[160];
	char dummy[8];
	if (!err) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (shm_names(path, ring, fifo, sizeof ring) || attr->depth == 0 ||
	    shm_check(attr, 1, err, errlen))
		return -TP_ELIMIT;
	int fd = shm_open(ring, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, attr->mode);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s", e == EEXIST ? "it already exists" : strerror(e));
		return e == EEXIST ? -TP_EBUSY : -tp_err_from_errno(e);
	}
	fchmod(fd, attr->mode);   /* shm_open honoured the umask; the node's mode wins */
	if (attr->owned && fchown(fd, attr->uid, attr->gid) < 0) {
		int e2 = errno;
		snprintf(err, errlen, "cannot give it to uid %u gid %u: %s",
			 (unsigned)attr->uid, (unsigned)attr->gid, strerror(e2));
		close(fd);
		shm_unlink(ring);
		return -tp_err_from_errno(e2);
	}
	uint64_t size = shm_size(attr->depth, attr->msg_max);
	/* Every page now: a sparse ring on a tmpfs that fills up later would
	 * kill its users with SIGBUS at their first touch of a new slot. */
	int e = posix_fallocate(fd, 0, (off_t)size);
	if (e) {
		snprintf(err, errlen, "cannot reserve %llu bytes in " SHM_DIR ": %s",
			 (unsigned long long)size, strerror(e));
		close(fd);
		shm_unlink(ring);
		return e == ENOSPC ? -TP_ELIMIT : -tp_err_from_errno(e);
	}
	unlink(fifo);             /* a stale FIFO has no data worth keeping */
	int wake = -1;
	if (mkfifo(fifo, attr->mode) < 0 ||
	    chmod(fifo, attr->mode) < 0 ||
	    (wake = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)) < 0 ||
	    (attr->owned && fchown(wake, attr->uid, attr->gid) < 0)) {
		e = errno;
		snprintf(err, errlen, "%s", strerror(e));
		if (wake >= 0)
			close(wake);
		close(fd);
		shm_unlink(ring);
		unlink(fifo);
		return -tp_err_from_errno(e);
	}
	struct shm_hdr *h = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		close(fd);
		close(wake);
		shm_unlink(ring);
		unlink(fifo);
		return -TP_ENOMEM;
	}
	h->version = SHM_VERSION;
	h->abi = SHM_ABI;
	h->depth = attr->depth;
	h->msg_max = attr->msg_max;
	h->slot_size = (uint32_t)shm_slot_size(attr->msg_max);
	h->spin_us = attr->spin_us;
	h->when_full = attr->when_full;
	atomic_store_explicit(&h->tx_cpu, UINT32_MAX, memory_order_relaxed);
	sem_init(&h->space, 1, 0);
	atomic_store_explicit(&h->lock, 0, memory_order_relaxed);
	/* Its receiver has not looked yet: the first sender wakes it.  An
	 * actor's attach says so again, but the daemon receives on the
	 * handle create gives it (its own mailbox, the links' outboxes). */
	atomic_store_explicit(&h->rx_waiting, SHM_RX_FIFO, memory_order_relaxed);
	/* The magic last: an attacher that sees it sees a whole header. */
	atomic_thread_fence(memory_order_release);
	h->magic = SHM_MAGIC;
	munmap(h, size);
	int rc = shm_map(fd, wake, out);
	if (rc) {
		snprintf(err, errlen, "%s", tp_strerror(rc));
		shm_unlink(ring);
		unlink(fifo);
	}
	return rc;
}

/* The ring and its wake FIFO as the daemon made them: a regular file and
 * a FIFO of one owner.  In the world-writable /dev/shm another user can
 * put anything under a mailbox's names (a symlink is refused by
 * O_NOFOLLOW before this); what fails here is not used. */
static bool shm_pair_is_sound(int ring, int wake)
{
	struct stat r, w;
	return fstat(ring, &r) == 0 && fstat(wake, &w) == 0 && S_ISREG(r.st_mode) &&
	       S_ISFIFO(w.st_mode) && r.st_uid == w.st_uid;
}

static int shm_attach(const char *path, unsigned mode, struct tp_mbox **out)
{
	char ring[128], fifo[160];
	if (shm_names(path, ring, fifo, sizeof ring))
		return -TP_ETOOBIG;
	int fd = shm_open(ring, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	/* O_RDWR: never ENXIO for want of a reader, and the receiver drains. */
	int wake = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (wake < 0) {
		int e = errno;
		close(fd);
		return e == ELOOP ? -TP_EPERM : -tp_err_from_errno(e);
	}
	if (!shm_pair_is_sound(fd, wake)) {
		close(fd);
		close(wake);
		return -TP_EPERM;
	}
	int rc = shm_map(fd, wake, out);
	if (rc || !(mode & TP_MBOX_RECV))
		return rc;
	(*out)->lazy = (mode & TP_MBOX_LAZY) != 0;
	/* A new receiver will first sleep on wait_fd: say so, and wake it at
	 * once if mail queued for its predecessor is waiting. */
	struct shm_hdr *h = (*out)->h;
	atomic_store_explicit(&h->rx_waiting, SHM_RX_FIFO, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (!shm_is_empty(h)) {
		char b = 1;
		(*out)->armed = write(wake, &b, 1) == 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- lock */

/* A lock word above INT32_MAX is no process (the ring is writable by its
 * senders): as a pid_t it would be negative, and kill would ask about a
 * process group, or with -1 about every process, so that such a word
 * looked alive for good and kept every sender out. */
static bool shm_owner_dead(uint32_t pid)
{
	return pid > INT32_MAX || (pid && kill((pid_t)pid, 0) < 0 && errno == ESRCH);
}

/* The senders' lock.  Held only for one copy into a slot; an owner that
 * died inside is detected by kill(pid, 0) and its lock taken back: under
 * the lock nothing is published until the final tail store, so there is
 * nothing to undo.  An owner that looks alive but does not let go (stopped
 * inside its copy, or dead with its pid reused before the daemon's repair)
 * is waited for until the send's deadline, and at least one owner check:
 * then -TP_EFULL, nothing queued, as for a mailbox that stayed full. */
static int shm_lock(struct tp_mbox *mb, int64_t deadline)
{
	struct shm_hdr *h = mb->h;
	int64_t check_at = 0;
	for (unsigned spins = 0;; spins++) {
		uint32_t cur = 0;
		if (atomic_compare_exchange_weak_explicit(&h->lock, &cur, mb->pid,
							  memory_order_acquire,
							  memory_order_relaxed))
			return 0;
		if (spins < 64)
			continue;
		sched_yield();
		if ((spins & 63) == 0) {
			int64_t now = tp_now_ns();
			if (!check_at)
				check_at = now + SHM_LOCK_CHECK_NS;
			else if (now > check_at) {
				if (shm_owner_dead(cur))
					atomic_compare_exchange_strong(&h->lock, &cur, 0);
				else if (now >= deadline)
					return -TP_EFULL;
				check_at = now + SHM_LOCK_CHECK_NS;
				struct timespec ts = { 0, 200000 };
				nanosleep(&ts, NULL);   /* owner stopped: do not burn the core */
			}
		}
	}
}

static void shm_unlock(struct tp_mbox *mb)
{
	atomic_store_explicit(&mb->h->lock, 0, memory_order_release);
}

/* ---------------------------------------------------------------- send */

static uint32_t shm_used(const struct shm_hdr *h)
{
	uint32_t n = 0;
	for (unsigned l = 0; l < SHM_LANES; l++)
		n += atomic_load_explicit(&h->lane[l].tail, memory_order_relaxed) -
		     atomic_load_explicit(&h->lane[l].head, memory_order_acquire);
	return n;
}

/* Under the lock, the ring full: discards the oldest message of the
 * lowest non-empty lane.  The receiver may be copying it: its CAS on the
 * head then fails and it drops its copy. */
static void shm_drop_oldest(struct tp_mbox *mb)
{
	struct shm_hdr *h = mb->h;
	for (unsigned l = 0; l < SHM_LANES; l++) {
		uint32_t head = atomic_load_explicit(&h->lane[l].head, memory_order_acquire);
		uint32_t tail = atomic_load_explicit(&h->lane[l].tail, memory_order_relaxed);
		if (head == tail)
			continue;
		/* Counted first: a sender killed between the two steps leaves
		 * the count one high, never a message gone uncounted. */
		atomic_fetch_add_explicit(&h->dropped, 1, memory_order_relaxed);
		TP_FAULT_POINT("shm.drop.counted");
		if (!atomic_compare_exchange_strong_explicit(&h->lane[l].head, &head, head + 1,
							     memory_order_acq_rel,
							     memory_order_acquire))
			atomic_fetch_sub_explicit(&h->dropped, 1, memory_order_relaxed);
		return;   /* or the receiver took it: room either way */
	}
}

/* Wakes the receiver if it sleeps (or is about to): the first sender to
 * find the word set takes it and wakes the receiver the way it says.  A
 * sender killed between the two leaves the receiver asleep until its
 * deadline or the daemon's repair, whichever comes first. */
static void shm_wake(struct tp_mbox *mb)
{
	struct shm_hdr *h = mb->h;
	/* Pairs with the receiver's fence between setting rx_waiting and
	 * re-reading the tails: one of the two sees the other. */
	atomic_thread_fence(memory_order_seq_cst);
	uint32_t how = atomic_load_explicit(&h->rx_waiting, memory_order_relaxed);
	if (how == SHM_RX_AWAKE ||
	    (how = atomic_exchange_explicit(&h->rx_waiting, SHM_RX_AWAKE,
					    memory_order_relaxed)) == SHM_RX_AWAKE)
		return;
	TP_FAULT_POINT("shm.wake.taken");
	if (how == SHM_RX_FUTEX) {
		tp_futex_wake(&h->rx_waiting);
		return;
	}
	char b = 1;
	if (write(mb->wake, &b, 1) < 0) {
		/* EAGAIN: the FIFO is full of wake-ups already. */
	}
}

/* One attempt: 0, or -TP_EFULL when there is no room (lock released) or
 * the lock stayed held past the deadline. */
static int shm_put(struct tp_mbox *mb, const void *buf, size_t len, unsigned prio,
		   int64_t deadline)
{
	struct shm_hdr *h = mb->h;
	unsigned lane = prio >= TP_LANE_HIGH_MIN ? 0 : 1;
	if (shm_lock(mb, deadline))
		return -TP_EFULL;   /* past the deadline, so the send gives up */
	if (shm_used(h) >= mb->depth) {
		if (mb->when_full != TP_FULL_DROP_OLDEST) {
			shm_unlock(mb);
			return -TP_EFULL;
		}
		shm_drop_oldest(mb);
	}
	uint32_t tail = atomic_load_explicit(&h->lane[lane].tail, memory_order_relaxed);
	struct slot *s = slot_at(mb, lane, tail);
	s->len = (uint32_t)len;
	s->prio = prio;
	memcpy(s->data, buf, len);
	if (mb->spin_us)   /* for the receiver's spin (shm_spin) */
		atomic_store_explicit(&h->tx_cpu, (uint32_t)sched_getcpu(), memory_order_relaxed);
	TP_FAULT_POINT("shm.put.copied");
	/* The commit: the slot is the receiver's from this store on. */
	atomic_store_explicit(&h->lane[lane].tail, tail + 1, memory_order_release);
	TP_FAULT_POINT("shm.put.committed");
	shm_unlock(mb);
	TP_FAULT_POINT("shm.put.unlocked");
	shm_wake(mb);
	return 0;
}

/* Waits on sem until the monotonic time until.  glibc has sem_clockwait;
 * musl has only sem_timedwait, on CLOCK_REALTIME, which a step of the wall
 * clock back would stretch (Troupe's deadlines are monotonic), so
 * there the semaphore is polled with monotonic sleeps of 20 us doubling to
 * 1 ms: a sender blocked on a full ring wakes at most 1 ms late. */
static void shm_sem_wait_until(sem_t *sem, int64_t until)
{
#ifdef __GLIBC__
	struct timespec ts = { (time_t)(until / 1000000000), (long)(until % 1000000000) };
	while (sem_clockwait(sem, CLOCK_MONOTONIC, &ts) < 0 && errno == EINTR)
		;
#else
	int64_t step = 20000;
	while (sem_trywait(sem) < 0) {
		int64_t left = until - tp_now_ns();
		if (left <= 0)
			return;
		int64_t nap = left < step ? left : step;
		struct timespec ts = { (time_t)(nap / 1000000000), (long)(nap % 1000000000) };
		clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
		if (step < 1000000)
			step *= 2;
	}
#endif
}

/* A topic's drop_oldest, whatever the mailbox's own policy (transport.h). */
static int shm_tp_evict(struct tp_mbox *mb, int64_t deadline)
{
	if (shm_lock(mb, deadline))
		return -TP_EFULL;
	int rc = shm_is_empty(mb->h) ? -TP_EEMPTY : 0;
	if (rc == 0)
		shm_drop_oldest(mb);
	shm_unlock(mb);
	return rc;
}

static int shm_wait_space(struct tp_mbox *mb, int64_t deadline)
{
	struct shm_hdr *h = mb->h;
	int64_t now = tp_now_ns();
	if (now >= deadline)
		return -TP_EFULL;
	atomic_fetch_add(&h->space_waiters, 1);
	TP_FAULT_POINT("shm.space.waiting");
	if (shm_used(h) >= mb->depth) {
		int64_t until = deadline - now > SHM_SPACE_SLICE_NS ? now + SHM_SPACE_SLICE_NS
								     : deadline;
		shm_sem_wait_until(&h->space, until);
		TP_FAULT_POINT("shm.space.woken");
	}
	atomic_fetch_sub(&h->space_waiters, 1);
	return 0;
}

static int shm_tp_send(struct tp_mbox *mb, const void *buf, size_t len,
		       unsigned prio, int64_t deadline)
{
	if (len > mb->msg_max)
		return -TP_ETOOBIG;
	for (;;) {
		int rc = shm_put(mb, buf, len, prio, deadline);
		if (rc == 0 || mb->when_full == TP_FULL_REJECT)
			return rc;
		if (shm_wait_space(mb, deadline))
			return -TP_EFULL;
	}
}

/* ---------------------------------------------------------------- receive */

/* Announces room to senders waiting for it.  One pending post is enough
 * (waiters re-read the ring after every wake-up, and a woken sender that
 * fills the room is followed by the next take's post), so
 * the count never grows past 1: a sender killed while it waited leaves
 * space_waiters one too high for good, and posting at every take would
 * then pile up counts that the next real waiter spins through instead of
 * sleeping (tests/unit/test_faults.c, shm_space_waiter_killed). */
static void shm_post_space(struct tp_mbox *mb)
{
	struct shm_hdr *h = mb->h;
	int v;
	/* Waiting senders are woken once the ring is half empty, not at
	 * every message: on one core a sender woken per slot would preempt
	 * the receiver per message. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&h->space_waiters, memory_order_relaxed) &&
	    shm_used(h) <= mb->depth / 2 &&
	    sem_getvalue(&h->space, &v) == 0 && v <= 0)
		sem_post(&h->space);
}

/* Takes the oldest message of the highest non-empty lane: 0..len, or
 * -TP_EEMPTY. */
static int shm_take(struct tp_mbox *mb, void *buf, unsigned *prio)
{
	struct shm_hdr *h = mb->h;
	unsigned resyncs = 0;
	for (unsigned l = 0; l < SHM_LANES; l++) {
		struct shm_lane *ln = &h->lane[l];
		for (;;) {
			uint32_t head = atomic_load_explicit(&ln->head, memory_order_acquire);
			uint32_t tail = atomic_load_explicit(&ln->tail, memory_order_acquire);
			if (head == tail)
				break;
			if (tail - head > mb->depth) {
				/* Further apart than the ring is deep: no sender
				 * wrote that (a writer of the header moved one),
				 * and what lies between is no mail.  Start again
				 * at the tail; the exchange fails, harmlessly, if
				 * a drop_oldest moved the head since we read it.
				 * Twice in one take: someone keeps at it; this
				 * lane is empty for now. */
				if (atomic_compare_exchange_strong_explicit(&ln->head, &head, tail,
									    memory_order_acq_rel,
									    memory_order_acquire) &&
				    ++resyncs > 1)
					break;
				continue;
			}
			const struct slot *s = slot_at(mb, l, head);
			uint32_t len = s->len, pr = s->prio;   /* read once, then check */
			if (len <= mb->msg_max)
				memcpy(buf, s->data, len);
			TP_FAULT_POINT("shm.take.copied");
			if (!atomic_compare_exchange_strong_explicit(&ln->head, &head, head + 1,
								     memory_order_acq_rel,
								     memory_order_acquire))
				continue;   /* dropped under us: the copy may be torn */
			TP_FAULT_POINT("shm.take.claimed");
			shm_post_space(mb);
			if (len > mb->msg_max)
				continue;   /* cannot come from a sender: skip it */
			if (prio)
				*prio = pr;
			return (int)len;
		}
	}
	return -TP_EEMPTY;
}

static bool shm_is_empty(const struct shm_hdr *h)
{
	for (unsigned l = 0; l < SHM_LANES; l++)
		if (atomic_load_explicit(&h->lane[l].head, memory_order_relaxed) !=
		    atomic_load_explicit(&h->lane[l].tail, memory_order_relaxed))
			return false;
	return true;
}

static void shm_drain_wake(struct tp_mbox *mb)
{
	char junk[64];
	mb->armed = false;
	while (read(mb->wake, junk, sizeof junk) == (ssize_t)sizeof junk)
		;
}

/* Spinning pays only while the sender runs on another CPU: never on a
 * machine with one CPU online (attach), not while the last sender ran on
 * this CPU (it cannot send while we spin here), never past the deadline,
 * and less after each spin that ended empty: the budget halves down to
 * SHM_SPIN_MIN_NS and doubles back up to spin_us when a spin pays. */
static void shm_spin(struct tp_mbox *mb, int64_t deadline)
{
	if (!mb->spin_ns)
		return;
	int cpu = sched_getcpu();
	if (cpu >= 0 &&
	    (uint32_t)cpu == atomic_load_explicit(&mb->h->tx_cpu, memory_order_relaxed))
		return;
	int64_t now = tp_now_ns();
	int64_t until = deadline - now < mb->spin_ns ? deadline : now + mb->spin_ns;
	while (shm_is_empty(mb->h) && now < until)
		now = tp_now_ns();
	if (!shm_is_empty(mb->h))
		mb->spin_ns = mb->spin_ns * 2 < mb->spin_max_ns ? mb->spin_ns * 2 : mb->spin_max_ns;
	else if (now >= until && until != deadline)
		mb->spin_ns = mb->spin_ns / 2 > SHM_SPIN_MIN_NS ? mb->spin_ns / 2
		            : (mb->spin_max_ns < SHM_SPIN_MIN_NS ? mb->spin_max_ns : SHM_SPIN_MIN_NS);
}

/* Arms the wake-up: empties the FIFO, sets the flag, and looks at the
 * ring once more (a sender that stored before the fence did not see the
 * flag).  True if mail is there. */
static bool shm_arm_wake(struct tp_mbox *mb)
{
	shm_drain_wake(mb);
	atomic_store_explicit(&mb->h->rx_waiting, SHM_RX_FIFO, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	return !shm_is_empty(mb->h);
}

static bool shm_tp_arm(struct tp_mbox *mb)
{
	if (!shm_is_empty(mb->h))
		return true;
	shm_spin(mb, TP_DEADLINE_NEVER);
	return !shm_is_empty(mb->h) || shm_arm_wake(mb);
}

/* Sleeps in the futex until mail, a wake-up or the deadline: for a
 * receiver that waits for nothing but its mailbox.  The word is set first,
 * then the ring read again: a sender that committed before the fence may
 * not have seen the word, and one that saw it either wakes us or has
 * changed the word already, so that the wait returns at once.  0 (look at
 * the ring again; the sleep may have been short), or -TP_ESYS when the
 * kernel refused the wait. */
static int shm_sleep(struct tp_mbox *mb, int64_t deadline)
{
	struct shm_hdr *h = mb->h;
	TP_FAULT_POINT("shm.wait.arming");
	atomic_store_explicit(&h->rx_waiting, SHM_RX_FUTEX, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (!shm_is_empty(h))
		return 0;
	int e = tp_futex_wait(&h->rx_waiting, SHM_RX_FUTEX, deadline);
	return e == 0 || e == ETIMEDOUT || e == EINTR ? 0 : -tp_err_sys(e);
}

/* A lazy receiver done waiting in the futex: the word back to awake, so
 * that the next sender does not pay a FUTEX_WAKE for nobody (arm sets it
 * again before a sleep on wait_fd). */
static void shm_unsleep(struct tp_mbox *mb)
{
	uint32_t how = SHM_RX_FUTEX;
	if (atomic_load_explicit(&mb->h->rx_waiting, memory_order_relaxed) == how)
		atomic_compare_exchange_strong_explicit(&mb->h->rx_waiting, &how, SHM_RX_AWAKE,
							memory_order_relaxed,
							memory_order_relaxed);
}

/* Note: a receiver that is not lazy may sleep on wait_fd after any recv
 * without calling arm, so recv leaves it armed on the FIFO whenever the
 * ring is empty (and a byte in the FIFO while mail waits); a lazy
 * receiver's recv arms nothing for wait_fd: arm does. */
static int shm_tp_recv(struct tp_mbox *mb, void *buf, size_t cap, unsigned *prio,
		       int64_t deadline)
{
	struct shm_hdr *h = mb->h;
	if (cap < mb->msg_max)
		return -TP_EINVAL;
	int n;
	while ((n = shm_take(mb, buf, prio)) < 0) {
		if (deadline == 0 || deadline <= tp_now_ns()) {
			/* Armed on the FIFO: taken back below, or the sleep on
			 * wait_fd that follows is woken by the next sender. */
			if (!mb->lazy && shm_arm_wake(mb) && (n = shm_take(mb, buf, prio)) >= 0)
				break;
			if (mb->lazy)
				shm_unsleep(mb);
			return -TP_EEMPTY;
		}
		shm_spin(mb, deadline);
		if (!shm_is_empty(h))
			continue;
		int rc = shm_sleep(mb, deadline);
		if (rc) {
			if (mb->lazy)
				shm_unsleep(mb);
			else
				shm_arm_wake(mb);
			return rc;
		}
	}
	if (mb->lazy) {
		shm_unsleep(mb);
		return n;
	}
	/* The caller may sleep on wait_fd next without calling us again
	 * (the actor loop takes one message per turn): with the ring
	 * empty it must be woken by the next sender; with mail left,
	 * wait_fd must poll readable (level triggered), one byte per
	 * batch.  A busy stream thus costs no system call per message. */
	if (shm_is_empty(h)) {
		atomic_store_explicit(&h->rx_waiting, SHM_RX_FIFO, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
	} else if (atomic_load_explicit(&h->rx_waiting, memory_order_relaxed)) {
		atomic_store_explicit(&h->rx_waiting, SHM_RX_AWAKE, memory_order_relaxed);
	}
	if (!mb->armed && !shm_is_empty(h)) {
		char b = 1;
		mb->armed = write(mb->wake, &b, 1) == 1;
	}
	return n;
}

static int shm_tp_wait_fd(struct tp_mbox *mb)
{
	return mb->wake;
}

static int shm_tp_stat(struct tp_mbox *mb, struct tp_mbox_stat *st)
{
	uint32_t used = shm_used(mb->h);
	st->depth = used > mb->depth ? mb->depth : used;
	st->capacity = mb->depth;
	st->msg_max = mb->msg_max;
	st->dropped = atomic_load_explicit(&mb->h->dropped, memory_order_relaxed);
	return 0;
}

static int shm_tp_unlink(const char *path)
{
	char ring[128], fifo[160];
	if (shm_names(path, ring, fifo, sizeof ring))
		return -TP_ETOOBIG;
	int rc = 0;
	if (shm_unlink(ring) < 0 && errno != ENOENT)
		rc = -tp_err_from_errno(errno);
	if (unlink(fifo) < 0 && errno != ENOENT && !rc)
		rc = -tp_err_from_errno(errno);
	return rc;
}

/* Only our own objects: the node's lock and registry share the prefix. */
static int shm_sweep(const char *prefix)
{
	static const char *const suffixes[] = { SHM_RING_SUFFIX, SHM_WAKE_SUFFIX, NULL };
	return tp_dir_sweep(SHM_DIR, prefix, suffixes);
}

/* The daemon saw pid die: if it held the senders' lock, nothing it wrote
 * was published (the tail moves last), so releasing the lock is the whole
 * repair.  Then wake everyone, in case it died between commit and wake or
 * (a receiver) between taking a message and announcing the room.  A
 * sender that died waiting for room leaves space_waiters one too high;
 * it cannot be told from a live waiter, so shm_post_space bounds what
 * that costs (one spare wake-up per message taken, no growing count). */
static void shm_repair(struct tp_mbox *mb, pid_t pid)
{
	struct shm_hdr *h = mb->h;
	uint32_t owner = (uint32_t)pid;
	atomic_compare_exchange_strong(&h->lock, &owner, 0);
	if (!shm_is_empty(h)) {
		/* Both ways: the dead sender may have taken the word already. */
		tp_futex_wake(&h->rx_waiting);
		char b = 1;
		if (write(mb->wake, &b, 1) < 0) {
			/* full: a wake-up is pending anyway */
		}
	}
	/* A count piled up before (older senders) goes back to at most one,
	 * a bounded step at a time: a writer of the ring can set it near
	 * 2^31, and the daemon must not spend seconds here. */
	int v;
	for (unsigned k = 0; k < SHM_REPAIR_DRAIN_MAX && sem_getvalue(&h->space, &v) == 0 &&
			     v > 1 && sem_trywait(&h->space) == 0; k++)
		;
	shm_post_space(mb);
}

const struct tp_transport tp_transport_shm = {
	.name = "shm",
	.caps = TP_CAP_EXACT_DEPTH | TP_CAP_DROP_OLDEST | TP_CAP_STAT_DEPTH |
		TP_CAP_DROPPED_ALL | TP_CAP_RECV_WAIT,
	.create = shm_create,
	.attach = shm_attach,
	.send = shm_tp_send,
	.recv = shm_tp_recv,
	.wait_fd = shm_tp_wait_fd,
	.arm = shm_tp_arm,
	.stat = shm_tp_stat,
	.close = shm_tp_close,
	.unlink = shm_tp_unlink,
	.check = shm_check,
	.sweep = shm_sweep,
	.repair = shm_repair,
	.evict = shm_tp_evict,
};
