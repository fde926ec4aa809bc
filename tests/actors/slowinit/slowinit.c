/* slowinit: a test actor for readiness (tests/integration/test_readiness.sh).
 * It prints when its init begins and ends, in ms of CLOCK_MONOTONIC (one
 * clock for every process of the machine), so that the test can order the
 * starts of several actors.
 *
 * Options: --init-ms N   init takes N ms
 *          --later N     init returns at once, readiness N ms later
 *                        (tp_actor_ready_later, then tp_actor_ready)
 *          --fail-init   init returns -TP_EINVAL */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <troupe/troupe.h>

static long long slowinit_ms(void)
{
	return (long long)(tp_now_ns() / 1000000);
}

static void slowinit_ready(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	printf("ready at %lld\n", slowinit_ms());
	tp_actor_ready(self);
}

static int slowinit_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	printf("init begin %lld\n", slowinit_ms());
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--init-ms") == 0 && i + 1 < argc) {
			long ms = atol(argv[++i]);
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
			while (nanosleep(&ts, &ts))
				;
		} else if (strcmp(argv[i], "--later") == 0 && i + 1 < argc) {
			tp_actor_ready_later(self);
			int id = tp_timer_start(self, (unsigned)atoi(argv[++i]), 0, slowinit_ready, NULL);
			if (id < 0)
				return id;
		} else if (strcmp(argv[i], "--fail-init") == 0) {
			printf("init fails\n");
			return -TP_EINVAL;
		} else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	printf("init end %lld\n", slowinit_ms());
	return 0;
}

static int slowinit_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state; (void)m;
	return 0;
}

static const struct tp_actor_ops slowinit_ops = {
	.init = slowinit_init,
	.receive = slowinit_receive,
};

TP_ACTOR_MAIN(slowinit_ops)
