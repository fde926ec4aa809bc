/* mq_bench: a Troupe mq mailbox against the raw mq_send/mq_receive ping-pong
 * it is built on, in one run.  Needs no daemon: this program is a minimal
 * node (registry + mailboxes), runs the real echo actor, and measures from
 * an in-process actor.
 *
 * Latency: N round trips, one at a time (raw: mq_send, then a blocking
 * mq_receive; Troupe: tp_call to echo).  Throughput: M messages streamed one
 * way (raw: blocking mq_send; Troupe: tp_send to a sink actor), the last one
 * a request that the receiver answers with its count, so the clock stops
 * only when every message has been taken.  Each pass runs raw and Troupe
 * side by side, twice with every process pinned to CPU 0 and once unpinned.
 *
 * Usage: mq_bench [-n N] [-m M] [-w W] [-t SECONDS] ECHO_ACTOR
 * Exit: 0 measured (whether or not the goal was met), 1 a measurement
 * failed, 2 usage, 3 the watchdog fired. */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pb_encode.h>
#include <troupe/troupe.h>
#include "transport.h"
#include "registry.h"
#include "echo.pb.h"

#define GOAL 1.15           /* Troupe's median round trip ≤ GOAL × raw's */
#define DEPTH 10            /* Linux default fs.mqueue.msg_max */
#define MSG_MAX 2048        /* well under the default msgsize_max, 8192 */
#define NSIZES 2
#define NPASSES 3
#define MAX_CHILDREN 4

static const unsigned sizes[NSIZES] = { 64, 1024 };

static const struct pass {
	const char *label;
	bool pinned;
} passes[NPASSES] = {
	{ "cpu0 #1", true }, { "cpu0 #2", true }, { "unpinned", false },
};

/* One measurement of one path at one size. */
struct row {
	double med_us, p99_us, mean_us;
	double msgs_per_s;
};

/* What the pinger actor sends back through its pipe. */
struct troupe_result {
	int ok;
	struct row rows[NSIZES];
	char err[160];
};

static struct {
	unsigned n, m, warm, timeout_s;
	const char *echo_path;
	char node[TP_NAME_MAX + 1];
	char raw_ping[64], raw_pong[64];     /* raw: to the child, and back */
	int result_fd;                       /* pinger's end of the pipe */
} cfg = { .n = 20000, .m = 50000, .warm = 2000, .timeout_s = 60 };

static const char *const actor_names[] = { "echo", "pinger", "sink" };
#define NACTORS (sizeof actor_names / sizeof actor_names[0])

/* What has been created, for cleanup from any path, the watchdog included. */
static struct {
	char mbox_path[NACTORS][64];
	bool mbox_made[NACTORS];
	struct tp_mbox *mbox[NACTORS];
	bool ping_made, pong_made, reg_made;
	pid_t children[MAX_CHILDREN];
} made;

static const struct tp_transport *mq;

/* ---------------------------------------------------------------- cleanup */

/* Async-signal-safe enough for the watchdog: kill, waitpid, mq_unlink,
 * shm_unlink (unlink of a fixed path) only. */
static void kill_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (made.children[i] > 0)
			kill(made.children[i], SIGKILL);
}

static void unlink_all(void)
{
	for (unsigned i = 0; i < NACTORS; i++)
		if (made.mbox_made[i])
			mq_unlink(made.mbox_path[i]);
	if (made.ping_made)
		mq_unlink(cfg.raw_ping);
	if (made.pong_made)
		mq_unlink(cfg.raw_pong);
	if (made.reg_made)
		tp_registry_unlink(cfg.node);
}

static void on_fatal_signal(int sig)
{
	static const char msg[] = "mq_bench: watchdog or signal: killing children, "
				  "removing queues and registry\n";
	kill_children();
	for (int i = 0; i < MAX_CHILDREN; i++)   /* SIGKILLed: waits briefly */
		if (made.children[i] > 0)
			waitpid(made.children[i], NULL, 0);
	unlink_all();
	(void)!write(2, msg, sizeof msg - 1);
	_exit(sig == SIGALRM ? 3 : 1);
}

static void child_add(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (made.children[i] <= 0) {
			made.children[i] = pid;
			return;
		}
}

/* Waits up to ms for pid, then kills it.  Returns its wait status. */
static int child_reap(pid_t pid, int ms)
{
	int st = 0;
	for (int t = 0; t < ms; t++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
		usleep(1000);
	}
	fprintf(stderr, "mq_bench: child %d did not exit in %d ms: killed\n", (int)pid, ms);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
done:
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (made.children[i] == pid)
			made.children[i] = 0;
	return st;
}

/* A fresh child: dies with us, has its own watchdog, never flushes our
 * stdio buffers twice. */
static pid_t child_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		alarm(cfg.timeout_s);
	} else if (pid > 0) {
		child_add(pid);
	} else {
		perror("mq_bench: fork");
	}
	return pid;
}

/* ---------------------------------------------------------------- stats */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void stats(int64_t *ns, unsigned n, struct row *r)
{
	double sum = 0;
	for (unsigned i = 0; i < n; i++)
		sum += (double)ns[i];
	qsort(ns, n, sizeof *ns, cmp_i64);
	r->med_us = ns[n / 2] / 1e3;
	r->p99_us = ns[(n * 99 + 99) / 100 - 1] / 1e3;
	r->mean_us = sum / n / 1e3;
}

static int pin(bool to_cpu0, const cpu_set_t *all)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof one, to_cpu0 ? &one : all)) {
		perror("mq_bench: sched_setaffinity");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- raw */

/* Raw wire: byte 0 a kind, bytes 4..7 a sequence number or count. */
enum { RAW_PING = 'P', RAW_STREAM = 'S', RAW_FLUSH = 'F', RAW_QUIT = 'Q' };

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* The raw echo: blocking receive, send back; counts a stream and answers
 * its flush with the count. */
static void raw_child(mqd_t ping, mqd_t pong)
{
	uint8_t buf[MSG_MAX];
	uint32_t count = 0;
	for (;;) {
		ssize_t n = mq_receive(ping, (char *)buf, sizeof buf, NULL);
		if (n < 8) {
			if (n < 0 && errno == EINTR)
				continue;
			perror("mq_bench: raw child: mq_receive");
			_exit(1);
		}
		switch (buf[0]) {
		case RAW_STREAM: count++; continue;
		case RAW_FLUSH: put_u32(buf + 4, ++count); count = 0; break;
		case RAW_QUIT: _exit(0);
		}
		if (mq_send(pong, (char *)buf, n, 0)) {
			perror("mq_bench: raw child: mq_send");
			_exit(1);
		}
	}
}

static int raw_rtt(mqd_t ping, mqd_t pong, unsigned size, unsigned n,
		   int64_t *ns, const char **why)
{
	uint8_t out[MSG_MAX], in[MSG_MAX];
	memset(out, 0xa5, size);
	out[0] = RAW_PING;
	for (unsigned i = 0; i < n; i++) {
		put_u32(out + 4, i);
		int64_t t0 = tp_now_ns();
		if (mq_send(ping, (char *)out, size, 0)) {
			*why = "mq_send";
			return -1;
		}
		ssize_t got = mq_receive(pong, (char *)in, sizeof in, NULL);
		int64_t t1 = tp_now_ns();
		if (got != (ssize_t)size || get_u32(in + 4) != i) {
			*why = got < 0 ? "mq_receive" : "reply of the wrong size or sequence";
			return -1;
		}
		if (ns)
			ns[i] = t1 - t0;
	}
	return 0;
}

static int raw_stream(mqd_t ping, mqd_t pong, unsigned size, unsigned m,
		      double *per_s, const char **why)
{
	uint8_t out[MSG_MAX], in[MSG_MAX];
	memset(out, 0x5a, size);
	int64_t t0 = tp_now_ns();
	for (unsigned i = 0; i < m; i++) {
		out[0] = i + 1 < m ? RAW_STREAM : RAW_FLUSH;
		put_u32(out + 4, i);
		if (mq_send(ping, (char *)out, size, 0)) {
			*why = "mq_send";
			return -1;
		}
	}
	ssize_t got = mq_receive(pong, (char *)in, sizeof in, NULL);
	int64_t t1 = tp_now_ns();
	if (got < 8 || get_u32(in + 4) != m) {
		*why = got < 0 ? "mq_receive" : "flush answered with the wrong count";
		return -1;
	}
	if (per_s)
		*per_s = m / ((t1 - t0) / 1e9);
	return 0;
}

static int raw_pass(mqd_t ping, mqd_t pong, int64_t *ns, struct row rows[NSIZES])
{
	pid_t pid = child_fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		raw_child(ping, pong);
	const char *why = NULL;
	int rc = 0;
	for (unsigned s = 0; s < NSIZES && rc == 0; s++) {
		unsigned sz = sizes[s];
		if ((rc = raw_rtt(ping, pong, sz, cfg.warm, NULL, &why)) ||
		    (rc = raw_rtt(ping, pong, sz, cfg.n, ns, &why)) ||
		    (rc = raw_stream(ping, pong, sz, cfg.warm, NULL, &why)) ||
		    (rc = raw_stream(ping, pong, sz, cfg.m, &rows[s].msgs_per_s, &why)))
			fprintf(stderr, "mq_bench: raw, %u B: %s: %s\n", sz, why, strerror(errno));
		else
			stats(ns, cfg.n, &rows[s]);
	}
	uint8_t quit[8] = { RAW_QUIT };
	if (rc == 0)
		mq_send(ping, (char *)quit, sizeof quit, 0);
	else
		kill(pid, SIGKILL);
	int st = child_reap(pid, 2000);
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- troupe */

static demo_Echo req, rep;   /* 4 KiB each: off the actor's stack */

static int troupe_rtt(tp_actor *self, unsigned size, unsigned n, int64_t *ns)
{
	req.data.size = size;
	memset(req.data.bytes, 0xa5, size);
	for (unsigned i = 0; i < n; i++) {
		req.seq = i;
		int64_t t0 = tp_now_ns();
		int rc = tp_call(self, "echo", demo_Echo, &req, demo_Echo, &rep, 1000);
		int64_t t1 = tp_now_ns();
		if (rc)
			return rc;
		if (rep.seq != i || rep.data.size != size)
			return -TP_EDECODE;
		if (ns)
			ns[i] = t1 - t0;
	}
	return 0;
}

static int troupe_stream(tp_actor *self, unsigned size, unsigned m, double *per_s)
{
	req.data.size = size;
	memset(req.data.bytes, 0x5a, size);
	int64_t t0 = tp_now_ns();
	int rc = 0;
	for (unsigned i = 0; i + 1 < m && rc == 0; i++) {
		req.seq = i;
		rc = tp_send(self, "sink", demo_Echo, &req);
	}
	req.seq = m - 1;
	if (rc || (rc = tp_call(self, "sink", demo_Echo, &req, demo_Echo, &rep, 1000)))
		return rc;
	int64_t t1 = tp_now_ns();
	if (rep.seq != m)
		return -TP_EDECODE;
	if (per_s)
		*per_s = m / ((t1 - t0) / 1e9);
	return 0;
}

/* The pinger's whole life: one timer callback, then exit. */
static void pinger_run(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	static struct troupe_result res;
	int64_t *ns = malloc(cfg.n * sizeof *ns);
	int rc = ns ? 0 : -TP_ENOMEM;
	const char *what = "malloc";
	for (unsigned s = 0; s < NSIZES && rc == 0; s++) {
		unsigned sz = sizes[s];
		what = "tp_call to echo";
		if ((rc = troupe_rtt(self, sz, cfg.warm, NULL)) ||
		    (rc = troupe_rtt(self, sz, cfg.n, ns)))
			break;
		stats(ns, cfg.n, &res.rows[s]);
		what = "stream to sink";
		if ((rc = troupe_stream(self, sz, cfg.warm, NULL)) ||
		    (rc = troupe_stream(self, sz, cfg.m, &res.rows[s].msgs_per_s)))
			break;
		what = NULL;
	}
	res.ok = rc == 0;
	if (rc)
		snprintf(res.err, sizeof res.err, "%s: %s", what, tp_strerror(rc));
	free(ns);
	if (write(cfg.result_fd, &res, sizeof res) != sizeof res)
		res.ok = 0;
	tp_exit(self, res.ok ? 0 : 1);
}

static int pinger_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state; (void)argc; (void)argv;
	int id = tp_timer_start(self, 0, 0, pinger_run, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops pinger_ops = { .init = pinger_init };

/* The sink counts what it gets and answers a request with the count. */
static int sink_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	uint32_t *count = state;
	++*count;
	if (!(m->flags & TP_ENV_F_REQUEST))
		return 0;
	demo_Echo ack = demo_Echo_init_zero;
	ack.seq = *count;
	*count = 0;
	return tp_reply(self, m, demo_Echo, &ack);
}

static const struct tp_actor_ops sink_ops = {
	.state_size = sizeof(uint32_t),
	.receive = sink_receive,
};

static pid_t actor_spawn(const char *name, const struct tp_actor_ops *ops)
{
	pid_t pid = child_fork();
	if (pid != 0)
		return pid;
	if (ops != &pinger_ops)
		close(cfg.result_fd);   /* the pinger's death must read as EOF */
	setenv("TROUPE_NODE", cfg.node, 1);
	setenv("TROUPE_ACTOR", name, 1);
	if (!ops) {
		char *argv[] = { (char *)cfg.echo_path, NULL };
		execv(cfg.echo_path, argv);
		fprintf(stderr, "mq_bench: cannot run %s: %s\n", cfg.echo_path, strerror(errno));
		_exit(127);
	}
	char *argv[] = { (char *)name, NULL };
	_exit(tp_actor_main(ops, 1, argv));
}

/* Creates the node: registry plus one mq mailbox per actor, all UP. */
static int node_create(struct tp_registry **reg)
{
	struct tp_mbox_attr attr = { .depth = DEPTH, .msg_max = MSG_MAX, .mode = 0600 };
	struct tp_mbox_attr attrs[NACTORS + 2];
	char err[256];
	for (unsigned i = 0; i < NACTORS + 2; i++)
		attrs[i] = attr;   /* the raw pair counts against the same limits */
	if (mq->check(attrs, NACTORS + 2, err, sizeof err)) {
		fprintf(stderr, "mq_bench: cannot create %zu queues: %s\n", NACTORS + 2, err);
		return -1;
	}
	int rc = tp_registry_create(cfg.node, 0600, reg);
	if (rc) {
		fprintf(stderr, "mq_bench: cannot create the registry of node %s: %s\n",
			cfg.node, tp_strerror(rc));
		return -1;
	}
	made.reg_made = true;
	for (unsigned i = 0; i < NACTORS; i++) {
		char *path = made.mbox_path[i];
		tp_ipc_name(path, sizeof made.mbox_path[i], cfg.node, actor_names[i]);
		if ((rc = mq->create(path, &attr, &made.mbox[i], err, sizeof err))) {
			fprintf(stderr, "mq_bench: cannot create mailbox %s: %s\n", path, err);
			return -1;
		}
		made.mbox_made[i] = true;
		struct tp_reg_entry e = { .depth = DEPTH, .msg_max = MSG_MAX,
					  .state = TP_STATE_UP, .since_ns = tp_now_ns() };
		strcpy(e.name, actor_names[i]);
		strcpy(e.transport, "mq");
		snprintf(e.mailbox, sizeof e.mailbox, "%s", path);
		tp_registry_put(*reg, i, &e);
	}
	tp_registry_set_daemon(*reg, getpid());
	tp_registry_set_count(*reg, NACTORS);
	return 0;
}

/* Reads the pinger's result, waiting at most the watchdog's time. */
static int result_read(int fd, struct troupe_result *res)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, (int)cfg.timeout_s * 1000);
	if (n <= 0 || read(fd, res, sizeof *res) != sizeof *res) {
		fprintf(stderr, "mq_bench: troupe: the pinger gave no result%s\n",
			n == 0 ? " in time" : "");
		return -1;
	}
	if (!res->ok) {
		fprintf(stderr, "mq_bench: troupe: %s\n", res->err);
		return -1;
	}
	return 0;
}

static int troupe_pass(struct row rows[NSIZES])
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		perror("mq_bench: pipe");
		return -1;
	}
	cfg.result_fd = fds[1];
	pid_t echo = actor_spawn("echo", NULL);
	pid_t sink = actor_spawn("sink", &sink_ops);
	pid_t pinger = actor_spawn("pinger", &pinger_ops);
	close(fds[1]);
	struct troupe_result res;
	int rc = echo > 0 && sink > 0 && pinger > 0 ? result_read(fds[0], &res) : -1;
	close(fds[0]);
	if (rc == 0)
		memcpy(rows, res.rows, sizeof res.rows);
	int st = pinger > 0 ? child_reap(pinger, 2000) : 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = -1;
	/* echo and sink run until told: SIGTERM is a clean stop. */
	pid_t rest[] = { echo, sink };
	for (unsigned i = 0; i < 2; i++) {
		if (rest[i] <= 0)
			continue;
		kill(rest[i], SIGTERM);
		st = child_reap(rest[i], 2000);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "mq_bench: %s (pid %d) ended badly (status 0x%x)\n",
				rest[i] == echo ? "echo" : "sink", (int)rest[i], st);
			rc = -1;
		}
	}
	return rc;
}

/* ---------------------------------------------------------------- report */

static unsigned troupe_wire_size(unsigned size)
{
	demo_Echo e = demo_Echo_init_zero;
	size_t n = 0;
	e.seq = cfg.n / 2;
	e.data.size = size;
	pb_get_encoded_size(&n, demo_Echo_fields, &e);
	return TP_ENV_HDR_LEN + strlen("pinger") + strlen("echo") + (unsigned)n;
}

static void print_row(const char *pass, const char *path, unsigned size,
		      const struct row *r, const struct row *raw)
{
	printf("%-9s %-7s %5u %11.2f %11.2f %11.2f", pass, path, size,
	       r->med_us, r->p99_us, r->mean_us);
	if (raw)
		printf(" %9.2fx", r->med_us / raw->med_us);
	else
		printf(" %10s", "-");
	printf(" %10.0f", r->msgs_per_s);
	if (raw)
		printf(" %9.2fx\n", r->msgs_per_s / raw->msgs_per_s);
	else
		printf(" %10s\n", "-");
}

static void report(struct row raw[NPASSES][NSIZES], struct row tro[NPASSES][NSIZES])
{
	printf("\n%u round trips (rtt) and %u streamed messages (msgs/s) per row, "
	       "after %u of each to warm up.\n", cfg.n, cfg.m, cfg.warm);
	printf("size = payload bytes; raw sends exactly that, Troupe sends demo.Echo "
	       "with that many data bytes (%u and %u B on the wire with its envelope).\n",
	       troupe_wire_size(sizes[0]), troupe_wire_size(sizes[1]));
	printf("ratio = troupe/raw of the same pass: for rtt lower is better, "
	       "for msgs/s higher is better.\n\n");
	printf("%-9s %-7s %5s %11s %11s %11s %10s %10s %10s\n", "pass", "path", "size",
	       "rtt_med_us", "rtt_p99_us", "rtt_mean_us", "rtt_ratio", "msgs/s", "tput_ratio");
	for (unsigned p = 0; p < NPASSES; p++)
		for (unsigned s = 0; s < NSIZES; s++) {
			print_row(passes[p].label, "raw", sizes[s], &raw[p][s], NULL);
			print_row(passes[p].label, "troupe", sizes[s], &tro[p][s], &raw[p][s]);
		}
	double worst = 0;
	for (unsigned p = 0; p < NPASSES; p++)
		for (unsigned s = 0; s < NSIZES; s++)
			if (passes[p].pinned && tro[p][s].med_us / raw[p][s].med_us > worst)
				worst = tro[p][s].med_us / raw[p][s].med_us;
	printf("\ngoal: Troupe median round trip <= %.2fx raw mq, on one core "
	       "(the unpinned pass is too noisy to judge): worst %.2fx: %s\n",
	       GOAL, worst, worst <= GOAL ? "MET" : "NOT MET");
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr, "usage: mq_bench [-n round_trips] [-m streamed] [-w warmup] "
		"[-t watchdog_s] ECHO_ACTOR\n");
	return 2;
}

static int parse_args(int argc, char **argv)
{
	int c;
	while ((c = getopt(argc, argv, "n:m:w:t:")) != -1) {
		long v = optarg ? strtol(optarg, NULL, 10) : 0;
		if (v < 1 || v > 10000000)
			return usage();
		switch (c) {
		case 'n': cfg.n = v; break;
		case 'm': cfg.m = v < 2 ? 2 : v; break;
		case 'w': cfg.warm = v < 2 ? 2 : v; break;
		case 't': cfg.timeout_s = v; break;
		default: return usage();
		}
	}
	if (optind + 1 != argc)
		return usage();
	cfg.echo_path = argv[optind];
	if (access(cfg.echo_path, X_OK)) {
		fprintf(stderr, "mq_bench: cannot run %s: %s\n", cfg.echo_path, strerror(errno));
		return 2;
	}
	return 0;
}

static int raw_open(mqd_t *ping, mqd_t *pong)
{
	struct mq_attr at = { .mq_maxmsg = DEPTH, .mq_msgsize = MSG_MAX };
	int fl = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC;
	*ping = mq_open(cfg.raw_ping, fl, 0600, &at);
	made.ping_made = *ping != (mqd_t)-1;
	*pong = made.ping_made ? mq_open(cfg.raw_pong, fl, 0600, &at) : (mqd_t)-1;
	made.pong_made = *pong != (mqd_t)-1;
	if (!made.pong_made) {
		fprintf(stderr, "mq_bench: cannot create queue %s: %s\n",
			*ping == (mqd_t)-1 ? cfg.raw_ping : cfg.raw_pong, strerror(errno));
		return -1;
	}
	return 0;
}

static int run_passes(mqd_t ping, mqd_t pong, const cpu_set_t *all)
{
	static struct row raw[NPASSES][NSIZES], tro[NPASSES][NSIZES];
	int64_t *ns = malloc(cfg.n * sizeof *ns);
	if (!ns)
		return -1;
	int rc = 0;
	for (unsigned p = 0; p < NPASSES && rc == 0; p++) {
		fprintf(stderr, "mq_bench: pass %s...\n", passes[p].label);
		alarm(cfg.timeout_s);
		if (pin(passes[p].pinned, all) || raw_pass(ping, pong, ns, raw[p]))
			rc = -1;
		alarm(cfg.timeout_s);
		if (rc == 0 && troupe_pass(tro[p]))
			rc = -1;
	}
	alarm(0);
	free(ns);
	if (rc == 0)
		report(raw, tro);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);
	if (rc)
		return rc;
	snprintf(cfg.node, sizeof cfg.node, "bench%d", (int)getpid());
	snprintf(cfg.raw_ping, sizeof cfg.raw_ping, "/troupe.%s.raw_ping", cfg.node);
	snprintf(cfg.raw_pong, sizeof cfg.raw_pong, "/troupe.%s.raw_pong", cfg.node);
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	cpu_set_t all;
	sched_getaffinity(0, sizeof all, &all);
	mq = tp_transport_find("mq");

	struct tp_registry *reg = NULL;
	mqd_t ping = (mqd_t)-1, pong = (mqd_t)-1;
	alarm(cfg.timeout_s);
	rc = node_create(&reg) || raw_open(&ping, &pong) || run_passes(ping, pong, &all);

	kill_children();
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (made.children[i] > 0)
			child_reap(made.children[i], 1000);
	for (unsigned i = 0; i < NACTORS; i++)
		mq->close(made.mbox[i]);
	if (ping != (mqd_t)-1)
		mq_close(ping);
	if (pong != (mqd_t)-1)
		mq_close(pong);
	tp_registry_close(reg);
	unlink_all();
	return rc ? 1 : 0;
}
