/* streamer: a test actor for tests/integration/test_links_resend.sh and
 * test_links_restart.sh.  Sends numbered Readings (seq 1, 2, …) to --to,
 * --burst of them every --period ms, until --count; a reading the send
 * refuses (a full outbox past its deadline) is tried again on the next
 * tick, so the sequence has no holes of its own making.  It prints one
 * line per Undeliverable notice it gets:
 *   "undeliverable DEST reason=R"
 * and "sent N" once all are sent.  With --sink it only receives, and
 * prints "got seq=N from SENDER" for each reading.
 *
 * Options: --to NAME@NODE --count N --burst N (10) --period MS (2)
 *          --wait MS (before the first: 0) | --sink 1 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "sensor.pb.h"

struct streamer {
	const char *to;
	uint32_t count, burst, seq;
	int timer;
	int sink;
};

static void streamer_tick(tp_actor *self, void *state, void *arg)
{
	struct streamer *s = state;
	(void)arg;
	for (uint32_t i = 0; i < s->burst && s->seq < s->count; i++) {
		demo_Reading r = { .seq = s->seq + 1, .value = 1.0f };
		if (tp_send(self, s->to, demo_Reading, &r) != 0)
			return;   /* again on the next tick, same number */
		s->seq++;
	}
	if (s->seq >= s->count) {
		tp_timer_stop(self, s->timer);
		printf("sent %u\n", s->seq);
		fflush(stdout);
	}
}

static int streamer_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct streamer *s = state;
	struct tp_undeliverable u;
	demo_Reading r;
	(void)self;
	if (s->sink && tp_decode(m, demo_Reading, &r) == 0) {
		printf("got seq=%u from %s\n", r.seq, m->sender);
		fflush(stdout);
	} else if (tp_undeliverable_decode(m, &u) == 0) {
		printf("undeliverable %s reason=%s\n", u.dest,
		       tp_undeliverable_reason_name(u.reason));
		fflush(stdout);
	}
	return 0;
}

static int streamer_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct streamer *s = state;
	unsigned period = 2, wait = 0;
	s->burst = 10;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--to") == 0)
			s->to = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			s->count = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--burst") == 0)
			s->burst = (uint32_t)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--period") == 0)
			period = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--wait") == 0)
			wait = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--sink") == 0)
			s->sink = 1;
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	if (s->sink)
		return 0;
	if (!s->to || !s->count || !s->burst || !period) {
		fprintf(stderr, "streamer: --to, --count, --burst and --period must be set\n");
		return -TP_EINVAL;
	}
	s->timer = tp_timer_start(self, wait ? wait : period, period, streamer_tick, NULL);
	return s->timer < 0 ? s->timer : 0;
}

static const struct tp_actor_ops streamer_ops = {
	.state_size = sizeof(struct streamer),
	.init = streamer_init,
	.receive = streamer_receive,
};

TP_ACTOR_MAIN(streamer_ops)
