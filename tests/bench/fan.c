/* Topic fan-out: one publisher to 1, 4 and 16 subscribers, at 64 B and
 * 1 KiB, on Troupe's topics (shm and mq mailboxes), raw shm+sem rings (one
 * ring send per subscriber), ZeroMQ PUB/SUB over ipc:// and iceoryx.
 *
 * Each case runs in fresh processes: the subscribers pinned to CPU 1, the
 * publisher to CPU 0.  Every subscriber counts what it gets in its own
 * cache line of a shared page; the publisher first publishes warm-up
 * messages until every subscriber has seen one (ZeroMQ's subscribers join
 * late, Troupe's mailboxes are attached on first use), then, unmeasured,
 * twice a queue's depth (every page of every ring touched), then m messages,
 * never more than a window ahead of the slowest subscriber (half its
 * queue), then waits until every subscriber has counted all m.  Rate:
 * publishes delivered to every subscriber per second, from the first
 * publish to the last count.  Cost: the publisher process's CPU time
 * (all its threads: ZeroMQ's I/O thread does its sending) per publish,
 * less what its publishing thread spent waiting for the window.
 * Anything not delivered (a drop) is counted, never hidden. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "troupe/actor.h"

#define FAN_NSUBS 3
#define FAN_NSIZES 2
static const unsigned fan_subs[FAN_NSUBS] = { 1, 4, FAN_MAX };
static const unsigned fan_sizes[FAN_NSIZES] = { 64, 1024 };
#define FAN_WINDOW_MAX 128

static const struct fan_ops fan_raw = { .label = "raw shm+sem", .depth = RAW_SHM_DEPTH,
					.io = &fan_io_shm };
/* ZeroMQ's queues are unbounded here (ext.c): the window as the others'. */
static const struct fan_ops fan_zmq = { .label = "zmq pub/sub", .depth = 2 * FAN_WINDOW_MAX,
					.io = &fan_io_zmq };
static const struct fan_ops fan_iox = { .label = "iceoryx", .depth = 256, .io = &fan_io_iox,
					.skip = bench_iox_skip };

/* Rows, in the order they run; the raw ring first (the goal's measure). */
static const struct fan_path {
	const struct fan_ops *ops;
	bool troupe;
} fan_paths[] = {
	{ &fan_raw, false },
	{ &fan_troupe_shm, true },
	{ &fan_troupe_mq, true },
	{ &fan_zmq, false },
	{ &fan_iox, false },
};
enum { F_RAW, F_SHM, F_MQ, F_ZMQ, F_IOX, F_NPATHS };

/* ---------------------------------------------------------------- shared page */

struct fan_page {
	struct {
		_Atomic uint32_t count;   /* measured messages received */
		_Atomic uint32_t warm;    /* the last warm-up message seen */
		char pad[56];
	} sub[FAN_MAX];
};
static struct fan_page *pg;
static unsigned fan_n, fan_window, fan_m, fan_depth;


int fan_got(unsigned j, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	if (len < MSG_MIN || j >= FAN_MAX)
		return -1;
	switch (b[0]) {
	case MSG_PING:
		atomic_store_explicit(&pg->sub[j].warm, get_u32(b + 4), memory_order_release);
		return 0;
	case MSG_STREAM: {
		uint32_t c = atomic_load_explicit(&pg->sub[j].count, memory_order_relaxed);
		atomic_store_explicit(&pg->sub[j].count, c + 1, memory_order_release);
		return 0;
	}
	case MSG_QUIT:
		return 1;
	default:
		return -1;
	}
}

static uint32_t fan_min(bool warm, uint64_t *sum)
{
	uint32_t lo = UINT32_MAX;
	uint64_t s = 0;
	for (unsigned j = 0; j < fan_n; j++) {
		uint32_t v = atomic_load_explicit(warm ? &pg->sub[j].warm : &pg->sub[j].count,
						  memory_order_acquire);
		lo = v < lo ? v : lo;
		s += v;
	}
	if (sum)
		*sum = s;
	return lo;
}

/* Write system calls of this process so far (/proc/self/io's syscw): a
 * Troupe shm publisher's are its wake-ups of sleeping subscribers (a FIFO
 * write each; raw shm+sem wakes with futex, not counted there). */
static long long writes_now(void)
{
	long long v = -1;
	FILE *f = fopen("/proc/self/io", "re");
	if (f) {
		char line[64];
		while (fgets(line, sizeof line, f))
			if (sscanf(line, "syscw: %lld", &v) == 1)
				break;
		fclose(f);
	}
	return v;
}

static int64_t cpu_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---------------------------------------------------------------- publisher */

/* Publishes messages from..to-1 within the window, then waits until every
 * subscriber counted to, or nothing moved for 1 s.  Sets *t1 to the
 * last count's time, *waited to this thread's CPU time in waits, *sum to
 * the counts' sum.  Nothing moving for 1 s: a loss, counted. */
static int fan_stream(fan_publish_fn *publish, void *ctx, uint8_t *buf, unsigned size,
		      unsigned from, unsigned to, int64_t *t1, int64_t *waited, uint64_t *sum)
{
	/* The window is looked at every quarter of it: a look reads every
	 * subscriber's line, which another CPU writes. */
	unsigned step = fan_window / 4 ? fan_window / 4 : 1, slack = 0;
	*waited = 0;
	for (unsigned i = from; i < to; i++) {
		uint32_t lo;
		if ((i - from) % step == 0 &&
		    i + step > (lo = fan_min(false, NULL)) + fan_window + slack) {
			int64_t since = tp_now_ns(), w = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
			/* A subscriber that lost messages never catches up: when
			 * the slowest has not moved for 1 s (under load one may be
			 * off its CPU for a while), go on, and let the window
			 * grow by what it lacks (the loss is counted at the end). */
			for (uint32_t now; i + step > (now = fan_min(false, NULL)) + fan_window + slack;) {
				if (now != lo) {
					lo = now;
					since = tp_now_ns();
				} else if (tp_now_ns() - since > 1000000000) {
					slack = i + step - now - fan_window;
					break;
				}
				usleep(20);
			}
			*waited += cpu_ns(CLOCK_THREAD_CPUTIME_ID) - w;
		}
		buf[0] = MSG_STREAM;
		put_u32(buf + 4, i);
		if (publish(ctx, buf, size))
			return -1;
	}
	uint64_t last = 0;
	int64_t moved = tp_now_ns(), w = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
	*t1 = moved;
	while (fan_min(false, sum) < to && tp_now_ns() - moved < 1000000000) {
		if (*sum != last) {
			last = *sum;
			moved = *t1 = tp_now_ns();
		}
		usleep(20);
	}
	if (fan_min(false, sum) >= to)
		*t1 = tp_now_ns();
	*waited += cpu_ns(CLOCK_THREAD_CPUTIME_ID) - w;
	return 0;
}

int fan_pub_measure(fan_publish_fn *publish, void *ctx, unsigned size, struct fan_result *r)
{
	static uint8_t buf[SIZE_MAX_PAYLOAD];
	memset(buf, 0x5a, size);
	int64_t limit = tp_now_ns() + 10000000000LL;
	/* Warm-up: one message, then up to 5 ms for every subscriber to see
	 * it, again until they all have (then every queue is empty). */
	for (uint32_t k = 1;; k++) {
		buf[0] = MSG_PING;
		put_u32(buf + 4, k);
		if (publish(ctx, buf, size))
			return -1;
		for (int t = 0; t < 50 && fan_min(true, NULL) < k; t++)
			usleep(100);
		if (fan_min(true, NULL) >= k)
			break;
		if (tp_now_ns() > limit) {
			fprintf(stderr, "bench: fan-out: subscribers not ready within 10 s\n");
			return -1;
		}
	}
	/* Then, unmeasured, twice each queue's depth: every slot of every
	 * ring has been written once (a first write to a fresh page of shared
	 * memory is a page fault, per subscriber). */
	int64_t t1, waited;
	uint64_t sum;
	unsigned w = 2 * fan_depth, m = fan_m;
	if (fan_stream(publish, ctx, buf, size, 0, w, &t1, &waited, &sum))
		return -1;
	/* The publisher's cost is its process's CPU time (other threads'
	 * too) less what this thread spends waiting for the window. */
	long long w0 = writes_now();
	int64_t c0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID), t0 = tp_now_ns();
	if (fan_stream(publish, ctx, buf, size, w, w + m, &t1, &waited, &sum))
		return -1;
	int64_t c1 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	long long w1 = writes_now();
	sum -= (uint64_t)w * fan_n;   /* the unmeasured stream, counted too */
	r->writes = w0 >= 0 && w1 >= w0 ? (double)(w1 - w0) / m : -1;
	r->m = m;
	r->window = fan_window;
	r->lost = (uint64_t)m * fan_n - sum;
	r->msgs_per_s = (double)sum / fan_n / ((t1 - t0) / 1e9);
	r->pub_us = (c1 - c0 - waited) / 1e3 / m;
	r->done = true;
	buf[0] = MSG_QUIT;
	memset(buf + 4, 0, 4);
	publish(ctx, buf, size);
	return 0;
}

/* ---------------------------------------------------------------- generic io */

static const struct fan_io *cur_io;

static int io_publish(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	return cur_io->publish(buf, len);
}

static int io_sub_main(const struct fan_io *io, unsigned j, unsigned size)
{
	static uint8_t buf[SIZE_MAX_PAYLOAD];
	if (io->sub_start(j))
		return 1;
	int rc;
	do
		rc = io->sub_recv(j, buf, size) ? -1 : fan_got(j, buf, size);
	while (rc == 0);
	io->close(false);
	return rc == 1 ? 0 : 1;
}

static int io_pub_main(const struct fan_io *io, unsigned size, struct fan_result *r)
{
	cur_io = io;
	int rc = io->pub_start(fan_n) || fan_pub_measure(io_publish, NULL, size, r) ? -1 : 0;
	io->close(true);
	return rc;
}

/* ---------------------------------------------------------------- one case */

static int fan_case(const struct fan_ops *o, unsigned nsubs, unsigned size, struct fan_result *r)
{
	memset(r, 0, sizeof *r);
	const char *why = o->skip ? o->skip(size) : NULL;
	if (why) {
		snprintf(r->skip, sizeof r->skip, "%s", why);
		return 0;
	}
	snprintf(r->skip, sizeof r->skip, "FAILED");
	fan_n = nsubs;
	fan_depth = o->depth;
	fan_window = o->depth / 2 < FAN_WINDOW_MAX ? o->depth / 2 : FAN_WINDOW_MAX;
	if (fan_window < 1)
		fan_window = 1;
	/* Deliveries per case: a quarter of a stream (-m), at least 1000
	 * publishes. */
	fan_m = cfg.m / 4 / nsubs;
	if (fan_m < 1000)
		fan_m = 1000;
	pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (pg == MAP_FAILED)
		return -1;
	memset(pg, 0, sizeof *pg);
	int fds[2] = { -1, -1 }, rc = -1;
	pid_t sub[FAN_MAX] = { 0 }, pub = 0;
	unsigned started = 0;
	if ((o->io ? o->io->open(nsubs, size) : o->open(nsubs, size)) ||
	    pipe2(fds, O_CLOEXEC))
		goto out;
	for (; started < nsubs; started++) {
		if ((sub[started] = child_fork()) < 0)
			goto out;
		if (sub[started] == 0) {
			close(fds[0]);
			close(fds[1]);
			if (pin_cpu(peer_cpu(TWO_CORES)))
				_exit(1);
			_exit(o->io ? io_sub_main(o->io, started, size) : o->sub_main(started, size));
		}
	}
	if ((pub = child_fork()) < 0)
		goto out;
	if (pub == 0) {
		close(fds[0]);
		struct fan_result res = { 0 };
		int prc = pin_cpu(0) ? -1 : o->io ? io_pub_main(o->io, size, &res)
						  : o->pub_main(size, &res);
		res.done = prc == 0 && res.done;
		_exit(write(fds[1], &res, sizeof res) == sizeof res && res.done ? 0 : 1);
	}
	close(fds[1]);
	fds[1] = -1;
	struct pollfd pf = { .fd = fds[0], .events = POLLIN };
	rc = poll(&pf, 1, (int)(cfg.timeout_s + 5) * 1000) == 1 &&
	     read(fds[0], r, sizeof *r) == sizeof *r && r->done ? 0 : -1;
out:
	if (pub > 0) {
		int st = child_reap(pub, 3000);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			rc = -1;
	}
	for (unsigned j = 0; j < started; j++) {
		if (sub[j] <= 0)
			continue;
		if (o->sub_sigterm || rc)
			kill(sub[j], rc ? SIGKILL : SIGTERM);
		int st = child_reap(sub[j], 2000);
		if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0)) {
			fprintf(stderr, "bench: fan-out %s: subscriber %u ended badly (status 0x%x)\n",
				o->label, j, st);
			rc = -1;
		}
	}
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (o->io)
		o->io->close(false);
	else
		o->close();
	munmap(pg, sizeof *pg);
	pg = NULL;
	if (rc) {
		fprintf(stderr, "bench: fan-out %s, %u subscribers, %u B: measurement failed\n",
			o->label, nsubs, size);
		r->done = false;
		snprintf(r->skip, sizeof r->skip, "FAILED");
	}
	return rc;
}

/* ---------------------------------------------------------------- report */

static struct fan_result fres[F_NPATHS][FAN_NSIZES][FAN_NSUBS];

/* The publisher's cost per subscriber beyond the first: (16 - 1) / 15. */
static double fan_extra(unsigned i, unsigned s)
{
	const struct fan_result *a = &fres[i][s][0], *b = &fres[i][s][FAN_NSUBS - 1];
	return a->done && b->done ? (b->pub_us - a->pub_us) / (FAN_MAX - 1) : -1;
}

static bool fan_want[F_NPATHS];
static double fan_took_s;

void fan_print(void)
{
	const bool *want = fan_want;
	printf("\ntopic fan-out: one publisher (CPU 0) to 1, 4, 16 subscribers (CPU 1), each a "
	       "process; %u deliveries per case (at least 1000 publishes), after a warm-up;\n"
	       "at most `win` messages in flight to the slowest subscriber (half its queue; "
	       "Troupe mq mailboxes are 10 deep, fs.mqueue.msg_max), so nothing should drop.\n"
	       "msg/s: publishes delivered to every subscriber per second; deliv/s: the same "
	       "times subscribers; pub_us: the publisher process's CPU time per publish (all "
	       "its threads), less its waits for the window;\nwr/pub: the publisher's write system calls per publish "
	       "(Troupe shm: its wake-ups of sleeping subscribers, a FIFO write each; raw "
	       "shm+sem wakes by futex, not counted); lost: deliveries missing at the end; /zmq, /iox: Troupe shm "
	       "msg/s over theirs (higher is better); extra_us: (pub_us at 16 - at 1) / 15.  "
	       "The fan-out took %.0f s.\n\n", cfg.m / 4, fan_took_s);
	printf("%5s  %-12s %4s %4s %10s %10s %8s %6s %6s | %7s %7s | %s\n", "size", "path", "subs",
	       "win", "msg/s", "deliv/s", "pub_us", "wr/pub", "lost", "/zmq", "/iox", "extra_us");
	for (unsigned s = 0; s < FAN_NSIZES; s++) {
		for (unsigned i = 0; i < F_NPATHS; i++) {
			if (!want[i])
				continue;
			for (unsigned k = 0; k < FAN_NSUBS; k++) {
				const struct fan_result *r = &fres[i][s][k];
				printf("%5u  %-12s %4u", fan_sizes[s], fan_paths[i].ops->label, fan_subs[k]);
				if (!r->done) {
					printf("  (%s)\n", r->skip[0] ? r->skip : "not run");
					continue;
				}
				printf(" %4u %10.0f %10.0f %8.2f %6.2f %6llu |", r->window,
				       r->msgs_per_s, r->msgs_per_s * fan_subs[k], r->pub_us,
				       r->writes, (unsigned long long)r->lost);
				for (unsigned o = F_ZMQ; o <= F_IOX; o++) {
					const struct fan_result *x = &fres[o][s][k];
					if (i == F_SHM && x->done)
						printf(" %6.2fx", r->msgs_per_s / x->msgs_per_s);
					else
						printf(" %7s", "");
				}
				double e = k == FAN_NSUBS - 1 ? fan_extra(i, s) : -1;
				if (e > -1)
					printf(" | %.2f\n", e);
				else
					printf(" |\n");
			}
		}
		printf("\n");
	}
	/* The goal: an extra subscriber costs the publisher at most half of
	 * one raw shm+sem send (the raw row's cost at one subscriber). */
	for (unsigned s = 0; s < FAN_NSIZES; s++) {
		const struct fan_result *raw1 = &fres[F_RAW][s][0];
		double e = fan_extra(F_SHM, s);
		bool known = raw1->done && e > -1;
		double x = known ? e / raw1->pub_us : 0;
		printf("  goal: publisher cost per extra subscriber on shm <= 0.5x a raw shm+sem "
		       "send, %4u B: %.2f us vs %.2f us: %.2fx: %s\n", fan_sizes[s], e,
		       raw1->pub_us, x, !known ? "not measured" : x <= 0.5 ? "MET" : "NOT MET");
	}
}

int fan_bench(bool troupe, bool others)
{
	bool *want = fan_want;
	int rc = 0;
	for (unsigned i = 0; i < F_NPATHS; i++)
		want[i] = fan_paths[i].troupe ? troupe : others;
	/* The raw ring is the goal's yardstick: measured whenever Troupe is. */
	want[F_RAW] = want[F_RAW] || troupe;
	int64_t t0 = tp_now_ns();
	for (unsigned s = 0; s < FAN_NSIZES; s++)
		for (unsigned i = 0; i < F_NPATHS; i++)
			for (unsigned k = 0; want[i] && k < FAN_NSUBS; k++) {
				fprintf(stderr, "bench: fan-out, %s, %u B, %u subscribers...\n",
					fan_paths[i].ops->label, fan_sizes[s], fan_subs[k]);
				alarm(cfg.timeout_s + 10);
				if (fan_case(fan_paths[i].ops, fan_subs[k], fan_sizes[s], &fres[i][s][k]))
					rc = -1;
			}
	alarm(0);
	fan_took_s = (tp_now_ns() - t0) / 1e9;
	return rc;
}
