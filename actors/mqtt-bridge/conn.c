/* The bridge's connection to the broker, driven from the actor's own loop
 * with no thread of libmosquitto's: the socket is watched with
 * tp_fd_watch (for writing only while libmosquitto has bytes queued),
 * mosquitto_loop_read / loop_write run when it is ready and loop_misc
 * (keepalive) once a second from a timer.  Each connection is a fresh
 * libmosquitto instance: its own queue of messages in flight dies with
 * the connection, so the spool alone decides what is sent again, once
 * and in order.  Reconnection waits an exponential backoff with jitter
 * (restart_timeout BASE CAP). */
#include <errno.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "bridge.h"

/* The user property that carries the Troupe message type (MQTT v5). */
#define TYPE_PROP "troupe-type"

static void conn_fd_ready(tp_actor *self, void *state, int fd, unsigned events, void *arg);
static void conn_after(struct bridge *b, int rc);

/* Watches the socket for what libmosquitto needs now. */
static void conn_watch(struct bridge *b)
{
	int fd = b->mosq ? mosquitto_socket(b->mosq) : -1;
	unsigned ev = TP_FD_READ | (fd >= 0 && mosquitto_want_write(b->mosq) ? TP_FD_WRITE : 0);
	if (fd == b->watched_fd && (fd < 0 || ev == b->watched_events))
		return;
	if (b->watched_fd >= 0)
		tp_fd_unwatch(b->self, b->watched_fd);
	b->watched_fd = -1;
	if (fd < 0)
		return;
	int rc = tp_fd_watch(b->self, fd, ev, conn_fd_ready, b);
	if (rc == 0) {
		b->watched_fd = fd;
		b->watched_events = ev;
	} else {
		/* Unwatched, the connection would hang until its keepalive:
		 * end it now and try again. */
		printf("cannot watch the broker's socket: %s\n", tp_strerror(rc));
		b->lost = true;
	}
}

/* The delay before attempt number n (0 first): BASE doubled per failed
 * attempt up to CAP, then a random point of its upper half, so that
 * bridges that lost one broker together do not come back together. */
static unsigned conn_backoff_ms(const struct bridge_conf *c, unsigned n)
{
	uint64_t d = c->backoff_base_ms;
	for (unsigned i = 0; i < n && d < c->backoff_cap_ms; i++)
		d *= 2;
	if (d > c->backoff_cap_ms)
		d = c->backoff_cap_ms;
	uint32_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
		r = (uint32_t)tp_now_ns();
	return (unsigned)(d / 2 + (d - d / 2) * (r % 1001) / 1000);
}

static void conn_retry_fired(tp_actor *self, void *state, void *arg)
{
	(void)self;
	(void)arg;
	struct bridge *b = state;
	b->retry_timer = -1;
	bridge_conn_start(b);
}

/* Ends the connection (if any) and schedules the next attempt. */
static void conn_teardown(struct bridge *b, const char *why)
{
	if (b->mosq) {
		if (b->watched_fd >= 0)
			tp_fd_unwatch(b->self, b->watched_fd);
		b->watched_fd = -1;
		mosquitto_destroy(b->mosq);
		b->mosq = NULL;
	}
	if (b->connected)
		printf("broker %s:%d lost: %s; spooling\n", b->conf.host, b->conf.port, why);
	else if (b->tls_err[0] && !b->refused_logged) {
		/* A handshake that failed (a CA that does not sign the broker's
		 * certificate, a wrong PSK): said once per run of failures. */
		printf("broker %s:%d: the TLS handshake failed: %s (%s; check bridge_cafile, "
		       "bridge_certfile, bridge_keyfile, bridge_psk and bridge_identity); "
		       "retrying with backoff\n", b->conf.host, b->conf.port, b->tls_err, why);
		b->refused_logged = true;
	}
	b->tls_err[0] = '\0';
	b->connected = false;
	b->lost = false;
	spool_reset_inflight(&b->spool);
	unsigned ms = conn_backoff_ms(&b->conf, b->attempt++);
	if (b->retry_timer < 0)
		b->retry_timer = tp_timer_start(b->self, ms, 0, conn_retry_fired, NULL);
}

/* libmosquitto's error lines (OpenSSL's reasons for a failed handshake):
 * the first of an attempt is kept for the line that says why it failed. */
static void on_log(struct mosquitto *m, void *obj, int level, const char *str)
{
	(void)m;
	struct bridge *b = obj;
	if ((level & MOSQ_LOG_ERR) && !b->tls_err[0])   /* the first: the cause */
		snprintf(b->tls_err, sizeof b->tls_err, "%s", str);
}

static mosquitto_property *conn_type_prop(uint32_t type)
{
	mosquitto_property *p = NULL;
	char v[16];
	snprintf(v, sizeof v, "%u", (unsigned)type);
	mosquitto_property_add_string_pair(&p, MQTT_PROP_USER_PROPERTY, TYPE_PROP, v);
	return p;
}

void bridge_conn_pump(struct bridge *b)
{
	if (!b->connected)
		return;
	unsigned inflight = 0;
	for (unsigned i = 0; i < b->spool.n && inflight < b->conf.max_inflight; i++) {
		struct spool_entry *e = spool_at(&b->spool, i);
		if (e->acked)
			continue;
		inflight++;
		if (e->mid)
			continue;
		mosquitto_property *p = conn_type_prop(e->type);
		int rc = mosquitto_publish_v5(b->mosq, &e->mid, e->topic, e->len, e->payload,
					      e->qos, false, p);
		mosquitto_property_free_all(&p);
		if (rc != MOSQ_ERR_SUCCESS) {
			e->mid = 0;
			b->lost = true;
			break;
		}
	}
	conn_watch(b);
}

int bridge_conn_publish0(struct bridge *b, const char *topic, uint32_t type,
			 const void *payload, size_t len)
{
	if (!b->connected)
		return -1;
	mosquitto_property *p = conn_type_prop(type);
	int rc = mosquitto_publish_v5(b->mosq, NULL, topic, (int)len, payload, 0, false, p);
	mosquitto_property_free_all(&p);
	conn_after(b, rc);
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

static void on_connect(struct mosquitto *m, void *obj, int rc, int flags,
		       const mosquitto_property *props)
{
	(void)flags;
	(void)props;
	struct bridge *b = obj;
	if (rc != 0) {
		/* Said once per run of refusals: the cause is in the broker's
		 * configuration or ours, and a retry every CAP would flood the log. */
		if (!b->refused_logged)
			printf("broker %s:%d refused the connection: %s (check remote_username, "
			       "remote_password and the TLS settings); retrying with backoff\n",
			       b->conf.host, b->conf.port, mosquitto_reason_string(rc));
		b->refused_logged = true;
		b->lost = true;
		return;
	}
	b->connected = true;
	b->refused_logged = false;
	b->tls_err[0] = '\0';
	b->attempt = 0;
	if (b->ever_connected)
		b->ctr.reconnects++;
	b->ever_connected = true;
	printf("connected to broker %s:%d as %s, %u spooled to send\n", b->conf.host,
	       b->conf.port, b->conf.clientid, b->spool.n);
	if (b->conf.status_topic[0])
		mosquitto_publish(m, NULL, b->conf.status_topic, 6, "online", 1, true);
	for (unsigned i = 0; i < b->conf.n_map; i++) {
		const struct bridge_map *mp = &b->conf.map[i];
		if (!(mp->dir & MAP_IN))
			continue;
		/* No-local: what the bridge publishes never comes back to it
		 * (a `both` line would otherwise loop). */
		mosquitto_subscribe_v5(m, NULL, mp->remote_filter, mp->qos,
				       MQTT_SUB_OPT_NO_LOCAL, NULL);
	}
	bridge_conn_pump(b);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc, const mosquitto_property *p)
{
	(void)m;
	(void)rc;
	(void)p;
	struct bridge *b = obj;
	b->lost = true;
}

static void on_publish(struct mosquitto *m, void *obj, int mid, int reason,
		       const mosquitto_property *p)
{
	(void)m;
	(void)p;
	struct bridge *b = obj;
	/* A refusal (reason >= 128, v5) is an answer too: sending it again
	 * would be refused again. */
	if (spool_ack(&b->spool, mid)) {
		if (reason < 128)
			b->ctr.published++;
		else
			b->ctr.dropped++;
	}
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg,
		       const mosquitto_property *props)
{
	(void)m;
	struct bridge *b = obj;
	char local[TP_TOPIC_MAX + 1];
	const struct bridge_map *map = bridge_map_in(&b->conf, msg->topic, local, sizeof local);
	uint32_t type = b->conf.in_type;
	char *name = NULL, *value = NULL;
	const mosquitto_property *p = props;
	for (bool skip = false; (p = mosquitto_property_read_string_pair(p, MQTT_PROP_USER_PROPERTY,
				 &name, &value, skip)); skip = true) {
		if (!strcmp(name, TYPE_PROP))
			type = (uint32_t)strtoul(value, NULL, 10);
		free(name);
		free(value);
		name = value = NULL;
	}
	const void *payload = msg->payload;
	size_t len = (size_t)msg->payloadlen;
	static uint8_t pb[SPOOL_PAYLOAD_MAX * 4];
	if (map && map->json) {
		/* The mapping's type, whatever the sender says it is. */
		char err[200];
		int n = pbt_encode_json(map->type, msg->payload, len, pb, sizeof pb, err,
					sizeof err);
		if (n < 0) {
			bridge_bad_payload(b, msg->topic, err);
			return;
		}
		type = map->type->msgid;
		payload = pb;
		len = (size_t)n;
	}
	if (!map || type == 0 || tp_publish_bytes(b->self, local, type, payload, len) != 0) {
		b->ctr.dropped++;
		return;
	}
	b->ctr.received++;
}

/* After every call into libmosquitto: a connection that ended inside it
 * (or whose socket cannot be watched) is torn down here, outside its
 * callbacks, where destroying the instance is allowed. */
static void conn_after(struct bridge *b, int rc)
{
	if (rc != MOSQ_ERR_SUCCESS)
		b->lost = true;
	if (!b->lost)
		conn_watch(b);
	if (b->lost)
		conn_teardown(b, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
				 rc != MOSQ_ERR_SUCCESS ? mosquitto_strerror(rc) :
				 "the broker closed it");
	/* What the callbacks counted, visible to troupectl at once. */
	bridge_counters_publish(b);
}

static void conn_fd_ready(tp_actor *self, void *state, int fd, unsigned events, void *arg)
{
	(void)self;
	(void)state;
	(void)fd;
	struct bridge *b = arg;
	int rc = MOSQ_ERR_SUCCESS;
	if (events & TP_FD_READ)
		rc = mosquitto_loop_read(b->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && b->mosq && !b->lost && (events & TP_FD_WRITE))
		rc = mosquitto_loop_write(b->mosq, 1);
	/* Acknowledgements free room for more in flight. */
	if (rc == MOSQ_ERR_SUCCESS && !b->lost)
		bridge_conn_pump(b);
	conn_after(b, rc);
}

void bridge_conn_kick(struct bridge *b)
{
	bridge_conn_pump(b);
	if (b->mosq)
		conn_after(b, MOSQ_ERR_SUCCESS);
}

void bridge_conn_tick(struct bridge *b)
{
	if (!b->mosq)
		return;
	conn_after(b, mosquitto_loop_misc(b->mosq));
}

void bridge_conn_start(struct bridge *b)
{
	const struct bridge_conf *c = &b->conf;
	b->mosq = mosquitto_new(c->clientid, c->clean_session, b);
	if (!b->mosq) {
		conn_teardown(b, strerror(errno));
		return;
	}
	struct mosquitto *m = b->mosq;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(m, on_connect);
	mosquitto_disconnect_v5_callback_set(m, on_disconnect);
	mosquitto_publish_v5_callback_set(m, on_publish);
	mosquitto_message_v5_callback_set(m, on_message);
	mosquitto_log_callback_set(m, on_log);
	int rc = MOSQ_ERR_SUCCESS;
	if (c->status_topic[0])
		rc = mosquitto_will_set(m, c->status_topic, 7, "offline", 1, true);
	if (rc == MOSQ_ERR_SUCCESS && c->username[0])
		rc = mosquitto_username_pw_set(m, c->username, c->password[0] ? c->password : NULL);
	if (rc == MOSQ_ERR_SUCCESS && (c->cafile[0] || c->capath[0]))
		rc = mosquitto_tls_set(m, c->cafile[0] ? c->cafile : NULL,
				       c->capath[0] ? c->capath : NULL,
				       c->certfile[0] ? c->certfile : NULL,
				       c->keyfile[0] ? c->keyfile : NULL, NULL);
	if (rc == MOSQ_ERR_SUCCESS && c->psk[0])
		rc = mosquitto_tls_psk_set(m, c->psk, c->identity, NULL);
	if (rc == MOSQ_ERR_SUCCESS && c->tls_version[0])
		rc = mosquitto_tls_opts_set(m, 1, c->tls_version, NULL);
	if (rc == MOSQ_ERR_SUCCESS && c->insecure)
		rc = mosquitto_tls_insecure_set(m, true);
	if (rc != MOSQ_ERR_SUCCESS) {
		printf("cannot set up the connection: %s\n", mosquitto_strerror(rc));
		conn_teardown(b, mosquitto_strerror(rc));
		return;
	}
	/* Not blocking: the TCP connection completes in the loop (the
	 * socket becomes writable); a host name is still resolved here. */
	rc = mosquitto_connect_async(m, c->host, c->port, c->keepalive);
	if (rc != MOSQ_ERR_SUCCESS && b->attempt == 0 && !b->ever_connected)
		printf("broker %s:%d not reachable yet: %s; retrying with backoff\n", c->host,
		       c->port, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	conn_after(b, rc);
}

int bridge_conn_init(struct bridge *b)
{
	b->watched_fd = -1;
	b->retry_timer = -1;
	return mosquitto_lib_init() == MOSQ_ERR_SUCCESS ? 0 : -TP_ESYS;
}

void bridge_conn_stop(struct bridge *b)
{
	if (b->retry_timer >= 0)
		tp_timer_stop(b->self, b->retry_timer);
	b->retry_timer = -1;
	if (b->mosq && b->connected) {
		/* A clean disconnect does not fire the will: say offline
		 * ourselves, then give the socket a bounded moment to carry it. */
		if (b->conf.status_topic[0])
			mosquitto_publish(b->mosq, NULL, b->conf.status_topic, 7, "offline", 1, true);
		mosquitto_disconnect(b->mosq);
		for (int i = 0; i < 10 && mosquitto_want_write(b->mosq); i++)
			if (mosquitto_loop_write(b->mosq, 1) != MOSQ_ERR_SUCCESS)
				break;
	}
	if (b->watched_fd >= 0)
		tp_fd_unwatch(b->self, b->watched_fd);
	b->watched_fd = -1;
	if (b->mosq)
		mosquitto_destroy(b->mosq);
	b->mosq = NULL;
	b->connected = false;
	mosquitto_lib_cleanup();
}
