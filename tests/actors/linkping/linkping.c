/* linkping: the Troupe side of make bench's node-link benchmark.  Waits
 * until --to (an echo actor, e.g. echo@B) answers, then makes -n round
 * trips with tp_call, one at a time, and streams -m one-way messages,
 * closed by one call (order holds along the link and in echo's mailbox,
 * so its answer means every message was taken).  Prints one line like
 * tests/bench/tcp_pingpong's, then exits.
 *
 * The stream's rate counts what the sink took (its answer to the closing
 * call says how many), so mail refused on the way is lost, not fast.
 *
 * With --sink, it is the receiving end of the stream instead: it counts
 * what arrives and answers only calls (echo would answer every message,
 * and its answers would compete with the stream for the link).
 *
 * Options: --to NAME@NODE  --sink NAME@NODE  --n N (5000)  --m M (20000)
 *          --size BYTES (64) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "echo.pb.h"

struct linkping {
	const char *to;
	const char *sink;       /* stream there; NULL: this is a sink */
	unsigned long got;
	int n, m;
	size_t size;
	int timer;
	int64_t t0;             /* the stream's start */
	double rtt_med, rtt_p99;
	int closes;             /* closing calls made */
};

static void linkping_close(tp_actor *self, struct linkping *p);

static void linkping_close_tick(tp_actor *self, void *state, void *arg)
{
	(void)arg;
	linkping_close(self, state);
}

/* The closing call: the sink's answer says how many it took (the stream,
 * and every closing call).  Mail the sink's node refused comes back as
 * notices meanwhile; when they fill what tp_call can set aside, the call
 * gives up, the notices go through receive, and it is made again. */
static void linkping_close(tp_actor *self, struct linkping *p)
{
	demo_Echo req = { .seq = 0 }, rep;
	req.data.size = (pb_size_t)(p->size > 8 ? p->size - 8 : 1);
	p->closes++;
	int rc = tp_call(self, p->sink, demo_Echo, &req, demo_Echo, &rep, 10000);
	if (rc == -TP_ELIMIT && p->closes < 100 &&
	    tp_timer_start(self, 1, 0, linkping_close_tick, NULL) >= 0)
		return;
	double secs = (double)(tp_now_ns() - p->t0) / 1e9;
	/* What the sink did not count was refused on its node (a full
	 * mailbox): lost, not throughput. */
	long got = rc ? 0 : (long)rep.seq - p->closes;
	printf("troupe link    %6zu B  rtt median %8.1f us  p99 %8.1f us  stream %9.0f msg/s  "
	       "lost %ld%s\n", p->size, p->rtt_med, p->rtt_p99, (double)got / secs, p->m - got,
	       rc ? " (last call failed)" : "");
	fflush(stdout);
	tp_exit(self, rc ? 1 : 0);
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static void linkping_run(tp_actor *self, struct linkping *p)
{
	demo_Echo req = { .seq = 0 }, rep;
	/* The payload is the Echo message: seq + data, SIZE bytes in all. */
	req.data.size = (pb_size_t)(p->size > 8 ? p->size - 8 : 1);
	int64_t *rt = malloc(sizeof *rt * (size_t)p->n);
	for (int i = 0; i < p->n; i++) {
		req.seq = (uint32_t)i;
		int64_t t0 = tp_now_ns();
		int rc = tp_call(self, p->to, demo_Echo, &req, demo_Echo, &rep, 2000);
		if (rc) {
			printf("call %d failed: %s\n", i, tp_strerror(rc));
			tp_exit(self, 1);
			return;
		}
		rt[i] = tp_now_ns() - t0;
	}
	qsort(rt, (size_t)p->n, sizeof *rt, cmp64);
	p->rtt_med = (double)rt[p->n / 2] / 1e3;
	p->rtt_p99 = (double)rt[p->n * 99 / 100] / 1e3;
	free(rt);
	p->t0 = tp_now_ns();
	struct tp_send_opts wait = { .prio = TP_PRIO_NORMAL, .timeout_ms = 5000 };
	for (int i = 0; i < p->m; i++) {
		int rc = tp_send_ex(self, p->sink, demo_Echo, &req, &wait);
		if (rc) {
			printf("stream %d failed: %s\n", i, tp_strerror(rc));
			tp_exit(self, 1);
			return;
		}
	}
	linkping_close(self, p);
}

static void linkping_tick(tp_actor *self, void *state, void *arg)
{
	struct linkping *p = state;
	demo_Echo req = { .seq = 0 }, rep;
	(void)arg;
	if (tp_call(self, p->to, demo_Echo, &req, demo_Echo, &rep, 500))
		return;   /* link not up yet */
	tp_timer_stop(self, p->timer);
	linkping_run(self, p);
}

static int linkping_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct linkping *p = state;
	p->to = "echo";
	p->n = 5000;
	p->m = 20000;
	p->size = 64;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--to") == 0) p->to = argv[i + 1];
		else if (strcmp(argv[i], "--sink") == 0) p->sink = argv[i + 1];
		else if (strcmp(argv[i], "--n") == 0) p->n = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--m") == 0) p->m = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--size") == 0) p->size = (size_t)atoi(argv[i + 1]);
	}
	if (p->n < 1 || p->m < 1 || p->size < 9 || p->size > 1000)
		return -TP_EINVAL;
	if (!p->sink)
		return 0;
	p->timer = tp_timer_start(self, 50, 100, linkping_tick, NULL);
	return p->timer < 0 ? p->timer : 0;
}

static int linkping_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct linkping *p = state;
	p->got++;
	if (!(m->flags & TP_MSG_F_REQUEST))
		return 0;
	demo_Echo rep = { .seq = (uint32_t)p->got };
	return tp_reply(self, m, demo_Echo, &rep);
}

static const struct tp_actor_ops linkping_ops = {
	.state_size = sizeof(struct linkping),
	.init = linkping_init,
	.receive = linkping_receive,
};

TP_ACTOR_MAIN(linkping_ops)
