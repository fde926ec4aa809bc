/* greeter: the actor of docs/TUTORIAL.md, built with the others so that
 * the tutorial cannot rot.  Keep the two in step. */
#include <stdio.h>
#include <troupe/troupe.h>
#include "greeter.pb.h"

struct greeter { unsigned greeted; };          /* the actor's state */

static int greeter_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct greeter *g = state;
	demo_Hello hello;
	int rc = tp_decode(m, demo_Hello, &hello);   /* -TP_ETYPE if not a Hello */
	if (rc)
		return rc;                           /* logged by the runtime */
	demo_Greeting out = { 0 };
	snprintf(out.text, sizeof out.text, "hello, %s (#%u)", hello.name, ++g->greeted);
	printf("greeting %s\n", hello.name);         /* the daemon logs it as "greeter: …" */
	return tp_reply(self, m, demo_Greeting, &out);  /* to the sender, same corr id */
}

static void greeter_tick(tp_actor *self, void *state, void *arg)
{
	demo_Hello me = { .name = "myself" };
	(void)state; (void)arg;
	tp_send(self, tp_actor_name(self), demo_Hello, &me);
}

static int greeter_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state; (void)argc; (void)argv;
	int id = tp_timer_start(self, 1000, 1000, greeter_tick, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops greeter_ops = {
	.state_size = sizeof(struct greeter),
	.init = greeter_init,
	.receive = greeter_receive,
};

TP_ACTOR_MAIN(greeter_ops)
