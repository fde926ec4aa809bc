/* noticer: a test actor for tests/integration/test_links_notices.sh, in
 * one of two parts.
 *
 * With --stall MS it is the slow receiver: each message takes it MS ms
 * (the first one --first MS), so that a small mailbox with when_full =
 * reject overflows.  It answers a request first, then stalls: the answer
 * to the sender's first call says that nothing leaves the mailbox for the
 * next --first ms, so the burst after it fills the mailbox whatever the
 * timing.  It prints
 * "got seq=N from SENDER" for each message that is no request.
 *
 * Otherwise it is the sender, on another node.  Every 200 ms it calls
 * --probe (an echo actor there) until one answers, then once:
 *   calls --hidden (not exported to this node) and prints
 *     "call NAME: ERROR in N ms";
 *   calls --to (the slow receiver; "hold ok" once it answers), sends it
 *     --burst messages, then calls it with a 5 s deadline and prints the
 *     same line (the call must end with the Undeliverable notice of its
 *     request, long before its deadline);
 *   monitors each --watch NAME@NODE (repeatable, up to 8).
 * At its first Down noconnection it sends --after messages to --probe
 * (the link is down: they wait in the link's queue, or come back as
 * notices when it is full) and prints "sent N after the link dropped".
 * It prints one line per notice and Down it gets:
 *   "undeliverable DEST type=T corr=C reason=R error=E"
 *   "down NAME reason=R code=C"
 *
 * Options: --probe NAME@NODE --hidden NAME@NODE --to NAME@NODE --burst N
 *          --watch NAME@NODE … --after N | --stall MS [--first MS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <troupe/troupe.h>
#include "echo.pb.h"

struct noticer {
	const char *probe, *hidden, *to;
	const char *watch[8];
	int n_watch, burst, stall_ms, first_ms, timer, after;
};

static void noticer_call(tp_actor *self, const char *to)
{
	demo_Echo req = { .seq = 1 }, rep;
	int64_t t0 = tp_now_ns();
	int rc = tp_call(self, to, demo_Echo, &req, demo_Echo, &rep, 5000);
	printf("call %s: %s in %lld ms\n", to, rc ? tp_strerror(rc) : "ok",
	       (long long)((tp_now_ns() - t0) / 1000000));
	fflush(stdout);
}

static void noticer_tick(tp_actor *self, void *state, void *arg)
{
	struct noticer *n = state;
	demo_Echo req = { .seq = 0 }, rep;
	(void)arg;
	if (tp_call(self, n->probe, demo_Echo, &req, demo_Echo, &rep, 500))
		return;   /* the link is not up yet */
	tp_timer_stop(self, n->timer);
	if (n->hidden)
		noticer_call(self, n->hidden);
	if (n->to) {
		int rc = tp_call(self, n->to, demo_Echo, &req, demo_Echo, &rep, 5000);
		printf("hold %s\n", rc ? tp_strerror(rc) : "ok");
		for (int i = 0; i < n->burst; i++) {
			req.seq = (uint32_t)i;
			rc = tp_send(self, n->to, demo_Echo, &req);
			if (rc)
				printf("send %d to %s: %s\n", i, n->to, tp_strerror(rc));
		}
		noticer_call(self, n->to);
	}
	for (int i = 0; i < n->n_watch; i++) {
		int rc = tp_monitor(self, n->watch[i]);
		printf("monitoring %s: %s\n", n->watch[i], rc ? tp_strerror(rc) : "ok");
	}
	fflush(stdout);
}

static int noticer_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct noticer *n = state;
	struct tp_undeliverable u;
	struct tp_down d;
	if (n->stall_ms) {
		int ms = n->first_ms ? n->first_ms : n->stall_ms, rc = 0;
		n->first_ms = 0;
		demo_Echo e;
		if (m->flags & TP_MSG_F_REQUEST) {
			demo_Echo rep = { .seq = 1 };
			rc = tp_reply(self, m, demo_Echo, &rep);
		} else if (tp_decode(m, demo_Echo, &e) == 0) {
			printf("got seq=%u from %s\n", e.seq, m->sender);
			fflush(stdout);
		}
		struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		return rc;
	}
	if (tp_undeliverable_decode(m, &u) == 0)
		printf("undeliverable %s type=%u corr=%llu reason=%s error=%s\n", u.dest,
		       u.type, (unsigned long long)u.corr, tp_undeliverable_reason_name(u.reason),
		       tp_strerror(u.error));
	else if (tp_down_decode(m, &d) == 0) {
		printf("down %s reason=%s code=%d\n", d.name, tp_down_reason_name(d.reason),
		       d.code);
		if (d.reason == TP_DOWN_NOCONNECTION && n->after) {
			demo_Echo e = { .seq = 0 };
			int sent = 0;
			for (; sent < n->after; sent++)
				if (tp_send(self, n->probe, demo_Echo, &e))
					break;
			printf("sent %d after the link dropped\n", sent);
			n->after = 0;
		}
	} else
		printf("other: type %u from %s\n", m->type, m->sender);
	fflush(stdout);
	return 0;
}

static int noticer_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct noticer *n = state;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--probe") == 0) n->probe = v;
		else if (strcmp(k, "--hidden") == 0) n->hidden = v;
		else if (strcmp(k, "--to") == 0) n->to = v;
		else if (strcmp(k, "--burst") == 0) n->burst = atoi(v);
		else if (strcmp(k, "--stall") == 0) n->stall_ms = atoi(v);
		else if (strcmp(k, "--first") == 0) n->first_ms = atoi(v);
		else if (strcmp(k, "--after") == 0) n->after = atoi(v);
		else if (strcmp(k, "--watch") == 0 && n->n_watch < 8) n->watch[n->n_watch++] = v;
		else return -TP_EINVAL;
	}
	if (n->stall_ms || !n->probe)
		return 0;
	n->timer = tp_timer_start(self, 100, 200, noticer_tick, NULL);
	return n->timer < 0 ? n->timer : 0;
}

static const struct tp_actor_ops noticer_ops = {
	.state_size = sizeof(struct noticer),
	.init = noticer_init,
	.receive = noticer_receive,
};

TP_ACTOR_MAIN(noticer_ops)
