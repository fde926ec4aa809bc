/* mqtt-bridge: carries the node's topics to an MQTT broker and the
 * broker's back, as mosquitto's own bridge carries one broker's to
 * another.  out: a local subscription, each message published to the
 * broker (QoS 1 and 2 through the spool: sent again until acknowledged);
 * in: a subscription at the broker, each message published on the node
 * with tp_publish_bytes.  Payloads are the nanopb bytes as they are, or
 * JSON for a mapping that says so (troupectl's codec); the message type
 * travels as an MQTT v5 user property.  Its counters are the actor's own
 * (tp_counter_set): troupectl counters -v and -j show them.
 *
 * Options: --config FILE (the bridge's configuration, docs/FLEETS.md). */
#include <stdio.h>
#include <string.h>
#include <troupe/troupe.h>
#include "bridge.h"

void bridge_counters_log(struct bridge *b, const char *why)
{
	const struct bridge_counters *c = &b->ctr;
	printf("counters (%s): published=%llu received=%llu spooled=%llu dropped=%llu "
	       "reconnects=%llu queued=%u bad_payloads=%llu\n", why,
	       (unsigned long long)c->published, (unsigned long long)c->received,
	       (unsigned long long)c->spooled,
	       (unsigned long long)(c->dropped + b->spool.dropped),
	       (unsigned long long)c->reconnects, b->spool.n,
	       (unsigned long long)c->bad_payloads);
	if (b->spool.file_errors)
		printf("spool directory %s: %llu file errors (full, read-only?)\n",
		       b->conf.spool_dir, (unsigned long long)b->spool.file_errors);
}

void bridge_counters_publish(struct bridge *b)
{
	const struct bridge_counters *c = &b->ctr;
	/* Eight names, the most an actor has (TP_COUNTERS_OWN_MAX); none
	 * when the node counts nothing. */
	tp_counter_set(b->self, "connected", b->connected);
	tp_counter_set(b->self, "reconnects", c->reconnects);
	tp_counter_set(b->self, "sent", c->published);
	tp_counter_set(b->self, "received", c->received);
	tp_counter_set(b->self, "spooled", c->spooled);
	tp_counter_set(b->self, "spool_drops", b->spool.dropped);
	tp_counter_set(b->self, "dropped", c->dropped);
	tp_counter_set(b->self, "bad_payloads", c->bad_payloads);
}

void bridge_bad_payload(struct bridge *b, const char *topic, const char *err)
{
	b->ctr.bad_payloads++;
	int64_t now = tp_now_ns();
	if (b->bad_logged_ns && now - b->bad_logged_ns < 1000000000) {
		b->bad_unlogged++;
		return;
	}
	printf("bad payload on %s, dropped: %s", topic, err);
	if (b->bad_unlogged)
		printf(" (and %llu more since the last line)", (unsigned long long)b->bad_unlogged);
	putchar('\n');
	b->bad_logged_ns = now;
	b->bad_unlogged = 0;
}

static void bridge_tick(tp_actor *self, void *state, void *arg)
{
	(void)self;
	(void)arg;
	struct bridge *b = state;
	bridge_conn_tick(b);
	bridge_counters_publish(b);
	int64_t now = tp_now_ns();
	if (b->conf.stats_interval &&
	    now - b->last_stats_ns >= (int64_t)b->conf.stats_interval * 1000000000) {
		b->last_stats_ns = now;
		bridge_counters_log(b, "every stats_interval");
	}
}

static int bridge_send(struct bridge *b, const struct tp_msg *m);

/* A message of the node, on a topic of an out mapping.  What the bridge
 * published itself came from the broker: sending it back would loop. */
static int bridge_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct bridge *b = state;
	if (!m->topic || !strcmp(m->sender, tp_actor_name(self)))
		return 0;
	int rc = bridge_send(b, m);
	bridge_counters_publish(b);
	return rc;
}

static int bridge_send(struct bridge *b, const struct tp_msg *m)
{
	char remote[SPOOL_TOPIC_MAX + 1];
	static char json[SPOOL_PAYLOAD_MAX + 1];
	const void *payload = m->payload;
	size_t len = m->len;
	const struct bridge_map *map = bridge_map_out(&b->conf, m->topic, remote, sizeof remote);
	if (!map) {
		b->ctr.dropped++;
		return 0;
	}
	if (map->json) {
		/* By the runtime's message table; a type it lacks, or one not
		 * the mapping's, is not this mapping's to send. */
		const struct mt_msg *mt = map->type ? map->type : pbt_find_id(m->type);
		char err[200];
		int n = -1;
		if (!mt || mt->msgid != m->type)
			snprintf(err, sizeof err, "type %u is not %s", (unsigned)m->type,
				 map->type ? map->type->name : "in the runtime's message table");
		else
			n = pbt_json(mt, m->payload, m->len, json, sizeof json, err, sizeof err);
		if (n < 0) {
			bridge_bad_payload(b, m->topic, err);
			return 0;
		}
		payload = json;
		len = (size_t)n;
	}
	if (map->qos == 0) {
		if (bridge_conn_publish0(b, remote, m->type, payload, len) == 0)
			b->ctr.published++;
		else
			b->ctr.dropped++;
		return 0;
	}
	bool away = !b->connected;
	if (spool_push(&b->spool, remote, (uint8_t)map->qos, m->type, payload, len) < 0) {
		b->ctr.dropped++;
		return -TP_ETOOBIG;
	}
	if (away)
		b->ctr.spooled++;
	bridge_conn_kick(b);
	return 0;
}

static int bridge_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct bridge *b = state;
	const char *conf = NULL;
	b->self = self;
	for (int i = 1; i < argc; i++)
		if (i + 1 < argc && !strcmp(argv[i], "--config"))
			conf = argv[++i];
		else {
			fprintf(stderr, "unknown option %s (--config FILE)\n", argv[i]);
			return -TP_ECONFIG;
		}
	if (!conf) {
		fprintf(stderr, "no --config FILE\n");
		return -TP_ECONFIG;
	}
	int rc = bridge_conf_load(&b->conf, conf, tp_actor_node(self), tp_actor_name(self));
	if (rc)
		return rc;
	const char *dir = b->conf.spool_dir[0] ? b->conf.spool_dir : NULL;
	int loaded = spool_open(&b->spool, b->conf.spool_depth, b->conf.spool_policy, dir,
				b->conf.spool_fsync);
	if (loaded < 0) {
		perror(dir ? dir : "spool");
		return -TP_ESYS;
	}
	if (loaded > 0)
		printf("spool %s: %d messages of an earlier run to send\n", dir, loaded);
	for (unsigned i = 0; i < b->conf.n_map; i++) {
		const struct bridge_map *m = &b->conf.map[i];
		if (!(m->dir & MAP_OUT))
			continue;
		/* drop_oldest where the mailbox can drop (mq, shm), else newest. */
		rc = tp_subscribe(self, m->local_filter, TP_TOPIC_DROP_OLDEST);
		if (rc == -TP_ECONFIG)
			rc = tp_subscribe(self, m->local_filter, TP_TOPIC_DROP_NEWEST);
		if (rc) {
			fprintf(stderr, "subscribe %s: %s\n", m->local_filter, tp_strerror(rc));
			return rc;
		}
	}
	rc = bridge_conn_init(b);
	if (rc)
		return rc;
	b->last_stats_ns = tp_now_ns();
	bridge_counters_publish(b);   /* the names, in this order, at 0 */
	b->tick_timer = tp_timer_start(self, 1000, 1000, bridge_tick, NULL);
	if (b->tick_timer < 0)
		return b->tick_timer;
	bridge_conn_start(b);
	return 0;
}

static void bridge_stop(tp_actor *self, void *state)
{
	(void)self;
	struct bridge *b = state;
	bridge_conn_stop(b);
	bridge_counters_publish(b);   /* connected 0 */
	bridge_counters_log(b, "at stop");
	spool_close(&b->spool);
}

static const struct tp_actor_ops bridge_ops = {
	.state_size = sizeof(struct bridge),
	.init = bridge_init,
	.receive = bridge_receive,
	.stop = bridge_stop,
};

TP_ACTOR_MAIN(bridge_ops)
