/* The MQTT bridge's sustained rate into a broker, against a raw
 * libmosquitto publisher, in one process and one run (tests/bench/mqtt/run
 * starts the broker and a node whose topology runs this as an actor beside
 * actors/mqtt-bridge).
 *
 * For each QoS (0, 1) and payload size (64 B, 1 KiB), in turn: the raw
 * side publishes straight to the broker with its own libmosquitto client
 * (MQTT v5, as mosquitto_pub would, the same payload and QoS), then the
 * Troupe side publishes the same payload on the node's topic
 * (tp_publish_bytes), which the bridge carries to the broker.  A
 * libmosquitto client of this process subscribed at that QoS counts what
 * arrives.  Each side: warm-up messages until one arrives (the bridge may
 * still be connecting), then m messages, never more than a window ahead of
 * what has arrived (below the bridge's mailbox depth, so nothing drops
 * before the broker), then until all have arrived or nothing came for
 * 1 s.  Rate: messages counted at the subscriber per second, from the first
 * publish to the last arrival; lost: not counted.
 *
 * Usage (as an actor, from the topology):
 *   mqttbench --port PORT [--m M] [--window W]
 * prints one line per case, then "mqttbench: done" and exits. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <troupe/troupe.h>

enum { K_WARM = 'P', K_STREAM = 'S' };
#define MAX_SIZE 1024

static const unsigned sizes[] = { 64, 1024 };
static int port;
static unsigned m_count = 4000, window = 200;

/* What the subscriber saw of the current case (byte 1 of a payload). */
static _Atomic uint32_t cur_case, warm_seen, counted;

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void on_message(struct mosquitto *mq, void *obj, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	(void)mq; (void)obj; (void)props;
	const uint8_t *p = msg->payload;
	if (msg->payloadlen < 8 || p[1] != (uint8_t)atomic_load(&cur_case))
		return;   /* a late message of an earlier case */
	if (p[0] == K_WARM)
		atomic_store(&warm_seen, get_u32(p + 4));
	else if (p[0] == K_STREAM)
		atomic_fetch_add(&counted, 1);
}

static _Atomic int subscribed;

static void on_subscribe(struct mosquitto *mq, void *obj, int mid, int n, const int *granted,
			 const mosquitto_property *props)
{
	(void)mq; (void)obj; (void)mid; (void)n; (void)granted; (void)props;
	atomic_fetch_add(&subscribed, 1);
}

static void on_connect(struct mosquitto *mq, void *obj, int rc, int flags,
		       const mosquitto_property *props)
{
	(void)mq; (void)flags; (void)props;
	if (rc == 0)
		atomic_fetch_add((_Atomic int *)obj, 1);
}

/* A client connected to the broker, its network loop in its own thread. */
static struct mosquitto *client(const char *id, _Atomic int *up)
{
	struct mosquitto *mq = mosquitto_new(id, true, up);
	if (!mq)
		return NULL;
	mosquitto_int_option(mq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(mq, on_connect);
	mosquitto_message_v5_callback_set(mq, on_message);
	mosquitto_subscribe_v5_callback_set(mq, on_subscribe);
	int before = atomic_load(up);
	if (mosquitto_connect(mq, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
	    mosquitto_loop_start(mq) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(mq);
		return NULL;
	}
	for (int i = 0; i < 500 && atomic_load(up) == before; i++)
		usleep(10000);
	if (atomic_load(up) == before) {
		fprintf(stderr, "mqttbench: %s: not connected within 5 s\n", id);
		return NULL;
	}
	return mq;
}

/* ---------------------------------------------------------------- the loop */

struct side {
	const char *name;
	int (*publish)(struct side *s, const uint8_t *buf, size_t len);
	struct mosquitto *mq;   /* raw */
	tp_actor *self;         /* troupe */
	int qos;
	char topic[64];
};

static int raw_publish(struct side *s, const uint8_t *buf, size_t len)
{
	int rc = mosquitto_publish_v5(s->mq, NULL, s->topic, (int)len, buf, s->qos, false, NULL);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static int troupe_publish(struct side *s, const uint8_t *buf, size_t len)
{
	/* Any type id: the bridge carries the bytes as they are. */
	return tp_publish_bytes(s->self, s->topic, 1200, buf, len) ? -1 : 0;
}

static int run_case(struct side *s, uint8_t id, unsigned size, double *per_s,
		    unsigned *lost)
{
	static uint8_t buf[MAX_SIZE];
	memset(buf, 0x5a, size);
	buf[1] = id;
	atomic_store(&warm_seen, 0);
	atomic_store(&counted, 0);
	atomic_store(&cur_case, id);
	int64_t limit = tp_now_ns() + 10000000000LL;
	for (uint32_t k = 1;; k++) {
		buf[0] = K_WARM;
		put_u32(buf + 4, k);
		if (s->publish(s, buf, size))
			return -1;
		for (int t = 0; t < 100 && atomic_load(&warm_seen) < k; t++)
			usleep(200);
		if (atomic_load(&warm_seen) >= k)
			break;
		if (tp_now_ns() > limit) {
			fprintf(stderr, "mqttbench: %s: nothing arrived within 10 s\n", s->name);
			return -1;
		}
	}
	int64_t t0 = tp_now_ns();
	for (unsigned i = 0; i < m_count; i++) {
		int64_t since = tp_now_ns();
		while (i >= atomic_load(&counted) + window && tp_now_ns() - since < 2000000000LL)
			usleep(50);
		buf[0] = K_STREAM;
		put_u32(buf + 4, i);
		if (s->publish(s, buf, size))
			return -1;
	}
	uint32_t last = 0;
	int64_t t1 = tp_now_ns(), moved = t1;
	while (atomic_load(&counted) < m_count && tp_now_ns() - moved < 1000000000LL) {
		uint32_t c = atomic_load(&counted);
		if (c != last) {
			last = c;
			moved = t1 = tp_now_ns();
		}
		usleep(100);
	}
	uint32_t got = atomic_load(&counted);
	if (got >= m_count)
		t1 = tp_now_ns();
	*per_s = got / ((t1 - t0) / 1e9);
	*lost = m_count - (got < m_count ? got : m_count);
	return 0;
}

static int run_all(tp_actor *self)
{
	static _Atomic int sub_up, pub_up;
	char id[64];
	snprintf(id, sizeof id, "mqttbench-sub-%d", (int)getpid());
	struct mosquitto *sub = client(id, &sub_up);
	snprintf(id, sizeof id, "mqttbench-pub-%d", (int)getpid());
	struct mosquitto *pub = sub ? client(id, &pub_up) : NULL;
	if (!pub)
		return -1;
	/* Delivered at the QoS it was published with. */
	mosquitto_subscribe_v5(sub, NULL, "fleet/bench/q0/#", 0, 0, NULL);
	mosquitto_subscribe_v5(sub, NULL, "fleet/bench/q1/#", 1, 0, NULL);
	for (int i = 0; i < 500 && atomic_load(&subscribed) < 2; i++)
		usleep(10000);
	if (atomic_load(&subscribed) < 2) {
		fprintf(stderr, "mqttbench: not subscribed within 5 s\n");
		return -1;
	}
	int rc = 0;
	uint8_t n = 0;
	for (int qos = 0; qos <= 1; qos++)
		for (unsigned z = 0; z < sizeof sizes / sizeof *sizes; z++) {
			struct side raw = { .name = "raw", .publish = raw_publish, .mq = pub, .qos = qos };
			struct side tro = { .name = "bridge", .publish = troupe_publish, .self = self,
					    .qos = qos };
			snprintf(raw.topic, sizeof raw.topic, "fleet/bench/q%d/data", qos);
			snprintf(tro.topic, sizeof tro.topic, "bench/q%d/data", qos);
			double r_rate = 0, t_rate = 0;
			unsigned r_lost = 0, t_lost = 0;
			int a = run_case(&raw, ++n, sizes[z], &r_rate, &r_lost);
			int b = run_case(&tro, ++n, sizes[z], &t_rate, &t_lost);
			printf("mqtt qos %d %5u B: raw libmosquitto %8.0f msg/s lost %u | "
			       "troupe bridge %8.0f msg/s lost %u | bridge/raw %s",
			       qos, sizes[z], a ? 0 : r_rate, r_lost, b ? 0 : t_rate, t_lost,
			       a || b ? "FAILED" : "");
			if (!a && !b)
				printf("%.2fx", t_rate / r_rate);
			printf("\n");
			rc |= a | b;
		}
	mosquitto_disconnect(pub);
	mosquitto_disconnect(sub);
	mosquitto_loop_stop(pub, false);
	mosquitto_loop_stop(sub, false);
	mosquitto_destroy(pub);
	mosquitto_destroy(sub);
	return rc;
}

static void bench_run(tp_actor *self, void *state, void *arg)
{
	(void)state; (void)arg;
	int rc = run_all(self);
	printf("mqttbench: %s\n", rc ? "failed" : "done");
	fflush(stdout);
	tp_exit(self, rc ? 1 : 0);
}

static int bench_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	for (int i = 1; i + 1 < argc; i += 2) {
		long v = strtol(argv[i + 1], NULL, 10);
		if (!strcmp(argv[i], "--port"))
			port = (int)v;
		else if (!strcmp(argv[i], "--m") && v > 0 && v < 1000000)
			m_count = (unsigned)v;
		else if (!strcmp(argv[i], "--window") && v > 0 && v < 100000)
			window = (unsigned)v;
		else
			return -TP_ECONFIG;
	}
	if (port <= 0 || port > 65535)
		return -TP_ECONFIG;
	mosquitto_lib_init();
	int id = tp_timer_start(self, 0, 0, bench_run, NULL);
	return id < 0 ? id : 0;
}

static const struct tp_actor_ops ops = { .init = bench_init };
TP_ACTOR_MAIN(ops)
