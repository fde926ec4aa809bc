/* filter: a moving average over the last readings, forwarded to the
 * logger, and an alarm (at high priority) when the average crosses the
 * threshold, one each way.
 *
 * Options: --window N (5)  --threshold X (75)  --to ACTOR (logger) */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "sensor.pb.h"
#include "filter.pb.h"

#define WINDOW_MAX 64

struct filter {
	const char *to;
	unsigned window;
	float threshold;
	float ring[WINDOW_MAX];
	unsigned filled, next;
	float sum;
	bool alarmed;
};

static float filter_push(struct filter *f, float v)
{
	if (f->filled == f->window)
		f->sum -= f->ring[f->next];
	else
		f->filled++;
	f->ring[f->next] = v;
	f->sum += v;
	f->next = (f->next + 1) % f->window;
	return f->sum / (float)f->filled;
}

static int filter_alarm(tp_actor *self, struct filter *f, uint32_t seq, float avg)
{
	bool high = avg > f->threshold;
	if (high == f->alarmed)
		return 0;
	f->alarmed = high;
	demo_Alarm a = { .seq = seq, .average = avg, .threshold = f->threshold, .raised = high };
	/* timeout 0: the node's send_timeout_ms, as for every other send. */
	struct tp_send_opts urgent = { .prio = TP_PRIO_HIGH };
	return tp_send_ex(self, f->to, demo_Alarm, &a, &urgent);
}

static int filter_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct filter *f = state;
	demo_Reading r;
	int rc = tp_decode(m, demo_Reading, &r);
	if (rc)
		return rc;
	float avg = filter_push(f, r.value);
	demo_Average out = { .seq = r.seq, .value = r.value, .average = avg, .window = f->filled };
	if ((rc = filter_alarm(self, f, r.seq, avg)))
		return rc;
	return tp_send(self, f->to, demo_Average, &out);
}

static int filter_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct filter *f = state;
	(void)self;
	f->to = "logger";
	f->window = 5;
	f->threshold = 75.0f;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--window") == 0)
			f->window = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--threshold") == 0)
			f->threshold = strtof(argv[i + 1], NULL);
		else if (strcmp(argv[i], "--to") == 0)
			f->to = argv[i + 1];
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return -TP_EINVAL;
		}
	}
	if (f->window == 0 || f->window > WINDOW_MAX) {
		fprintf(stderr, "--window must be 1..%d\n", WINDOW_MAX);
		return -TP_EINVAL;
	}
	return 0;
}

static const struct tp_actor_ops filter_ops = {
	.state_size = sizeof(struct filter),
	.init = filter_init,
	.receive = filter_receive,
};

TP_ACTOR_MAIN(filter_ops)
