/* sensor: emits a Reading at a fixed rate to the next actor of the
 * pipeline.  The signal is simulated: a slow sine with noise and, every
 * so often, a surge that makes the filter raise an alarm.
 *
 * Options: --rate HZ (10)  --count N (0: forever)  --to ACTOR (filter)
 *          --topic TOPIC (publish each reading there instead of sending
 *          it: a topic never pushes back, so the sequence always advances) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "sensor.pb.h"

struct sensor {
	const char *to;
	const char *topic;  /* publish here instead of sending to `to` */
	unsigned count;     /* readings to send; 0 for no end */
	uint32_t seq;
	unsigned rejected;
	int timer;
};

static float simulate(uint32_t seq)
{
	float base = 50.0f + 20.0f * sinf((float)seq / 20.0f);
	float noise = (float)((seq * 2654435761u) >> 24) / 255.0f * 4.0f - 2.0f;
	float surge = (seq % 100) >= 40 && (seq % 100) < 50 ? 40.0f : 0.0f;
	return base + noise + surge;
}

static void sensor_tick(tp_actor *self, void *state, void *arg)
{
	struct sensor *s = state;
	(void)arg;
	demo_Reading r = {
		.seq = s->seq + 1,
		.value = simulate(s->seq + 1),
		.time_us = (uint64_t)(tp_now_ns() / 1000),
	};
	int rc = s->topic ? tp_publish(self, s->topic, demo_Reading, &r) :
			    tp_send(self, s->to, demo_Reading, &r);
	if (rc == 0) {
		s->seq++;
	} else {
		/* Not lost silently: the reading is counted and sent again on the
		 * next tick (the sequence does not advance). */
		s->rejected++;
		printf("reading %u not sent to %s: %s (%u so far)\n",
		       r.seq, s->topic ? s->topic : s->to, tp_strerror(rc), s->rejected);
	}
	if (s->count && s->seq >= s->count) {
		tp_timer_stop(self, s->timer);
		printf("sent %u readings\n", s->seq);
	}
}

static int sensor_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct sensor *s = state;
	unsigned rate = 10;
	s->to = "filter";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--rate") == 0)
			rate = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--count") == 0)
			s->count = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--to") == 0)
			s->to = argv[i + 1];
		else if (strcmp(argv[i], "--topic") == 0)
			s->topic = argv[i + 1];
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	if (rate == 0 || rate > 100000) {
		fprintf(stderr, "--rate must be 1..100000\n");
		return -TP_EINVAL;
	}
	unsigned period = 1000 / rate ? 1000 / rate : 1;
	s->timer = tp_timer_start(self, period, period, sensor_tick, NULL);
	return s->timer < 0 ? s->timer : 0;
}

static const struct tp_actor_ops sensor_ops = {
	.state_size = sizeof(struct sensor),
	.init = sensor_init,
};

TP_ACTOR_MAIN(sensor_ops)
