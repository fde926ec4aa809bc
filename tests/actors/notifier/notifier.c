/* notifier: a test actor for tests/integration/test_links_delivered.sh.
 * Sends --count Readings to --to NAME (an actor here, or NAME@NODE), one
 * every --every ms, reading i (seq i, 1..count) with notify tag i, and
 * prints what comes back (also in the two-board QEMU test):
 *   "sent tag=I" once its send returned 0 (-TP_ENOENT, the link is not up
 *     yet, or -TP_EFULL, its queue is full: tried again at the next tick;
 *     another error: "send tag=I: E")
 *   "delivered DEST type=T tag=I confirmed=C"   a Delivered notice
 *   "undeliverable DEST type=T corr=I reason=R"  an Undeliverable notice
 *   "other: type T from S"                        anything else
 * and "answered N" once each of the --count has had its one answer.
 * Options: --to NAME --count N [--every MS (20)] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "sensor.pb.h"

struct notifier {
	const char *to;
	int count, every_ms, next, timer, answered;
};

static void notifier_tick(tp_actor *self, void *state, void *arg)
{
	struct notifier *n = state;
	(void)arg;
	if (n->next > n->count) {
		tp_timer_stop(self, n->timer);
		return;
	}
	demo_Reading r = { .seq = (uint32_t)n->next, .value = 1.0f };
	struct tp_send_opts o = { .prio = TP_PRIO_NORMAL, .timeout_ms = TP_NOWAIT,
				  .notify_tag = (uint64_t)n->next };
	int rc = tp_send_ex(self, n->to, demo_Reading, &r, &o);
	if (rc == -TP_ENOENT || rc == -TP_EFULL)
		return;   /* no link yet, or its queue full: the same one next tick */
	if (rc)
		printf("send tag=%d: %s\n", n->next, tp_strerror(rc));
	else
		printf("sent tag=%d\n", n->next);
	fflush(stdout);
	n->next++;
}

static int notifier_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct notifier *n = state;
	struct tp_delivered dv;
	struct tp_undeliverable u;
	(void)self;
	if (tp_delivered_decode(m, &dv) == 0) {
		printf("delivered %s type=%u tag=%llu confirmed=%d\n", dv.dest, dv.type,
		       (unsigned long long)dv.tag, dv.confirmed);
		n->answered++;
	} else if (tp_undeliverable_decode(m, &u) == 0) {
		printf("undeliverable %s type=%u corr=%llu reason=%s\n", u.dest, u.type,
		       (unsigned long long)u.corr, tp_undeliverable_reason_name(u.reason));
		n->answered++;
	} else {
		printf("other: type %u from %s\n", m->type, m->sender);
	}
	if (n->answered == n->count)
		printf("answered %d\n", n->answered);
	fflush(stdout);
	return 0;
}

static int notifier_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct notifier *n = state;
	n->every_ms = 20;
	n->next = 1;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--to") == 0) n->to = v;
		else if (strcmp(k, "--count") == 0) n->count = atoi(v);
		else if (strcmp(k, "--every") == 0) n->every_ms = atoi(v);
		else return -TP_EINVAL;
	}
	if (!n->to || n->count <= 0 || n->every_ms <= 0)
		return -TP_EINVAL;
	n->timer = tp_timer_start(self, n->every_ms, n->every_ms, notifier_tick, NULL);
	return n->timer < 0 ? n->timer : 0;
}

static const struct tp_actor_ops notifier_ops = {
	.state_size = sizeof(struct notifier),
	.init = notifier_init,
	.receive = notifier_receive,
};

TP_ACTOR_MAIN(notifier_ops)
