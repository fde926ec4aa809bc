/* prober: a test actor that exercises the actor API against echo actors
 * and prints what happened, one line per fact, for
 * tests/integration/test_actor_api.sh to check:
 *  - tp_call gets its reply while mail sent earlier waits, in order;
 *  - a reply after the call's deadline is dropped, never delivered;
 *  - sending to an unknown actor or too big a message is an error. */
#include <stdio.h>
#include <string.h>
#include <troupe/troupe.h>
#include "echo.pb.h"
#include "logger.pb.h"

static void prober_line(tp_actor *self, const char *text)
{
	demo_LogLine l = { 0 };
	snprintf(l.text, sizeof l.text, "%s", text);
	int rc = tp_send(self, tp_actor_name(self), demo_LogLine, &l);
	if (rc)
		printf("send to self: %s\n", tp_strerror(rc));
}

static void prober_done(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	printf("done\n");
	tp_exit(self, 0);
}

static void prober_run(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	prober_line(self, "one");
	prober_line(self, "two");
	prober_line(self, "three");

	demo_Echo req = { .seq = 7 }, rep = { 0 };
	memcpy(req.data.bytes, "ping", 4);
	req.data.size = 4;
	int rc = tp_call(self, "echo", demo_Echo, &req, demo_Echo, &rep, 5000);
	if (rc == 0)
		printf("call ok seq=%u data=%.*s\n", rep.seq, (int)rep.data.size, rep.data.bytes);
	else
		printf("call failed: %s\n", tp_strerror(rc));

	req.seq = 8;
	rc = tp_call(self, "slowecho", demo_Echo, &req, demo_Echo, &rep, 100);
	printf("slow call: %s\n", rc ? tp_strerror(rc) : "answered in time");

	rc = tp_send(self, "nobody", demo_Echo, &req);
	printf("send to nobody: %s\n", tp_strerror(rc));

	demo_LogLine big = { 0 };
	memset(big.text, 'x', sizeof big.text - 1);
	rc = tp_send(self, "tiny", demo_LogLine, &big);
	printf("send too big: %s\n", tp_strerror(rc));

	tp_timer_start(self, 1000, 0, prober_done, NULL);
}

static int prober_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state;
	demo_LogLine l;
	if (tp_decode(m, demo_LogLine, &l) == 0)
		printf("got LogLine %s from %s\n", l.text, m->sender);
	else
		printf("got type %u from %s\n", m->type, m->sender);
	return 0;
}

static int prober_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state; (void)argc; (void)argv;
	int id = tp_timer_start(self, 0, 0, prober_run, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops prober_ops = {
	.init = prober_init,
	.receive = prober_receive,
};

TP_ACTOR_MAIN(prober_ops)
