/* echo: answers every message with its own bytes and type, to whoever
 * sent it.  For tests and benchmarks.
 *
 * Options: --delay-ms N  wait N ms before each answer (a slow peer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <troupe/troupe.h>

struct echo {
	unsigned delay_ms;
};

static int echo_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct echo *e = state;
	if (e->delay_ms) {
		struct timespec ts = { e->delay_ms / 1000, (long)(e->delay_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
	}
	return tp_reply_bytes(self, m, m->type, m->payload, m->len);
}

static int echo_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct echo *e = state;
	(void)self;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--delay-ms") == 0 && i + 1 < argc) {
			e->delay_ms = (unsigned)atoi(argv[++i]);
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	return 0;
}

static const struct tp_actor_ops echo_ops = {
	.state_size = sizeof(struct echo),
	.init = echo_init,
	.receive = echo_receive,
};

TP_ACTOR_MAIN(echo_ops)
