/* The fault-injection suite at the transport level, for every local
 * transport (mq, shm, unix): processes killed with -9 at random instants
 * in the middle of sends and receives, receivers frozen with SIGSTOP, slow
 * consumers, kernel limits, and (shm) deaths at each instant where shared
 * state is half changed.  The daemon-level faults are in
 * tests/integration/test_faults.sh.
 *
 * Every message checks itself (length, sequence number, checksum) and
 * every one is accounted for in a ledger in shared memory: the sender
 * marks each sequence number trying / sent / rejected, the receiver counts
 * what arrived.  So a half-written or duplicated message, a lost one or a
 * wedged mailbox cannot go unnoticed.
 *
 * TROUPE_FAULT_N (default 50) is the number of kills of each kind per
 * transport; `make soak` runs it with 1000. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "mbox_test.h"
#include "transport.h"
#include "troupe/actor.h"
#include "troupe/error.h"

#define MS 1000000LL
#define MSG_MAX 512
#define MAXSEQ (1u << 22)

static const struct tp_transport *T;
static char path[80];
static int N = 50;
static unsigned seed;

/* ---------------------------------------------------------------- messages */

/* A test message: its own length, who sent it, its sequence number, then a
 * body derived from both, and an FNV-1a checksum over all of it. */
struct fmsg {
	uint32_t len, sender, seq, sum;
	unsigned char body[];
};

static uint32_t fnv(const unsigned char *p, size_t n, uint32_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint32_t fmsg_sum(const struct fmsg *m)
{
	uint32_t h = fnv((const unsigned char *)m, offsetof(struct fmsg, sum), 2166136261u);
	return fnv(m->body, m->len - sizeof *m, h);
}

/* Lengths vary (16 to MSG_MAX bytes), so a truncated copy shows. */
static size_t fmsg_make(void *buf, uint32_t sender, uint32_t seq)
{
	struct fmsg *m = buf;
	m->len = (uint32_t)(sizeof *m + (seq * 37u + sender * 11u) % (MSG_MAX - sizeof *m + 1));
	m->sender = sender;
	m->seq = seq;
	for (uint32_t i = 0; i < m->len - sizeof *m; i++)
		m->body[i] = (unsigned char)(seq * 31u + i * 7u + sender);
	m->sum = fmsg_sum(m);
	return m->len;
}

/* Whole and unaltered: the sequence number, or -1. */
static int64_t fmsg_check(const void *buf, int n)
{
	const struct fmsg *m = buf;
	if (n < (int)sizeof *m || m->len != (uint32_t)n || m->sum != fmsg_sum(m))
		return -1;
	return m->seq;
}

/* ---------------------------------------------------------------- ledger */

enum { ST_NONE, ST_TRYING, ST_SENT, ST_REJECTED, ST_ERROR };

/* Shared by the test and its children (MAP_SHARED before fork). */
struct ledger {
	_Atomic uint32_t next;        /* sender: next sequence number */
	_Atomic uint32_t stop;        /* sender: stop sending */
	_Atomic uint32_t dropped;     /* sender: drops its handle counted (mq) */
	_Atomic uint32_t received;    /* receiver: messages recorded */
	_Atomic uint32_t busy;        /* receiver: a message may be in hand */
	_Atomic int64_t last;         /* receiver: last sequence recorded */
	_Atomic uint32_t torn, dup, disorder, max_gap, wedged;
	_Atomic int64_t max_over_ns;  /* sender: worst time past a deadline */
	_Atomic uint32_t timeouts;
	_Atomic uint32_t count;       /* fault points: times heard */
	_Atomic uint8_t st[MAXSEQ];   /* sender's view of each sequence number */
	_Atomic uint8_t got[MAXSEQ];  /* times received */
};

static struct ledger *L;

/* Clears what was used (all of it is 8 MiB: not at every round). */
static void ledger_reset(void)
{
	size_t used = L->next + 128 < MAXSEQ ? L->next + 128 : MAXSEQ;
	memset(L->st, 0, used);
	memset(L->got, 0, used);
	memset(L, 0, offsetof(struct ledger, st));
	L->last = -1;
}

/* Records one received message; checks it is whole, new and in order. */
static void ledger_record(const void *buf, int n)
{
	int64_t seq = fmsg_check(buf, n);
	if (seq < 0 || seq >= MAXSEQ) {
		L->torn++;
		return;
	}
	if (L->got[seq]++)
		L->dup++;
	if (seq <= L->last)
		L->disorder++;
	/* Sent messages skipped since the last one recorded: lost in the hand
	 * of a receiver killed (at most one per kill). */
	uint32_t gap = 0;
	for (int64_t s = L->last + 1; s < seq; s++)
		gap += L->st[s] == ST_SENT;
	if (gap > L->max_gap)
		L->max_gap = gap;
	L->last = seq;
	L->received++;
}

/* ---------------------------------------------------------------- kill points */

/* The point this process dies at (NULL: none); "shm.space.woken" is
 * only counted.  stop_at: the point where it stops itself (SIGSTOP). */
static const char *kill_at, *stop_at;

void tp_fault_point(const char *where)
{
	if (stop_at && strcmp(where, stop_at) == 0)
		raise(SIGSTOP);
	if (!kill_at || strcmp(where, kill_at) != 0)
		return;
	L->count++;
	if (strcmp(where, "shm.space.woken") != 0)
		raise(SIGKILL);
}

/* ---------------------------------------------------------------- helpers */

/* Children still running, killed by teardown whatever a test did. */
static pid_t kids[16];

static pid_t spawn(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);   /* not past a test that gave up */
		return 0;
	}
	for (unsigned i = 0; i < 16; i++)
		if (!kids[i]) {
			kids[i] = pid;
			break;
		}
	return pid;
}

static void kids_kill(void)
{
	for (unsigned i = 0; i < 16; i++)
		if (kids[i]) {
			kill(kids[i], SIGKILL);
			waitpid(kids[i], NULL, 0);
			kids[i] = 0;
		}
}

static void kid_gone(pid_t pid)
{
	for (unsigned i = 0; i < 16; i++)
		if (kids[i] == pid)
			kids[i] = 0;
}

static struct tp_mbox *make(uint32_t depth, uint32_t when_full)
{
	return test_mbox_create(T, path, depth, MSG_MAX, when_full);
}

static bool policy_ok(uint32_t when_full)
{
	return when_full != TP_FULL_DROP_OLDEST || (T->caps & TP_CAP_DROP_OLDEST);
}

static struct tp_mbox *attach(enum tp_mbox_mode mode, struct tp_mbox *own)
{
	struct tp_mbox *mb = NULL;
	if (mode == TP_MBOX_RECV)
		tp_transport_handoff(T, own);
	if (T->attach(path, mode, &mb))
		return NULL;
	return mb;
}

/* As the daemon does on SIGCHLD. */
static void reap(pid_t pid, struct tp_mbox *own)
{
	int status;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	kid_gone(pid);
	if (T->repair)
		T->repair(own, pid);
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Waits (bounded) until *v reaches at least want. */
static bool wait_until(_Atomic uint32_t *v, uint32_t want, int64_t ms)
{
	int64_t until = tp_now_ns() + ms * MS;
	while (*v < want)
		if (tp_now_ns() > until)
			return false;
		else
			sleep_ns(MS / 4);
	return true;
}

/* A sender process: sequence numbers from L->next until stopped, each
 * marked before and after its send.  deadline_ms per send. */
static void sender_loop(struct tp_mbox *tx, uint32_t id, int64_t deadline_ms)
{
	static unsigned char buf[MSG_MAX];
	while (!L->stop) {
		uint32_t seq = L->next;
		if (seq >= MAXSEQ) {
			sleep_ns(MS);
			continue;
		}
		size_t len = fmsg_make(buf, id, seq);
		L->st[seq] = ST_TRYING;
		int64_t dl = tp_now_ns() + deadline_ms * MS;
		int rc = T->send(tx, buf, len, TP_PRIO_NORMAL, dl);
		int64_t over = tp_now_ns() - dl;
		L->st[seq] = rc == 0 ? ST_SENT : rc == -TP_EFULL ? ST_REJECTED : ST_ERROR;
		if (rc == -TP_EFULL) {
			L->timeouts++;
			if (over > L->max_over_ns)
				L->max_over_ns = over;
		}
		struct tp_mbox_stat st;
		if (T->stat(tx, &st) == 0)
			L->dropped = st.dropped;
		L->next = seq + 1;
	}
	_exit(0);
}

static pid_t spawn_sender(struct tp_mbox *own, uint32_t id, int64_t deadline_ms)
{
	(void)own;
	pid_t pid = spawn();
	if (pid == 0) {
		struct tp_mbox *tx = attach(TP_MBOX_SEND, NULL);
		if (!tx)
			_exit(2);
		sender_loop(tx, id, deadline_ms);
	}
	return pid;
}

/* A receiver process: records every message until killed; each receive
 * waits up to recv_ms. */
static pid_t spawn_receiver_ms(struct tp_mbox *own, int64_t recv_ms)
{
	pid_t pid = spawn();
	if (pid == 0) {
		struct tp_mbox *rx = attach(TP_MBOX_RECV, own);
		static unsigned char buf[MSG_MAX];
		if (!rx)
			_exit(2);
		for (;;) {
			L->busy = 1;
			int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + recv_ms * MS);
			if (n >= 0)
				ledger_record(buf, n);
			L->busy = 0;
		}
	}
	return pid;
}

static pid_t spawn_receiver(struct tp_mbox *own)
{
	return spawn_receiver_ms(own, 100);
}

static int drain(struct tp_mbox *rx, int64_t idle_ms)
{
	static unsigned char buf[MSG_MAX];
	int n, got = 0;
	while ((n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + idle_ms * MS)) >= 0) {
		ledger_record(buf, n);
		got++;
	}
	return got;
}

/* The invariants every round ends with; what was lost. */
static uint32_t ledger_assert(const char *what, uint32_t drop_allowance)
{
	uint32_t lost = 0, ghosts = 0, trying = 0;
	for (uint32_t s = 0; s < L->next + 1 && s < MAXSEQ; s++) {
		if (L->st[s] == ST_SENT && !L->got[s])
			lost++;
		if ((L->st[s] == ST_NONE || L->st[s] == ST_REJECTED || L->st[s] == ST_ERROR) &&
		    L->got[s])
			ghosts++;
		trying += L->st[s] == ST_TRYING;
	}
	if (L->torn || L->dup || L->disorder || ghosts || trying > 1 || lost > drop_allowance)
		print_error("%s %s: torn %u dup %u disorder %u ghosts %u trying %u lost %u "
			    "(allowed %u) of %u\n", T->name, what, L->torn, L->dup, L->disorder,
			    ghosts, trying, lost, drop_allowance, L->next);
	assert_int_equal(L->torn, 0);
	assert_int_equal(L->dup, 0);
	assert_int_equal(L->disorder, 0);
	assert_int_equal(ghosts, 0);
	assert_true(trying <= 1);
	assert_true(lost <= drop_allowance);
	return lost;
}

static uint32_t ledger_count(int state)
{
	uint32_t n = 0;
	for (uint32_t s = 0; s < L->next && s < MAXSEQ; s++)
		n += L->st[s] == state;
	return n;
}

/* Not wedged: a fresh sender's message gets through within its deadline. */
static void assert_not_wedged(struct tp_mbox *rx)
{
	struct tp_mbox *tx = attach(TP_MBOX_SEND, NULL);
	unsigned char buf[MSG_MAX];
	assert_non_null(tx);
	size_t len = fmsg_make(buf, 99, MAXSEQ - 1);
	assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS), 0);
	int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 1000 * MS);
	assert_int_equal(fmsg_check(buf, n), MAXSEQ - 1);
	T->close(tx);
}

/* ---------------------------------------------------------------- tests */

static void cleanup_on_deadline(void)
{
	kids_kill();
	T->unlink(path);
}

static int setup(void **st)
{
	(void)st;
	snprintf(path, sizeof path, "/troupe.f%d.box", (int)getpid());
	ledger_reset();
	kill_at = NULL;
	test_deadline(30 + (unsigned)N / 10, cleanup_on_deadline);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	test_deadline(0, NULL);
	kids_kill();
	return T->unlink(path);
}

/* N senders killed at random instants mid-send, under each full-mailbox
 * policy in turn, while this process receives (slowly at times, so the
 * mailbox fills).  Each round: every message sent arrived once, whole, in
 * order, or was rejected or counted dropped; the one in flight at the
 * kill arrived once or not at all; a new sender gets through. */
static void senders_killed(void **st)
{
	(void)st;
	static const uint32_t policies[] = { TP_FULL_BLOCK, TP_FULL_REJECT, TP_FULL_DROP_OLDEST };
	unsigned char buf[MSG_MAX];
	uint32_t kills = 0, sent = 0, rejected = 0, dropped_total = 0, inflight = 0;
	int npol = 0;
	for (unsigned p = 0; p < 3; p++)
		npol += policy_ok(policies[p]);
	for (unsigned p = 0; p < 3; p++) {
		if (!policy_ok(policies[p]))
			continue;
		struct tp_mbox *own = make(4, policies[p]), *rx = attach(TP_MBOX_RECV, own);
		assert_non_null(rx);
		for (int round = 0; round < (N + npol - 1) / npol; round++) {
			ledger_reset();
			struct tp_mbox_stat s0, s1;
			assert_int_equal(T->stat(own, &s0), 0);
			pid_t pid = spawn_sender(own, (uint32_t)round, 5);
			assert_true(wait_until(&L->next, 1, 5000));
			/* Receive for 0–4 ms, pausing now and then, then kill. */
			int64_t until = tp_now_ns() + (int64_t)(rand_r(&seed) % 4000) * 1000;
			while (tp_now_ns() < until) {
				int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + MS / 2);
				if (n >= 0)
					ledger_record(buf, n);
				if (rand_r(&seed) % 8 == 0)
					sleep_ns(MS / 2);
			}
			reap(pid, own);
			drain(rx, 20);
			assert_int_equal(T->stat(own, &s1), 0);
			bool all = T->caps & TP_CAP_DROPPED_ALL;
			uint32_t dropped = !all ? L->dropped + 1 : s1.dropped - s0.dropped;
			uint32_t lost = ledger_assert("sender killed",
						      policies[p] == TP_FULL_DROP_OLDEST ? dropped : 0);
			/* Counted in the mailbox (shm: in the ring): exact, or
			 * one high when the sender died inside a drop
			 * (shm_drop_oldest). */
			if (all)
				assert_true(dropped <= lost + 1);
			dropped_total += lost;
			kills++;
			sent += ledger_count(ST_SENT);
			rejected += ledger_count(ST_REJECTED);
			inflight += L->st[L->next] == ST_TRYING && L->got[L->next];
			assert_not_wedged(rx);
		}
		T->close(rx);
		T->close(own);
		assert_int_equal(T->unlink(path), 0);
	}
	print_message("%s: %u senders killed mid-send: %u sent (each received once or "
		      "dropped), %u rejected, %u dropped by drop_oldest, %u delivered from the send "
		      "in flight at the kill; none torn, duplicated or out of order\n",
		      T->name, kills, sent, rejected, dropped_total, inflight);
}

/* N receivers killed at random instants, each after it has received at
 * least one message (so no replacement found the mailbox wedged), while
 * one sender sends on.  At most the message in hand is lost per kill. */
static void receivers_killed(void **st)
{
	(void)st;
	struct tp_mbox *own = make(8, TP_FULL_BLOCK);
	ledger_reset();
	pid_t tx = spawn_sender(own, 1, 20);
	uint32_t lost_allowed = 0;
	for (int round = 0; round < N; round++) {
		uint32_t before = L->received;
		pid_t rx = spawn_receiver(own);
		if (!wait_until(&L->received, before + 1, 3000)) {
			print_error("%s: round %d: no message within 3 s (sender at %u of %u)\n",
				    T->name, round, L->next, MAXSEQ);
			L->wedged++;
		}
		assert_int_equal(L->wedged, 0);
		sleep_ns((int64_t)(rand_r(&seed) % 3000) * 1000);
		kill(rx, SIGKILL);
		waitpid(rx, NULL, 0);
		kid_gone(rx);
		lost_allowed += L->busy;
		L->busy = 0;
		if (T->repair)
			T->repair(own, rx);
	}
	L->stop = 1;
	waitpid(tx, NULL, 0);
	kid_gone(tx);
	struct tp_mbox *rx = attach(TP_MBOX_RECV, own);
	assert_non_null(rx);
	drain(rx, 50);
	if (L->max_gap > 1)
		print_error("%s: %u messages lost at one kill\n", T->name, L->max_gap);
	assert_true(L->max_gap <= 1);
	uint32_t lost = ledger_assert("receiver killed", lost_allowed);
	print_message("%s: %d receivers killed: %u sent, %u received, %u rejected (full at "
		      "the deadline), %u lost in a dead receiver's hand (%u kills in recv)\n",
		      T->name, N, ledger_count(ST_SENT), L->received, ledger_count(ST_REJECTED),
		      lost, lost_allowed);
	assert_not_wedged(rx);
	T->close(rx);
	T->close(own);
}

/* A consumer that takes one message every 30 ms; a sender with 20 ms
 * deadlines.  Each send succeeds or fails with EFULL no earlier than its
 * deadline and not long after; every success arrives; counters agree. */
static void slow_consumer(void **st)
{
	(void)st;
	struct tp_mbox *own = make(4, TP_FULL_BLOCK), *tx = attach(TP_MBOX_SEND, NULL);
	assert_non_null(tx);
	pid_t pid = spawn();
	if (pid == 0) {
		struct tp_mbox *rx = attach(TP_MBOX_RECV, own);
		unsigned char buf[MSG_MAX];
		while (rx && !L->stop) {
			int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 50 * MS);
			if (n >= 0)
				ledger_record(buf, n);
			sleep_ns(30 * MS);
		}
		_exit(rx ? 0 : 2);
	}
	unsigned char buf[MSG_MAX];
	uint32_t ok = 0, full = 0;
	int64_t worst = 0;
	for (uint32_t seq = 0; seq < 40; seq++) {
		size_t len = fmsg_make(buf, 0, seq);
		L->st[seq] = ST_TRYING;
		int64_t t0 = tp_now_ns(), dl = t0 + 20 * MS;
		int rc = T->send(tx, buf, len, TP_PRIO_NORMAL, dl);
		int64_t t1 = tp_now_ns();
		L->st[seq] = rc == 0 ? ST_SENT : ST_REJECTED;
		L->next = seq + 1;
		if (rc == 0) {
			ok++;
		} else {
			assert_int_equal(rc, -TP_EFULL);
			assert_true(t1 >= dl);
			if (t1 - dl > worst)
				worst = t1 - dl;
			full++;
		}
		struct tp_mbox_stat s;
		assert_int_equal(T->stat(own, &s), 0);
		assert_true(s.depth <= s.capacity);
	}
	assert_true(worst < 200 * MS);
	assert_true(wait_until(&L->received, ok, 5000));
	L->stop = 1;
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	kid_gone(pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct tp_mbox_stat s;
	assert_int_equal(T->stat(own, &s), 0);
	assert_int_equal(s.depth, 0);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(L->received, ok);
	ledger_assert("slow consumer", 0);
	print_message("%s: slow consumer: %u sent, %u timed out (worst %.1f ms past the "
		      "deadline)\n", T->name, ok, full, (double)worst / MS);
	T->close(tx);
	T->close(own);
}

static long vm_rss_kb(pid_t pid)
{
	char p[64], line[128];
	long kb = -1;
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	FILE *f = fopen(p, "re");
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* The receiver stopped (SIGSTOP) 4x longer than the senders' 100 ms
 * deadlines: each send times out within its deadline plus 200 ms (loose
 * for a loaded 2-core VM; the worst seen is printed), nothing queues past
 * the mailbox's depth, the senders' memory stays put, and traffic resumes
 * after SIGCONT. */
static void receiver_stopped(void **st)
{
	(void)st;
	struct tp_mbox *own = make(8, TP_FULL_BLOCK);
	pid_t rx = spawn_receiver(own), tx = spawn_sender(own, 1, 100);
	assert_true(wait_until(&L->received, 20, 5000));
	long rss0 = vm_rss_kb(tx);
	kill(rx, SIGSTOP);
	uint32_t t0 = L->timeouts;
	sleep_ns(400 * MS);
	struct tp_mbox_stat s;
	assert_int_equal(T->stat(own, &s), 0);
	assert_true(s.depth <= s.capacity);
	uint32_t during = L->timeouts - t0;
	long rss1 = vm_rss_kb(tx);
	uint32_t before = L->received;
	kill(rx, SIGCONT);
	assert_true(wait_until(&L->received, before + 20, 5000));
	L->stop = 1;
	waitpid(tx, NULL, 0);
	kid_gone(tx);
	reap(rx, own);
	print_message("%s: receiver stopped 400 ms: %u sends timed out, worst %.2f ms past "
		      "a 100 ms deadline; sender RSS %ld -> %ld kB\n", T->name, during,
		      (double)L->max_over_ns / MS, rss0, rss1);
	assert_true(during >= 2);
	assert_true(L->max_over_ns < 200 * MS);
	assert_true(rss1 - rss0 < 256);
	struct tp_mbox *r = attach(TP_MBOX_RECV, own);
	assert_non_null(r);
	drain(r, 20);
	ledger_assert("receiver stopped", L->busy);
	T->close(r);
	T->close(own);
}

/* ---------------------------------------------------------------- mq limits */

/* Drops CAP_SYS_RESOURCE from this (child) process's effective set, as an
 * unprivileged daemon runs. */
static void drop_sys_resource(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) == 0) {
		d[0].effective &= ~(1u << CAP_SYS_RESOURCE);
		syscall(SYS_capset, &h, d);
	}
}

static int limit_child(uint32_t depth, uint32_t msg_max, rlim_t rlimit, const char *want)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = spawn();
	if (pid == 0) {
		drop_sys_resource();
		if (rlimit) {
			struct rlimit rl = { rlimit, rlimit };
			setrlimit(RLIMIT_MSGQUEUE, &rl);
		}
		struct tp_mbox_attr a = { .depth = depth, .msg_max = msg_max, .mode = 0600 };
		struct tp_mbox *mb = NULL;
		char err[512] = "";
		int c = T->check(&a, 1, err, sizeof err);
		int rc = T->create(path, &a, &mb, err + strlen(err), sizeof err - strlen(err));
		if (write(p[1], err, strlen(err)) < 0)
			_exit(3);
		_exit(c == -TP_ELIMIT && rc == -TP_ELIMIT ? 0 : 1);
	}
	close(p[1]);
	char out[1024] = "";
	ssize_t n = read(p[0], out, sizeof out - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = 0;
	int status;
	waitpid(pid, &status, 0);
	kid_gone(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(out, want)) {
		print_error("mq limit: want ELIMIT naming '%s', got: %s\n", want, out);
		return -1;
	}
	return 0;
}

static long proc_long(const char *p)
{
	FILE *f = fopen(p, "re");
	long v = -1;
	if (f && fscanf(f, "%ld", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

/* Each mq limit exceeded, at check and at create, with the error naming
 * the limit (an unprivileged daemon: CAP_SYS_RESOURCE lifts two of them). */
static void mq_limits(void **st)
{
	(void)st;
	long msg_max = proc_long("/proc/sys/fs/mqueue/msg_max");
	long size_max = proc_long("/proc/sys/fs/mqueue/msgsize_max");
	assert_true(msg_max > 0 && size_max > 0);
	assert_int_equal(limit_child((uint32_t)msg_max + 1, 64, 0, "/proc/sys/fs/mqueue/msg_max"), 0);
	assert_int_equal(limit_child(4, (uint32_t)size_max + 1, 0, "/proc/sys/fs/mqueue/msgsize_max"), 0);
	assert_int_equal(limit_child(8, 8192, 16384, "RLIMIT_MSGQUEUE"), 0);
	T->unlink(path);
}

/* ---------------------------------------------------------------- shm kill points */

/* A child killed at a point; with keep_zombie it is left unreaped, so
 * its pid still answers kill(pid, 0) as a reused pid would. */
static pid_t spawn_killed_at_z(const char *point, bool sender, struct tp_mbox *own,
			       bool keep_zombie)
{
	pid_t pid = spawn();
	if (pid == 0) {
		unsigned char buf[MSG_MAX];
		struct tp_mbox *mb = attach(sender ? TP_MBOX_SEND : TP_MBOX_RECV, own);
		if (!mb)
			_exit(2);
		kill_at = point;
		if (sender) {
			size_t len = fmsg_make(buf, 7, 100);
			T->send(mb, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 5000 * MS);
		} else {
			T->recv(mb, buf, sizeof buf, NULL, tp_now_ns() + 5000 * MS);
		}
		_exit(4);   /* did not die at the point */
	}
	siginfo_t si = { 0 };
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | (keep_zombie ? WNOWAIT : 0)), 0);
	if (!keep_zombie)
		kid_gone(pid);
	if (si.si_code != CLD_KILLED || si.si_status != SIGKILL)
		print_error("shm: %s: not killed at the point\n", point);
	assert_true(si.si_code == CLD_KILLED && si.si_status == SIGKILL);
	return pid;
}

static pid_t spawn_killed_at(const char *point, bool sender, struct tp_mbox *own)
{
	return spawn_killed_at_z(point, sender, own, false);
}

/* A receiver that sleeps in one long recv (10 s), and says when it got
 * something: only a wake-up gets it mail sooner. */
static pid_t spawn_sleeper(struct tp_mbox *own)
{
	pid_t pid = spawn_receiver_ms(own, 10000);
	sleep_ns(50 * MS);   /* let it fall asleep on its wake FIFO */
	return pid;
}

/* A sender killed at each instant where the ring is half changed: after
 * copying (nothing published, lock held), after committing (published,
 * lock held), after unlocking (published, the sleeping receiver not
 * woken).  The daemon's repair (or, without it, the next sender's check
 * of the lock owner) puts the ring right: no torn message, the committed
 * one delivered once, the receiver woken, the next sender not blocked.
 * The receiver sleeps in a 10 s receive, so it has mail within 1 s only
 * if something woke it.  With the repair the dead sender stays a zombie:
 * its pid still looks alive to the next sender's check (as a reused pid
 * would), so only the repair can have released its lock. */
static void shm_sender_kill_points(void **st)
{
	(void)st;
	static const struct { const char *point; bool published; } pts[] = {
		{ "shm.put.copied", false },
		{ "shm.put.committed", true },
		{ "shm.put.unlocked", true },
	};
	for (unsigned i = 0; i < 3; i++) {
		for (int with_repair = 0; with_repair < 2; with_repair++) {
			ledger_reset();
			struct tp_mbox *own = make(4, TP_FULL_BLOCK);
			pid_t rx = spawn_sleeper(own);
			L->st[100] = ST_TRYING;
			pid_t dead = spawn_killed_at_z(pts[i].point, true, own, with_repair);
			if (with_repair)
				T->repair(own, dead);
			if (pts[i].published && with_repair)   /* woken by the repair */
				assert_true(wait_until(&L->received, 1, 1000));
			/* The next sender is not blocked by the dead one's lock. */
			struct tp_mbox *tx = attach(TP_MBOX_SEND, NULL);
			unsigned char buf[MSG_MAX];
			size_t len = fmsg_make(buf, 7, 101);
			L->st[101] = ST_TRYING;
			int64_t t0 = tp_now_ns();
			assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, t0 + 1000 * MS), 0);
			assert_true(tp_now_ns() - t0 < 500 * MS);
			L->st[101] = ST_SENT;
			L->next = 102;
			assert_true(wait_until(&L->received, pts[i].published ? 2 : 1, 1000));
			sleep_ns(20 * MS);
			if (with_repair) {
				assert_int_equal(waitpid(dead, NULL, 0), dead);
				kid_gone(dead);
			}
			reap(rx, own);
			assert_int_equal(L->got[100], pts[i].published);
			assert_int_equal(L->got[101], 1);
			ledger_assert(pts[i].point, 0);
			T->close(tx);
			T->close(own);
			assert_int_equal(T->unlink(path), 0);
		}
	}
}

/* A sender killed after it took the receiver's waiter word and before it
 * woke the receiver (in the futex, where a receiver that waits for its
 * mail alone sleeps).  The message is committed, and nobody else will
 * wake the receiver for it: the daemon's repair does (within 1 s of a
 * 10 s receive), and without a repair the receive's own deadline ends the
 * sleep and finds it (a 300 ms receive gets it within 2 s). */
static void shm_waker_killed(void **st)
{
	(void)st;
	for (int with_repair = 0; with_repair < 2; with_repair++) {
		ledger_reset();
		struct tp_mbox *own = make(4, TP_FULL_BLOCK);
		pid_t rx = with_repair ? spawn_sleeper(own) : spawn_receiver_ms(own, 300);
		if (!with_repair)
			sleep_ns(50 * MS);
		L->st[100] = ST_TRYING;
		int64_t t0 = tp_now_ns();
		pid_t dead = spawn_killed_at("shm.wake.taken", true, own);
		L->st[100] = ST_SENT;
		L->next = 101;
		if (with_repair)
			T->repair(own, dead);
		bool got = wait_until(&L->received, 1, with_repair ? 1000 : 2000);
		print_message("shm: sender killed before its wake-up: the receiver had the message "
			      "after %.1f ms (%s)\n", (double)(tp_now_ns() - t0) / MS,
			      with_repair ? "repair" : "no repair, 300 ms receives");
		assert_true(got);
		reap(rx, own);
		assert_int_equal(L->got[100], 1);
		ledger_assert("shm.wake.taken", 0);
		T->close(own);
		assert_int_equal(T->unlink(path), 0);
	}
}

/* A sender stopped (SIGSTOP) inside its copy holds the ring's lock, and
 * looks alive: the next send waits for the lock until its deadline and
 * fails with TP_EFULL then, nothing queued; a send without a deadline
 * fails too, after one check of the owner.  Once the stopped sender goes
 * on, both messages arrive and the ring works. */
static void shm_lock_deadline(void **st)
{
	(void)st;
	ledger_reset();
	struct tp_mbox *own = make(4, TP_FULL_BLOCK), *rx = attach(TP_MBOX_RECV, own),
		       *tx = attach(TP_MBOX_SEND, NULL);
	unsigned char buf[MSG_MAX];
	pid_t pid = spawn();
	if (pid == 0) {
		struct tp_mbox *mb = attach(TP_MBOX_SEND, NULL);
		if (!mb)
			_exit(2);
		stop_at = "shm.put.copied";
		size_t len = fmsg_make(buf, 7, 0);
		_exit(T->send(mb, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 5000 * MS) == 0 ? 0 : 3);
	}
	siginfo_t si = { 0 };
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WSTOPPED), 0);
	assert_int_equal(si.si_code, CLD_STOPPED);
	size_t len = fmsg_make(buf, 7, 1);
	int64_t t0 = tp_now_ns();
	assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, t0 + 200 * MS), -TP_EFULL);
	int64_t waited = tp_now_ns() - t0;
	print_message("shm: a send behind a stopped lock owner failed after %.1f ms "
		      "(deadline 200 ms)\n", (double)waited / MS);
	assert_true(waited >= 200 * MS && waited < 1000 * MS);
	assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, 0), -TP_EFULL);
	struct tp_mbox_stat s;
	assert_int_equal(T->stat(own, &s), 0);
	assert_int_equal(s.depth, 0);
	assert_int_equal(kill(pid, SIGCONT), 0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	kid_gone(pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 1000 * MS), 0);
	for (uint32_t want = 0; want < 2; want++) {
		int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 1000 * MS);
		assert_int_equal(fmsg_check(buf, n), want);
	}
	assert_int_equal(T->recv(rx, buf, sizeof buf, NULL, 0), -TP_EEMPTY);
	T->close(tx);
	T->close(rx);
	T->close(own);
}

/* A receiver killed after copying a message out but before claiming it:
 * the message stays for the replacement.  Killed after claiming but
 * before announcing room: that message was in its hand (lost, as any
 * message in hand), and the sender waiting for room is not left asleep. */
static void shm_receiver_kill_points(void **st)
{
	(void)st;
	for (int claimed = 0; claimed < 2; claimed++) {
		ledger_reset();
		struct tp_mbox *own = make(1, TP_FULL_BLOCK), *tx = attach(TP_MBOX_SEND, NULL);
		unsigned char buf[MSG_MAX];
		size_t len = fmsg_make(buf, 1, 0);
		assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 100 * MS), 0);
		L->st[0] = ST_SENT;
		L->next = 1;
		/* A sender waiting for room in the full ring. */
		pid_t waiter = spawn_sender(own, 1, 3000);
		sleep_ns(30 * MS);
		int64_t t0 = tp_now_ns();
		pid_t dead = spawn_killed_at(claimed ? "shm.take.claimed" : "shm.take.copied",
					     false, own);
		T->repair(own, dead);
		if (claimed)   /* room was made: the waiter's send goes through */
			assert_true(wait_until(&L->next, 2, 1000));
		struct tp_mbox *rx = attach(TP_MBOX_RECV, own);
		int n = T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 1000 * MS);
		assert_true(n > 0);
		ledger_record(buf, n);
		assert_true(tp_now_ns() - t0 < 1000 * MS);
		L->stop = 1;
		reap(waiter, own);
		drain(rx, 20);
		/* copied: message 0 is delivered to the replacement; claimed: 0
		 * was in the dead receiver's hand. */
		assert_int_equal(L->got[0], !claimed);
		ledger_assert(claimed ? "take.claimed" : "take.copied", claimed);
		T->close(rx);
		T->close(tx);
		T->close(own);
		assert_int_equal(T->unlink(path), 0);
	}
}

/* A sender killed while it waits for room leaves the ring's count of
 * space waiters one too high for good.  The receiver then posts the room
 * semaphore at every message; before the fix the count climbed without
 * bound and the next sender to wait for room spun through it instead of
 * sleeping.  Now the count stays in line (at most one post pending) and a
 * waiting sender wakes a handful of times in its deadline. */
static void shm_space_waiter_killed(void **st)
{
	(void)st;
	struct tp_mbox *own = make(2, TP_FULL_BLOCK), *rx = attach(TP_MBOX_RECV, own),
		       *tx = attach(TP_MBOX_SEND, NULL);
	unsigned char buf[MSG_MAX];
	size_t len = fmsg_make(buf, 1, 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 100 * MS), 0);
	pid_t dead = spawn_killed_at("shm.space.waiting", true, own);
	T->repair(own, dead);
	for (int i = 0; i < 2000; i++) {
		assert_true(T->recv(rx, buf, sizeof buf, NULL, tp_now_ns() + 100 * MS) > 0);
		assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, tp_now_ns() + 100 * MS), 0);
	}
	/* Still full: a sender waits 300 ms for room that never comes. */
	L->count = 0;
	kill_at = "shm.space.woken";
	int64_t t0 = tp_now_ns();
	assert_int_equal(T->send(tx, buf, len, TP_PRIO_NORMAL, t0 + 300 * MS), -TP_EFULL);
	kill_at = NULL;
	print_message("shm: a sender waiting 300 ms woke %u times\n", L->count);
	assert_true(tp_now_ns() - t0 >= 300 * MS);
	assert_true(L->count <= 10);
	T->close(tx);
	T->close(rx);
	T->close(own);
}

int main(void)
{
	/* Each case with the transport it is about (NULL: every one), so no
	 * case is registered where it cannot apply. */
	static const struct { struct CMUnitTest t; const char *only; } cases[] = {
		{ cmocka_unit_test_setup_teardown(senders_killed, setup, teardown), NULL },
		{ cmocka_unit_test_setup_teardown(receivers_killed, setup, teardown), NULL },
		{ cmocka_unit_test_setup_teardown(slow_consumer, setup, teardown), NULL },
		{ cmocka_unit_test_setup_teardown(receiver_stopped, setup, teardown), NULL },
		{ cmocka_unit_test_setup_teardown(mq_limits, setup, teardown), "mq" },
		{ cmocka_unit_test_setup_teardown(shm_sender_kill_points, setup, teardown), "shm" },
		{ cmocka_unit_test_setup_teardown(shm_receiver_kill_points, setup, teardown), "shm" },
		{ cmocka_unit_test_setup_teardown(shm_waker_killed, setup, teardown), "shm" },
		{ cmocka_unit_test_setup_teardown(shm_lock_deadline, setup, teardown), "shm" },
		{ cmocka_unit_test_setup_teardown(shm_space_waiter_killed, setup, teardown), "shm" },
	};
	struct CMUnitTest tests[sizeof cases / sizeof *cases];
	const char *n = getenv("TROUPE_FAULT_N");
	if (n && atoi(n) > 0)
		N = atoi(n);
	seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	printf("fault injection: %d kills of each kind, seed %u\n", N, seed);
	signal(SIGPIPE, SIG_IGN);
	L = mmap(NULL, sizeof *L, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (L == MAP_FAILED)
		return 1;
	char rundir[] = "/tmp/troupe-faults.XXXXXX";
	if (!mkdtemp(rundir))
		return 1;
	setenv("TROUPE_RUN_DIR", rundir, 1);
	int failed = 0;
	for (size_t i = 0; tp_transports[i]; i++) {
		T = tp_transports[i];
		if (T->caps & TP_CAP_CONNECTED)
			continue;   /* not local: node links and test_transport.c cover it */
		size_t n_tests = 0;
		for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
			if (!cases[c].only || strcmp(cases[c].only, T->name) == 0)
				tests[n_tests++] = cases[c].t;
		char name[32];
		snprintf(name, sizeof name, "faults %s", T->name);
		failed += _cmocka_run_group_tests(name, tests, n_tests, NULL, NULL);
	}
	rmdir(rundir);
	return failed;
}
