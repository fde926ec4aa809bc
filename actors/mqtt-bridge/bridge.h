/* The MQTT bridge's parts and what they share: its configuration
 * (conf.c), the topic mappings (map.c), the connection to the broker
 * (conn.c) and the actor (mqtt-bridge.c).  docs/FLEETS.md describes the
 * bridge and what it promises. */
#ifndef MQTT_BRIDGE_H
#define MQTT_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <troupe/troupe.h>
#include "pbtext.h"
#include "spool.h"

#define BRIDGE_MAPS_MAX 16
#define BRIDGE_STR_MAX 256

enum map_dir { MAP_OUT = 1, MAP_IN = 2, MAP_BOTH = 3 };

/* One `topic PATTERN DIR QOS LOCAL_PREFIX REMOTE_PREFIX` line, as
 * mosquitto's bridge reads it: the local topic is LOCAL_PREFIX+PATTERN's
 * match, the broker's REMOTE_PREFIX+the same. */
struct bridge_map {
	char pattern[TP_TOPIC_MAX + 1];
	enum map_dir dir;
	int qos;
	char local[TP_TOPIC_MAX + 1];    /* prefix */
	char remote[TP_TOPIC_MAX + 1];   /* prefix */
	char local_filter[TP_TOPIC_MAX + 1];    /* local + pattern */
	char remote_filter[2 * TP_TOPIC_MAX + 2];
	int line;
	/* `json [TYPE]` after the prefixes: payloads on the broker are JSON
	 * (troupectl's codec, runtime/ctl/pbtext.h).  type: the message the
	 * in direction makes of them (needed for in and both); for out, when
	 * given, the only type sent. */
	bool json;
	const struct mt_msg *type;
};

struct bridge_conf {
	char host[BRIDGE_STR_MAX];
	int port;
	char clientid[BRIDGE_STR_MAX];
	int keepalive;              /* seconds */
	bool clean_session;
	char username[BRIDGE_STR_MAX], password[BRIDGE_STR_MAX];
	char cafile[BRIDGE_STR_MAX], capath[BRIDGE_STR_MAX];
	char certfile[BRIDGE_STR_MAX], keyfile[BRIDGE_STR_MAX];
	char psk[BRIDGE_STR_MAX], identity[BRIDGE_STR_MAX];
	bool insecure;
	char tls_version[32];
	char status_topic[BRIDGE_STR_MAX];   /* "" : none */
	unsigned backoff_base_ms, backoff_cap_ms;   /* restart_timeout */
	unsigned spool_depth;
	enum spool_policy spool_policy;
	char spool_dir[BRIDGE_STR_MAX];   /* "" : memory only */
	bool spool_fsync;
	unsigned max_inflight;
	uint32_t in_type;           /* type of broker messages without one; 0: none */
	unsigned stats_interval;    /* seconds between counter lines; 0: at stop only */
	struct bridge_map map[BRIDGE_MAPS_MAX];
	unsigned n_map;
};

/* Reads the configuration file path into c (defaults first).  Errors
 * are printed to stderr with path:line; returns 0 or -TP_ECONFIG. */
int bridge_conf_load(struct bridge_conf *c, const char *path, const char *node,
		     const char *actor);

/* The broker's topic for a local one that matches an out mapping, and
 * the reverse; the mapping, or NULL when none matches or the result is
 * too long. */
const struct bridge_map *bridge_map_out(const struct bridge_conf *c, const char *local,
					char *remote, size_t n);
const struct bridge_map *bridge_map_in(const struct bridge_conf *c, const char *remote,
				       char *local, size_t n);

struct bridge_counters {
	uint64_t published;   /* acknowledged by the broker (QoS 0: handed over) */
	uint64_t received;    /* from the broker, published on the node */
	uint64_t spooled;     /* entered the spool while the broker was away */
	uint64_t dropped;     /* lost: spool full, QoS 0 while away, unmapped type */
	uint64_t reconnects;  /* connections made after the first */
	uint64_t bad_payloads;   /* JSON that did not read as its mapping's type, or a
				    message that would not write as JSON */
};

struct bridge {
	tp_actor *self;
	struct bridge_conf conf;
	struct spool spool;
	struct bridge_counters ctr;
	struct mosquitto *mosq;
	bool connected;       /* CONNACK accepted */
	bool lost;            /* the connection ended inside a callback */
	bool ever_connected;
	int watched_fd;
	unsigned watched_events;
	unsigned attempt;     /* failed attempts since the last connection */
	int retry_timer;
	int tick_timer;
	int64_t last_stats_ns;
	bool refused_logged;
	char tls_err[200];    /* libmosquitto's last error line (OpenSSL's reason) */
	int64_t bad_logged_ns;   /* the last bad payload line: one a second at most */
	uint64_t bad_unlogged;   /* bad payloads since, not said */
};

/* mqtt-bridge.c: the counters into the actor's own (tp_counter_set,
 * shown by troupectl counters -v / -j), and a bad payload counted and
 * said, one line a second at most. */
void bridge_counters_publish(struct bridge *b);
void bridge_bad_payload(struct bridge *b, const char *topic, const char *err);

/* conn.c: the connection, driven from the actor's loop. */
int bridge_conn_init(struct bridge *b);
void bridge_conn_start(struct bridge *b);      /* a connection attempt now */
void bridge_conn_tick(struct bridge *b);       /* keepalive, once a second */
void bridge_conn_pump(struct bridge *b);       /* sends spooled messages */
void bridge_conn_kick(struct bridge *b);       /* the same, outside libmosquitto's callbacks */
int bridge_conn_publish0(struct bridge *b, const char *topic, uint32_t type,
			 const void *payload, size_t len);
void bridge_conn_stop(struct bridge *b);       /* status offline, disconnect */

void bridge_counters_log(struct bridge *b, const char *why);

#endif
