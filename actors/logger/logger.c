/* logger: prints what it receives, one line per message, on its standard
 * output (which the daemon captures under the actor's name). */
#include <stdio.h>
#include <troupe/troupe.h>
#include "filter.pb.h"
#include "logger.pb.h"
#include "sensor.pb.h"

struct logger {
	unsigned long lines;
};

static int logger_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct logger *l = state;
	int rc = -TP_ETYPE;
	(void)self;
	l->lines++;
	if (tp_msg_is(m, demo_Average)) {
		demo_Average a;
		if ((rc = tp_decode(m, demo_Average, &a)) == 0)
			printf("seq=%u value=%.2f avg=%.2f\n", a.seq, a.value, a.average);
	} else if (tp_msg_is(m, demo_Alarm)) {
		demo_Alarm a;
		if ((rc = tp_decode(m, demo_Alarm, &a)) == 0)
			printf("ALARM %s at seq=%u: avg=%.2f threshold=%.2f\n",
			       a.raised ? "raised" : "cleared", a.seq, a.average, a.threshold);
	} else if (tp_msg_is(m, demo_LogLine)) {
		demo_LogLine ll;
		if ((rc = tp_decode(m, demo_LogLine, &ll)) == 0)
			printf("%s: %s\n", m->sender, ll.text);
	} else if (tp_msg_is(m, demo_Reading)) {
		demo_Reading r;
		if ((rc = tp_decode(m, demo_Reading, &r)) == 0)
			printf("%s%sseq=%u value=%.2f (from %s)\n", m->topic ? m->topic : "",
			       m->topic ? ": " : "", r.seq, r.value, m->sender);
	} else {
		printf("from %s: message of type %u, %zu bytes\n", m->sender, m->type, m->len);
		rc = 0;
	}
	return rc;
}

static const struct tp_actor_ops logger_ops = {
	.state_size = sizeof(struct logger),
	.receive = logger_receive,
};

TP_ACTOR_MAIN(logger_ops)
