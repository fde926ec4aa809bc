/* refuser: a test actor for error replies (tests/integration/test_errors.sh).
 *
 * As a receiver it takes demo.Echo only: data "fail" makes receive return
 * -TP_EBUSY, "die" kills it inside receive (it holds the request), "later"
 * answers with tp_reply_error; anything else is echoed.  Another type is
 * -TP_ETYPE, a payload that is no Echo -TP_EDECODE (tp_decode's codes).
 *
 * With --probe PEER it is the caller instead: on a demo.Echo "probe" it
 * calls PEER each way that cannot be served, and PEER2 (--gone, a temporary
 * actor that has ended), and prints one line per call with its error and
 * how long it took, for the test to check against the 5 s deadline.
 *
 * For the watchdog (tests/integration/test_watchdog.sh): "hang" blocks
 * inside receive for good (it holds the message); "stall" answers, then
 * blocks for good in a timer callback 10 ms later (it holds nothing, and
 * its loop no longer takes mail).
 *
 * With --exit it ends at once, with code 0.  With --picky it declares
 * demo.Echo as the one type it takes (tp_accept) and answers any message
 * it gets with its own bytes: a refusal can only come from the runtime. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <troupe/troupe.h>
#include "echo.pb.h"
#include "logger.pb.h"

struct refuser {
	const char *peer;
	const char *gone;
	bool picky;
};

static void refuser_echo(demo_Echo *e, const char *s)
{
	memset(e, 0, sizeof *e);
	e->data.size = (pb_size_t)strlen(s);
	memcpy(e->data.bytes, s, e->data.size);
}

static void refuser_show(const char *what, int rc, int64_t t0)
{
	printf("probe %s: %s in %lld ms\n", what, rc ? tp_strerror(rc) : "ok",
	       (long long)((tp_now_ns() - t0) / 1000000));
}

static void refuser_probe(tp_actor *self, const struct refuser *r)
{
	demo_Echo req, rep;
	int64_t t0;
	int rc;
	static const char *const kinds[] = { "fail", "later", "die" };
	for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		refuser_echo(&req, kinds[k]);
		t0 = tp_now_ns();
		rc = tp_call(self, r->peer, demo_Echo, &req, demo_Echo, &rep, 5000);
		refuser_show(kinds[k], rc, t0);
	}
	demo_LogLine line = { .text = "not an echo" };
	t0 = tp_now_ns();
	rc = tp_call(self, r->peer, demo_LogLine, &line, demo_Echo, &rep, 5000);
	refuser_show("wrong-type", rc, t0);
	/* A LogLine's bytes under Echo's type id: its string field 1 is no
	 * uint32. */
	t0 = tp_now_ns();
	rc = tp_call_msg(self, r->peer, demo_Echo_msgid, demo_LogLine_fields, &line,
			 demo_Echo_msgid, demo_Echo_fields, &rep, 5000);
	refuser_show("undecodable", rc, t0);
	refuser_echo(&req, "hello");
	t0 = tp_now_ns();
	rc = tp_call(self, r->gone, demo_Echo, &req, demo_Echo, &rep, 5000);
	refuser_show("stopped", rc, t0);
	t0 = tp_now_ns();
	rc = tp_call(self, r->peer, demo_Echo, &req, demo_Echo, &rep, 5000);
	refuser_show("served", rc, t0);
	printf("probe done\n");
}

static void refuser_block(void)
{
	fflush(stdout);
	for (;;)
		pause();   /* only SIGKILL ends it: the watchdog's */
}

static void refuser_stall(tp_actor *self, void *state, void *arg)
{
	(void)self, (void)state, (void)arg;
	refuser_block();
}

static int refuser_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct refuser *r = state;
	if (r->picky)
		return tp_reply_bytes(self, m, m->type, m->payload, m->len);
	demo_Echo e;
	int rc = tp_decode(m, demo_Echo, &e);
	if (rc)
		return rc;
	if (r->peer) {
		refuser_probe(self, r);
		return 0;
	}
	if (e.data.size == 4 && memcmp(e.data.bytes, "fail", 4) == 0)
		return -TP_EBUSY;
	if (e.data.size == 3 && memcmp(e.data.bytes, "die", 3) == 0) {
		fflush(stdout);
		raise(SIGKILL);
	}
	if (e.data.size == 4 && memcmp(e.data.bytes, "hang", 4) == 0)
		refuser_block();
	if (e.data.size == 5 && memcmp(e.data.bytes, "stall", 5) == 0) {
		int id = tp_timer_start(self, 10, 0, refuser_stall, NULL);
		if (id < 0)
			return id;
	}
	if (e.data.size == 5 && memcmp(e.data.bytes, "later", 5) == 0)
		return tp_reply_error(self, m, TP_ELIMIT, "try later");
	return tp_reply(self, m, demo_Echo, &e);
}

static int refuser_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct refuser *r = state;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--probe") == 0 && i + 1 < argc) {
			r->peer = argv[++i];
		} else if (strcmp(argv[i], "--gone") == 0 && i + 1 < argc) {
			r->gone = argv[++i];
		} else if (strcmp(argv[i], "--picky") == 0) {
			r->picky = true;
			int rc = tp_accept(self, demo_Echo);
			if (rc)
				return rc;
		} else if (strcmp(argv[i], "--exit") == 0) {
			tp_exit(self, 0);
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	if (r->peer && !r->gone)
		r->gone = r->peer;
	return 0;
}

static const struct tp_actor_ops refuser_ops = {
	.state_size = sizeof(struct refuser),
	.init = refuser_init,
	.receive = refuser_receive,
};

TP_ACTOR_MAIN(refuser_ops)
