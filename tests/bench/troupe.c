/* Troupe's side of the bench: a minimal node of one transport (registry
 * plus one mailbox per actor, created here as the daemon would), the real
 * echo actor exec'd, and two actors of this program run through
 * tp_actor_main: the pinger, which measures, and the sink, which counts a
 * stream.  Latency is tp_call to echo; a stream is tp_send to the sink, the
 * last message a tp_call that the sink answers with its count.
 *
 * Allocations: every Troupe process counts its heap allocations in a
 * shared page (malloc_count.c); the pinger reads all of them before and
 * after each measured loop. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <troupe/troupe.h>
#include "bench.h"
#include "transport.h"
#include "registry.h"
#include "topictab.h"
#include "bench.pb.h"

enum { A_PINGER, A_ECHO, A_SINK, NACTORS };
static const char *const actor_names[NACTORS] = { "pinger", "echo", "sink" };
/* The fan-out's node: the publisher, then its subscribers. */
#define MAX_ACTORS (FAN_MAX + 1)
static const char *const fan_names[MAX_ACTORS] = {
	"pub", "s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "s12", "s13", "s14", "s15",
};
#define FAN_TOPIC "bench/fan"

/* Mailboxes per variant: mq as deep as Linux allows by default (10) and
 * as large as 1 KiB needs; unix as deep as net.unix.max_dgram_qlen (10);
 * shm and tcp 256 deep (ZeroMQ queues 1000); all but mq take 16 KiB.
 * shm-spin: shm whose receivers spin 50 us before they sleep.  The
 * fan-out's mailboxes (fan-shm, fan-mq) take 1 KiB, 17 of them at once. */
#define BIG (SIZE_MAX_PAYLOAD + 256)
static const struct mbox_conf {
	const char *variant, *transport;
	uint32_t depth, msg_max, spin_us;
} confs[] = {
	{ "mq", "mq", 10, 2048, 0 },
	{ "shm", "shm", 256, BIG, 0 },
	{ "shm-spin", "shm", 256, BIG, 50 },
	{ "unix", "unix", 10, BIG, 0 },
	{ "tcp", "tcp", 256, BIG, 0 },
	{ "fan-shm", "shm", 256, 2048, 0 },
	{ "fan-mq", "mq", 10, 2048, 0 },
};

struct troupe_result {
	int ok;
	struct result r[NSIZES];
	char err[160];
};

static struct {
	const struct tp_transport *t;
	const struct mbox_conf *conf;
	enum placement where;
	unsigned n;                     /* actors, named by names */
	const char *const *names;
	char path[MAX_ACTORS][64];
	struct tp_mbox *mbox[MAX_ACTORS];
	struct tp_topictab *topics;     /* the fan-out's node only */
	struct mc_page *mallocs;
	int mallocs_fd;
	int result_fd;
} node;

/* ---------------------------------------------------------------- pinger */

/* The message type of each size: bench.Small, Medium, Large share one
 * layout (seq, then data's size and bytes), reached through offsets. */
struct blob {
	unsigned max;
	uint32_t msgid;
	const pb_msgdesc_t *fields;
	void *req, *rep;              /* static: off the actor's stack */
	size_t seq, size, bytes;      /* offsets */
};

static bench_Small small_req, small_rep;
static bench_Medium medium_req, medium_rep;
static bench_Large large_req, large_rep;
#define BLOB(T, v) { sizeof v##_req.data.bytes, T##_msgid, T##_fields, &v##_req, \
		     &v##_rep, offsetof(T, seq), offsetof(T, data.size), offsetof(T, data.bytes) }
static const struct blob blobs[] = {
	BLOB(bench_Small, small), BLOB(bench_Medium, medium), BLOB(bench_Large, large),
};

static const struct blob *blob_for(unsigned size)
{
	for (size_t i = 0; i < sizeof blobs / sizeof *blobs; i++)
		if (size <= blobs[i].max)
			return &blobs[i];
	return NULL;
}

static uint32_t *blob_seq(const struct blob *b, void *m) { return (uint32_t *)((char *)m + b->seq); }
static pb_size_t *blob_size(const struct blob *b, void *m) { return (pb_size_t *)((char *)m + b->size); }

static void blob_fill(const struct blob *b, unsigned size, int byte)
{
	*blob_size(b, b->req) = (pb_size_t)size;
	memset((char *)b->req + b->bytes, byte, size);
}

static long allocs_now(void)
{
	long n = 0;
	for (unsigned i = 0; i < NACTORS; i++)
		n += mc_read(node.mallocs, i);
	return n;
}

static int troupe_rtt(tp_actor *self, unsigned size, unsigned n, int64_t *ns)
{
	const struct blob *b = blob_for(size);
	blob_fill(b, size, 0xa5);
	for (unsigned i = 0; i < n; i++) {
		*blob_seq(b, b->req) = i;
		int64_t t0 = tp_now_ns();
		int rc = tp_call_msg(self, "echo", b->msgid, b->fields, b->req,
				     b->msgid, b->fields, b->rep, 1000);
		int64_t t1 = tp_now_ns();
		if (rc)
			return rc;
		if (*blob_seq(b, b->rep) != i || *blob_size(b, b->rep) != size)
			return -TP_EDECODE;
		if (ns)
			ns[i] = t1 - t0;
	}
	return 0;
}

static int troupe_stream(tp_actor *self, unsigned size, unsigned m, double *per_s)
{
	const struct blob *b = blob_for(size);
	blob_fill(b, size, 0x5a);
	int64_t t0 = tp_now_ns();
	int rc = 0;
	for (unsigned i = 0; i + 1 < m && rc == 0; i++) {
		*blob_seq(b, b->req) = i;
		rc = tp_send_msg(self, "sink", b->msgid, b->fields, b->req, NULL);
	}
	*blob_seq(b, b->req) = m - 1;
	if (rc || (rc = tp_call_msg(self, "sink", b->msgid, b->fields, b->req,
				    bench_Small_msgid, bench_Small_fields, &small_rep, 1000)))
		return rc;
	int64_t t1 = tp_now_ns();
	if (small_rep.seq != m)
		return -TP_EDECODE;
	if (per_s)
		*per_s = m / ((t1 - t0) / 1e9);
	return 0;
}

/* One size: warm up (first sends attach mailboxes), then the measured
 * loops, each between two readings of the allocation counters. */
static int pinger_size(tp_actor *self, unsigned size, int64_t *ns, struct result *r,
		       const char **what)
{
	unsigned m = stream_count(size);
	int rc;
	*what = "tp_call to echo";
	if ((rc = troupe_rtt(self, size, cfg.warm, NULL)))
		return rc;
	long a0 = allocs_now();
	if ((rc = troupe_rtt(self, size, cfg.n, ns)))
		return rc;
	long a1 = allocs_now();
	*what = "stream to sink";
	if ((rc = troupe_stream(self, size, cfg.warm, NULL)))
		return rc;
	long a2 = allocs_now();
	if ((rc = troupe_stream(self, size, m, &r->msgs_per_s)))
		return rc;
	r->allocs = (a1 - a0) + (allocs_now() - a2);
	stats_rtt(ns, cfg.n, r);
	r->done = true;
	return 0;
}

static void pinger_run(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	static struct troupe_result res;
	int64_t *ns = malloc(cfg.n * sizeof *ns);
	int rc = ns ? 0 : -TP_ENOMEM;
	const char *what = "malloc";
	for (unsigned s = 0; s < NSIZES && rc == 0; s++) {
		const char *why = NULL;
		res.r[s].allocs = -1;
		if (strcmp(node.t->name, "mq") == 0)
			why = bench_mq_skip(bench_sizes[s]);
		if (why)
			snprintf(res.r[s].skip, sizeof res.r[s].skip, "%s", why);
		else
			rc = pinger_size(self, bench_sizes[s], ns, &res.r[s], &what);
	}
	res.ok = rc == 0;
	if (rc)
		snprintf(res.err, sizeof res.err, "%s: %s", what, tp_strerror(rc));
	free(ns);
	if (write(node.result_fd, &res, sizeof res) != sizeof res)
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

/* ---------------------------------------------------------------- sink */

static int sink_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	uint32_t *count = state;
	++*count;
	if (!(m->flags & TP_MSG_F_REQUEST))
		return 0;
	bench_Small ack = bench_Small_init_zero;
	ack.seq = *count;
	*count = 0;
	return tp_reply(self, m, bench_Small, &ack);
}

static const struct tp_actor_ops sink_ops = {
	.state_size = sizeof(uint32_t),
	.receive = sink_receive,
};

/* ---------------------------------------------------------------- node */

/* This process becomes actor a of the node: ops run through
 * tp_actor_main (its exit code returned), or (NULL) the echo actor
 * exec'd. */
static int actor_become(unsigned a, const struct tp_actor_ops *ops)
{
	setenv("TROUPE_NODE", cfg.node, 1);
	setenv("TROUPE_ACTOR", node.names[a], 1);
	tp_transport_handoff(node.t, node.mbox[a]);
	if (!ops) {
		char v[32];
		snprintf(v, sizeof v, "%d:%u", dup(node.mallocs_fd), a);   /* dup: inherited */
		setenv("TROUPE_BENCH_MALLOC", v, 1);
		setenv("LD_PRELOAD", cfg.malloc_so, 1);
		char *argv[] = { (char *)cfg.echo_path, NULL };
		execv(cfg.echo_path, argv);
		fprintf(stderr, "bench: cannot run %s: %s\n", cfg.echo_path, strerror(errno));
		_exit(127);
	}
	if (node.mallocs)
		mc_attach(node.mallocs, a);
	char *argv[] = { (char *)node.names[a], NULL };
	return tp_actor_main(ops, 1, argv);
}

static pid_t actor_spawn(unsigned a, const struct tp_actor_ops *ops)
{
	pid_t pid = child_fork();
	if (pid != 0)
		return pid;
	if (a != A_PINGER)
		close(node.result_fd);   /* the pinger's death must read as EOF */
	if (pin_cpu(a == A_PINGER ? 0 : peer_cpu(node.where)))
		_exit(1);
	_exit(actor_become(a, ops));
}

static void node_destroy(struct tp_registry *reg)
{
	if (node.topics) {
		tp_topictab_close(node.topics);
		tp_topictab_unlink(cfg.node);
		node.topics = NULL;
	}
	for (unsigned i = 0; i < node.n; i++) {
		if (node.mbox[i]) {
			node.t->close(node.mbox[i]);
			node.mbox[i] = NULL;
		}
		if (node.path[i][0]) {
			node.t->unlink(node.path[i]);
			cleanup_forget(node.path[i]);
			node.path[i][0] = '\0';
		}
	}
	if (reg) {
		tp_registry_close(reg);
		tp_registry_unlink(cfg.node);
		cleanup_forget(cfg.node);
	}
}

/* The registry and one mailbox per actor, all UP, as the daemon makes. */
static int node_create(struct tp_registry **reg)
{
	struct tp_mbox_attr attr = { .depth = node.conf->depth, .msg_max = node.conf->msg_max,
				     .spin_us = node.conf->spin_us, .mode = 0600 };
	struct tp_mbox_attr attrs[MAX_ACTORS];
	for (unsigned i = 0; i < node.n; i++)
		attrs[i] = attr;
	char err[256];
	if (node.t->check(attrs, node.n, err, sizeof err)) {
		fprintf(stderr, "bench: %s: cannot create %u mailboxes: %s\n",
			node.t->name, node.n, err);
		return -1;
	}
	cleanup_add_registry(cfg.node);
	int rc = tp_registry_create(cfg.node, 0600, reg);
	if (rc) {
		fprintf(stderr, "bench: cannot create the registry of node %s: %s\n",
			cfg.node, tp_strerror(rc));
		return -1;
	}
	for (unsigned i = 0; i < node.n; i++) {
		char *path = node.path[i];
		tp_ipc_name(path, sizeof node.path[i], cfg.node, node.names[i]);
		cleanup_add_mbox(node.t->name, path);
		if ((rc = node.t->create(path, &attr, &node.mbox[i], err, sizeof err))) {
			fprintf(stderr, "bench: cannot create mailbox %s: %s\n", path, err);
			return -1;
		}
		struct tp_reg_entry e = { .depth = attr.depth, .msg_max = attr.msg_max,
					  .state = TP_STATE_UP, .since_ns = tp_now_ns() };
		strcpy(e.name, node.names[i]);
		strcpy(e.transport, node.t->name);
		snprintf(e.mailbox, sizeof e.mailbox, "%s", path);
		tp_registry_put(*reg, i, &e);
	}
	tp_registry_set_daemon(*reg, getpid());
	tp_registry_set_count(*reg, node.n);
	return 0;
}

static int result_read(int fd, struct troupe_result *res)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n = poll(&p, 1, (int)cfg.timeout_s * 1000);
	if (n <= 0 || read(fd, res, sizeof *res) != sizeof *res) {
		fprintf(stderr, "bench: troupe %s: the pinger gave no result%s\n",
			node.t->name, n == 0 ? " in time" : "");
		return -1;
	}
	if (!res->ok) {
		fprintf(stderr, "bench: troupe %s: %s\n", node.t->name, res->err);
		return -1;
	}
	return 0;
}

/* Stops echo and sink (SIGTERM is their clean stop) and reaps everyone. */
static int actors_stop(pid_t pid[NACTORS])
{
	int rc = 0;
	for (unsigned a = 0; a < NACTORS; a++) {
		if (pid[a] <= 0)
			continue;
		if (a != A_PINGER)
			kill(pid[a], SIGTERM);
		int st = child_reap(pid[a], 2000);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "bench: troupe %s: %s (pid %d) ended badly (status 0x%x)\n",
				node.t->name, node.names[a], (int)pid[a], st);
			rc = -1;
		}
	}
	return rc;
}

static int troupe_pass(struct result r[NSIZES])
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return -1;
	node.result_fd = fds[1];
	pid_t pid[NACTORS];
	pid[A_ECHO] = actor_spawn(A_ECHO, NULL);
	pid[A_SINK] = actor_spawn(A_SINK, &sink_ops);
	pid[A_PINGER] = actor_spawn(A_PINGER, &pinger_ops);
	close(fds[1]);
	static struct troupe_result res;
	int rc = pid[A_ECHO] > 0 && pid[A_SINK] > 0 && pid[A_PINGER] > 0 ?
		 result_read(fds[0], &res) : -1;
	close(fds[0]);
	if (rc == 0)
		memcpy(r, res.r, sizeof res.r);
	if (actors_stop(pid))
		rc = -1;
	return rc;
}

static void node_init(const char *variant, unsigned n, const char *const *names)
{
	memset(&node, 0, sizeof node);
	node.n = n;
	node.names = names;
	for (size_t i = 0; i < sizeof confs / sizeof *confs; i++)
		if (strcmp(confs[i].variant, variant) == 0)
			node.conf = &confs[i];
	node.t = node.conf ? tp_transport_find(node.conf->transport) : NULL;
}

int troupe_run(const char *variant, enum placement where, struct result r[NSIZES])
{
	node_init(variant, NACTORS, actor_names);
	node.where = where;
	for (unsigned s = 0; s < NSIZES; s++) {
		memset(&r[s], 0, sizeof r[s]);
		r[s].allocs = -1;
		snprintf(r[s].skip, sizeof r[s].skip, "FAILED");
	}
	if (!node.t)
		return -1;
	node.mallocs = mc_page_create(&node.mallocs_fd);
	if (!node.mallocs)
		return -1;
	struct tp_registry *reg = NULL;
	int rc = node_create(&reg) || troupe_pass(r) ? -1 : 0;
	node_destroy(reg);
	close(node.mallocs_fd);
	mc_page_free(node.mallocs);
	return rc;
}

/* ---------------------------------------------------------------- fan-out */

/* The node: "pub" and its subscribers s0.., every subscriber's filter in
 * the topic table as the daemon writes the topology's (drop_newest: the
 * window keeps their mailboxes from filling). */
static int fan_open(const char *variant, unsigned nsubs)
{
	node_init(variant, nsubs + 1, fan_names);
	node.where = TWO_CORES;
	struct tp_registry *reg = NULL;
	if (!node.t || node_create(&reg))
		goto fail;
	tp_registry_close(reg);   /* the segment stays; node_destroy unlinks it */
	cleanup_add_topics(cfg.node);
	int rc = tp_topictab_create(cfg.node, 0600, &node.topics);
	if (rc) {
		fprintf(stderr, "bench: cannot create the topic table of %s: %s\n", cfg.node,
			tp_strerror(rc));
		goto fail;
	}
	for (unsigned j = 0; j < nsubs; j++) {
		struct tp_sub sub = { .kind = TP_SUB_DECLARED, .policy = TP_TOPIC_DROP_NEWEST };
		snprintf(sub.filter, sizeof sub.filter, "%s", FAN_TOPIC);
		snprintf(sub.actor, sizeof sub.actor, "%s", fan_names[j + 1]);
		tp_topictab_sub_put(node.topics, j, &sub, true);
	}
	return 0;
fail:
	node_destroy(NULL);
	tp_registry_unlink(cfg.node);
	return -1;
}

static int fan_open_shm(unsigned nsubs, unsigned size) { (void)size; return fan_open("fan-shm", nsubs); }
static int fan_open_mq(unsigned nsubs, unsigned size) { (void)size; return fan_open("fan-mq", nsubs); }

static void fan_close(void)
{
	node_destroy(NULL);
	tp_registry_unlink(cfg.node);
	cleanup_forget(cfg.node);
}

static unsigned fan_size, fan_sub_index;
static struct fan_result *fan_res;

/* What an application does: fills its message, publishes it.  The bytes
 * after the kind and sequence are filled once. */
static int fan_publish(void *ctx, const void *buf, size_t len)
{
	const struct blob *b = blob_for(fan_size);
	memcpy((char *)b->req + b->bytes, buf, MSG_MIN);
	*blob_size(b, b->req) = (pb_size_t)len;
	int rc = tp_publish_msg(ctx, FAN_TOPIC, b->msgid, b->fields, b->req);
	return rc ? -1 : 0;
}

static void fan_pub_run(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	blob_fill(blob_for(fan_size), fan_size, 0x5a);
	int rc = fan_pub_measure(fan_publish, self, fan_size, fan_res);
	tp_exit(self, rc ? 1 : 0);
}

static int fan_pub_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state; (void)argc; (void)argv;
	int id = tp_timer_start(self, 0, 0, fan_pub_run, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops fan_pub_ops = { .init = fan_pub_init };

/* A subscriber decodes each message, as an application would, and counts it. */
static int fan_sub_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)state;
	const struct blob *b = blob_for(fan_size);
	int rc = tp_decode_msg(m, b->msgid, b->fields, b->rep);
	if (rc == 0)
		rc = fan_got(fan_sub_index, (char *)b->rep + b->bytes, *blob_size(b, b->rep));
	if (rc == 1)
		tp_exit(self, 0);
	return rc < 0 ? -TP_EDECODE : 0;
}

static const struct tp_actor_ops fan_sub_ops = { .receive = fan_sub_receive };

static int fan_sub_main(unsigned j, unsigned size)
{
	fan_size = size;
	fan_sub_index = j;
	return actor_become(j + 1, &fan_sub_ops);
}

static int fan_pub_main(unsigned size, struct fan_result *r)
{
	fan_size = size;
	fan_res = r;
	return actor_become(0, &fan_pub_ops) ? -1 : 0;
}

const struct fan_ops fan_troupe_shm = {
	.label = "troupe shm", .depth = 256, .open = fan_open_shm, .sub_main = fan_sub_main,
	.pub_main = fan_pub_main, .close = fan_close, .sub_sigterm = true,
};
const struct fan_ops fan_troupe_mq = {
	.label = "troupe mq", .depth = 10, .open = fan_open_mq, .sub_main = fan_sub_main,
	.pub_main = fan_pub_main, .close = fan_close, .sub_sigterm = true,
};
