/* linker: a test actor for tests/integration/test_links.sh.  Calls an echo
 * actor on another node every 200 ms (the reply must find its way back,
 * though this actor is not exported), monitors it after the first answer,
 * and prints one line per fact: "call ok seq=N", "call failed: …",
 * "monitoring NAME", "down NAME reason=R".
 *
 * Options: --to NAME@NODE (echo) */
#include <stdio.h>
#include <string.h>
#include <troupe/troupe.h>
#include "echo.pb.h"
#include "monitor.pb.h"

struct linker {
	const char *to;
	uint32_t seq;
	bool monitoring;
	unsigned failed;
};

static void linker_tick(tp_actor *self, void *state, void *arg)
{
	struct linker *l = state;
	(void)arg;
	demo_Echo req = { .seq = ++l->seq }, rep = { 0 };
	int rc = tp_call(self, l->to, demo_Echo, &req, demo_Echo, &rep, 1000);
	if (rc) {
		if (l->failed++ < 3)
			printf("call failed: %s\n", tp_strerror(rc));
		return;
	}
	printf("call ok seq=%u\n", rep.seq);
	if (l->monitoring)
		return;
	troupe_Monitor m = troupe_Monitor_init_zero;
	snprintf(m.name, sizeof m.name, "%s", l->to);
	rc = tp_send(self, "troupe.daemon", troupe_Monitor, &m);
	printf("monitoring %s: %s\n", l->to, rc ? tp_strerror(rc) : "ok");
	l->monitoring = rc == 0;
}

static int linker_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state;
	troupe_Down d;
	if (tp_decode(m, troupe_Down, &d) == 0)
		printf("down %s reason=%d\n", d.name, (int)d.reason);
	return 0;
}

static int linker_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct linker *l = state;
	l->to = "echo";
	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--to") == 0)
			l->to = argv[i + 1];
	int id = tp_timer_start(self, 200, 200, linker_tick, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops linker_ops = {
	.state_size = sizeof(struct linker),
	.init = linker_init,
	.receive = linker_receive,
};

TP_ACTOR_MAIN(linker_ops)
