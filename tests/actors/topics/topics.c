/* topics: a test actor for tests/integration/test_topics.sh, publisher and
 * subscriber at once, steered with demo.LogLine commands (troupectl send):
 *   "burst TOPIC N"        publishes demo.Reading seq 1..N to TOPIC and
 *                          prints how long each publish took on average
 *   "sub FILTER [POLICY]"  tp_subscribe (POLICY drop_oldest | drop_newest)
 *   "unsub FILTER"         tp_unsubscribe
 *   "churn FILTER N"       subscribes and unsubscribes N times, then says
 *                          how many of each succeeded
 * and prints one line per message it gets on a topic:
 *   "got TOPIC seq=S from SENDER"
 * Arguments: --sub FILTER subscribes in init (again at every start);
 * --quiet prints no "got" lines (for measuring a publisher's cost). */
#include <stdio.h>
#include <string.h>
#include <troupe/troupe.h>
#include "logger.pb.h"
#include "sensor.pb.h"

static int topics_quiet;

static void topics_burst(tp_actor *self, const char *topic, unsigned n)
{
	unsigned failed = 0;
	int64_t t0 = tp_now_ns();
	for (unsigned i = 1; i <= n; i++) {
		demo_Reading r = { .seq = i, .value = (float)i };
		if (tp_publish(self, topic, demo_Reading, &r))
			failed++;
	}
	/* The publisher's own time: what fan-out costs it (make bench
	 * measures it properly; this is for a quick look). */
	printf("published %u on %s, %u failed, %.2f us each\n", n, topic, failed,
	       n ? (double)(tp_now_ns() - t0) / 1e3 / n : 0.0);
}

static void topics_churn(tp_actor *self, const char *filter, unsigned n)
{
	unsigned subs = 0, unsubs = 0;
	int last = 0;
	for (unsigned i = 0; i < n; i++) {
		int rc = tp_subscribe(self, filter, TP_TOPIC_DROP_OLDEST);
		subs += rc == 0;
		last = rc ? rc : last;
		rc = tp_unsubscribe(self, filter);
		unsubs += rc == 0;
		last = rc ? rc : last;
	}
	printf("churned %s: %u subscribed, %u unsubscribed%s%s\n", filter, subs, unsubs,
	       last ? ", last error " : "", last ? tp_strerror(last) : "");
}

static void topics_command(tp_actor *self, const char *text)
{
	char verb[16], arg[200], extra[32] = "";
	unsigned n = 0;
	if (sscanf(text, "burst %199s %u", arg, &n) == 2) {
		topics_burst(self, arg, n);
	} else if (sscanf(text, "churn %199s %u", arg, &n) == 2) {
		topics_churn(self, arg, n);
	} else if (sscanf(text, "%15s %199s %31s", verb, arg, extra) >= 2 &&
		   strcmp(verb, "sub") == 0) {
		enum tp_topic_policy p = strcmp(extra, "drop_newest") == 0 ?
					 TP_TOPIC_DROP_NEWEST : TP_TOPIC_DROP_OLDEST;
		int rc = tp_subscribe(self, arg, p);
		printf("subscribed %s: %s\n", arg, rc ? tp_strerror(rc) : "ok");
	} else if (strcmp(verb, "unsub") == 0) {
		int rc = tp_unsubscribe(self, arg);
		printf("unsubscribed %s: %s\n", arg, rc ? tp_strerror(rc) : "ok");
	} else {
		printf("unknown command '%s'\n", text);
	}
}

static int topics_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)state;
	demo_LogLine line;
	demo_Reading r;
	if (m->topic && tp_decode(m, demo_Reading, &r) == 0) {
		if (!topics_quiet)
			printf("got %s seq=%u from %s\n", m->topic, (unsigned)r.seq, m->sender);
		return 0;
	}
	if (!m->topic && tp_decode(m, demo_LogLine, &line) == 0) {
		topics_command(self, line.text);
		return 0;
	}
	printf("unexpected type %u (topic %s)\n", (unsigned)m->type, m->topic ? m->topic : "-");
	return 0;
}

static int topics_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--quiet") == 0)
			topics_quiet = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--sub") == 0) {
			int rc = tp_subscribe(self, argv[++i], TP_TOPIC_DROP_OLDEST);
			printf("subscribed %s: %s\n", argv[i], rc ? tp_strerror(rc) : "ok");
			if (rc)
				return rc;
		}
	printf("ready\n");
	return 0;
}

static const struct tp_actor_ops topics_ops = {
	.init = topics_init,
	.receive = topics_receive,
};

TP_ACTOR_MAIN(topics_ops)
