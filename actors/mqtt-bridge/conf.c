/* The bridge's configuration file: one directive per line, in the words
 * of mosquitto's own bridge where it has one (address, remote_clientid,
 * keepalive_interval, cleansession, remote_username, remote_password,
 * bridge_cafile..., notification_topic, restart_timeout, topic), so that
 * a mosquitto user reads it without a manual; the spool's words are
 * Troupe's.  `#` starts a comment; "" is an empty word, as in
 * mosquitto.conf's `topic # both 0 "" remote/`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bridge.h"

#define WORDS_MAX 9

/* Splits line into words; a word in double quotes may be empty or hold
 * blanks.  Returns the count, or -1 for an unclosed quote. */
static int conf_split(char *line, char **w)
{
	int n = 0;
	char *p = line;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#' || n == WORDS_MAX)
			return n;
		if (*p == '"') {
			char *end = strchr(p + 1, '"');
			if (!end)
				return -1;
			*end = '\0';
			w[n++] = p + 1;
			p = end + 1;
			continue;
		}
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
}

static int conf_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

static int conf_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long x = strtoul(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return -1;
	*out = (unsigned)x;
	return 0;
}

/* Seconds, fractions allowed (restart_timeout 0.5 10), to milliseconds. */
static int conf_secs_ms(const char *v, unsigned *out)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || *end || !(x >= 0.01 && x <= 86400))
		return -1;
	*out = (unsigned)(x * 1000 + 0.5);
	return 0;
}

static int conf_str(char *dst, const char *v)
{
	if (strlen(v) >= BRIDGE_STR_MAX)
		return -1;
	strcpy(dst, v);
	return 0;
}

/* `topic PATTERN [DIR [QOS [LOCAL_PREFIX REMOTE_PREFIX [json [TYPE]]]]]`,
 * mosquitto's defaults: out, QoS 0, no prefixes; then Troupe's payload
 * format: the nanopb bytes, or JSON. */
static const char *conf_topic(struct bridge_conf *c, char **w, int n, int line)
{
	static char why[300];
	if (n < 2 || n == 5 || n > 8)
		return "topic PATTERN [in|out|both [QOS [LOCAL_PREFIX REMOTE_PREFIX [json [TYPE]]]]]";
	if (c->n_map == BRIDGE_MAPS_MAX)
		return "too many topic lines (16 at most)";
	struct bridge_map *m = &c->map[c->n_map];
	memset(m, 0, sizeof *m);
	m->dir = MAP_OUT;
	m->line = line;
	if (n >= 3) {
		if (!strcmp(w[2], "out"))
			m->dir = MAP_OUT;
		else if (!strcmp(w[2], "in"))
			m->dir = MAP_IN;
		else if (!strcmp(w[2], "both"))
			m->dir = MAP_BOTH;
		else
			return "direction must be in, out or both";
	}
	unsigned qos = 0;
	if (n >= 4 && conf_uint(w[3], 0, 2, &qos))
		return "QoS must be 0, 1 or 2";
	m->qos = (int)qos;
	const char *lp = n >= 6 ? w[4] : "", *rp = n >= 6 ? w[5] : "";
	if (strlen(w[1]) + strlen(lp) > TP_TOPIC_MAX || strlen(w[1]) + strlen(rp) > TP_TOPIC_MAX)
		return "pattern and prefix longer than a topic (127 bytes)";
	strcpy(m->pattern, w[1]);
	strcpy(m->local, lp);
	strcpy(m->remote, rp);
	snprintf(m->local_filter, sizeof m->local_filter, "%s%s", lp, w[1]);
	snprintf(m->remote_filter, sizeof m->remote_filter, "%s%s", rp, w[1]);
	if (tp_topic_filter_check(m->local_filter) != 0)
		return "LOCAL_PREFIX+PATTERN is not a topic filter";
	if (tp_topic_filter_check(m->remote_filter) != 0)
		return "REMOTE_PREFIX+PATTERN is not a topic filter";
	if (n >= 7) {
		if (strcmp(w[6], "json"))
			return "the payload format after the prefixes must be json (or none: nanopb)";
		m->json = true;
		if (n == 8) {
			m->type = pbt_find(w[7]);
			if (!m->type || !m->type->msgid) {
				snprintf(why, sizeof why, "unknown message type '%s' (the bridge knows "
					 "the types with a msgid in the runtime's message table: "
					 "troupectl types)", w[7]);
				return why;
			}
		} else if (m->dir & MAP_IN) {
			return "json in or both needs the message TYPE that broker messages are "
			       "read as (topic ... json demo.Reading)";
		}
	}
	c->n_map++;
	return NULL;
}

/* One directive; NULL when it is good, else what is wrong. */
static const char *conf_line(struct bridge_conf *c, char **w, int n, int line)
{
	const char *k = w[0], *v = n > 1 ? w[1] : "";
	if (!strcmp(k, "topic"))
		return conf_topic(c, w, n, line);
	if (!strcmp(k, "restart_timeout")) {
		if (n < 2 || n > 3 || conf_secs_ms(w[1], &c->backoff_base_ms) ||
		    (n == 3 && conf_secs_ms(w[2], &c->backoff_cap_ms)))
			return "restart_timeout BASE [CAP] (seconds)";
		if (n == 2)
			c->backoff_cap_ms = c->backoff_base_ms;
		if (c->backoff_cap_ms < c->backoff_base_ms)
			return "restart_timeout: CAP below BASE";
		return NULL;
	}
	if (n != 2)
		return "one value expected";
	if (!strcmp(k, "address")) {
		char *colon = strrchr(w[1], ':');
		unsigned port = 1883;
		if (colon) {
			*colon = '\0';
			if (conf_uint(colon + 1, 1, 65535, &port))
				return "address HOST[:PORT]";
		}
		c->port = (int)port;
		return conf_str(c->host, w[1]) ? "host too long" : NULL;
	}
	struct { const char *key; char *dst; } strs[] = {
		{ "remote_clientid", c->clientid }, { "clientid", c->clientid },
		{ "remote_username", c->username }, { "remote_password", c->password },
		{ "bridge_cafile", c->cafile }, { "bridge_capath", c->capath },
		{ "bridge_certfile", c->certfile }, { "bridge_keyfile", c->keyfile },
		{ "bridge_psk", c->psk }, { "bridge_identity", c->identity },
		{ "notification_topic", c->status_topic }, { "spool_dir", c->spool_dir },
	};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (!strcmp(k, strs[i].key))
			return conf_str(strs[i].dst, v) ? "value too long" : NULL;
	if (!strcmp(k, "bridge_tls_version")) {
		if (strlen(v) >= sizeof c->tls_version)
			return "tlsv1.2 or tlsv1.3";
		strcpy(c->tls_version, v);
		return NULL;
	}
	struct { const char *key; bool *dst; } bools[] = {
		{ "cleansession", &c->clean_session }, { "bridge_insecure", &c->insecure },
		{ "spool_fsync", &c->spool_fsync },
	};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		if (!strcmp(k, bools[i].key))
			return conf_bool(v, bools[i].dst) ? "true or false" : NULL;
	if (!strcmp(k, "notifications")) {
		bool on;
		if (conf_bool(v, &on))
			return "true or false";
		if (!on)
			c->status_topic[0] = '\0';
		return NULL;
	}
	unsigned x;
	if (!strcmp(k, "keepalive_interval")) {
		if (conf_uint(v, 5, 65535, &x))
			return "5..65535 seconds";
		c->keepalive = (int)x;
		return NULL;
	}
	if (!strcmp(k, "spool_depth"))
		return conf_uint(v, 1, 100000, &c->spool_depth) ? "1..100000" : NULL;
	if (!strcmp(k, "max_inflight_messages"))
		return conf_uint(v, 1, 65535, &c->max_inflight) ? "1..65535" : NULL;
	if (!strcmp(k, "stats_interval"))
		return conf_uint(v, 0, 86400, &c->stats_interval) ? "0..86400 seconds" : NULL;
	if (!strcmp(k, "in_type")) {
		if (conf_uint(v, 1, 0x7fffffff, &x))
			return "a message type id (the .options msgid)";
		c->in_type = x;
		return NULL;
	}
	if (!strcmp(k, "spool_policy")) {
		if (!strcmp(v, "drop_oldest"))
			c->spool_policy = SPOOL_DROP_OLDEST;
		else if (!strcmp(v, "drop_newest"))
			c->spool_policy = SPOOL_DROP_NEWEST;
		else
			return "drop_oldest or drop_newest";
		return NULL;
	}
	return "unknown directive";
}

int bridge_conf_load(struct bridge_conf *c, const char *path, const char *node,
		     const char *actor)
{
	memset(c, 0, sizeof *c);
	strcpy(c->host, "127.0.0.1");
	c->port = 1883;
	snprintf(c->clientid, sizeof c->clientid, "troupe-%s-%s", node, actor);
	c->keepalive = 60;
	c->clean_session = true;
	snprintf(c->status_topic, sizeof c->status_topic, "troupe/%s/%s/status", node, actor);
	c->backoff_base_ms = 1000;
	c->backoff_cap_ms = 30000;
	c->spool_depth = 1000;
	c->spool_policy = SPOOL_DROP_OLDEST;
	c->max_inflight = 20;
	c->stats_interval = 60;

	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -TP_ECONFIG;
	}
	char buf[1024], *w[WORDS_MAX];
	int line = 0, bad = 0;
	while (fgets(buf, sizeof buf, f)) {
		line++;
		int n = conf_split(buf, w);
		const char *err = n < 0 ? "unclosed quote" : n == 0 ? NULL : conf_line(c, w, n, line);
		if (err) {
			fprintf(stderr, "%s:%d: %s: %s\n", path, line, n > 0 ? w[0] : "", err);
			bad++;
		}
	}
	fclose(f);
	if (c->n_map == 0) {
		fprintf(stderr, "%s: no topic line: nothing to bridge\n", path);
		bad++;
	}
	if ((c->certfile[0] != 0) != (c->keyfile[0] != 0)) {
		fprintf(stderr, "%s: bridge_certfile and bridge_keyfile go together\n", path);
		bad++;
	}
	if (c->psk[0] && !c->identity[0]) {
		fprintf(stderr, "%s: bridge_psk needs bridge_identity\n", path);
		bad++;
	}
	return bad ? -TP_ECONFIG : 0;
}
