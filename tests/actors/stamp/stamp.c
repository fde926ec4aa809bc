/* stamp: a test actor for the restart benchmark (tests/bench/restart).
 * On the first message it receives after starting it prints
 * "first <CLOCK_MONOTONIC ns>": the moment its replacement got the mail
 * queued before the crash.  The clock is read on receipt, so the time the
 * line takes to reach the daemon's log does not count. */
#include <stdio.h>
#include <time.h>
#include <troupe/troupe.h>

static int stamp_first = 1;

static int stamp_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state; (void)m;
	if (stamp_first) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		stamp_first = 0;
		printf("first %lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		fflush(stdout);
	}
	return 0;
}

static const struct tp_actor_ops stamp_ops = {
	.receive = stamp_receive,
};

TP_ACTOR_MAIN(stamp_ops)
