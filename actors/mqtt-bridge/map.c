/* Topic mappings, both ways (bridge.h): a topic matching LOCAL_PREFIX +
 * PATTERN goes to the broker as REMOTE_PREFIX + the same rest, and back.
 * The first matching line decides, in file order, as for subscriptions. */
#include <stdio.h>
#include <string.h>
#include "bridge.h"

static const struct bridge_map *map_find(const struct bridge_conf *c, enum map_dir dir,
					 const char *topic, char *out, size_t n)
{
	for (unsigned i = 0; i < c->n_map; i++) {
		const struct bridge_map *m = &c->map[i];
		if (!(m->dir & dir))
			continue;
		const char *filter = dir == MAP_OUT ? m->local_filter : m->remote_filter;
		const char *from = dir == MAP_OUT ? m->local : m->remote;
		const char *to = dir == MAP_OUT ? m->remote : m->local;
		/* tp_topic_match is MQTT's matching; both sides use it. */
		if (!tp_topic_match(filter, topic) || strncmp(topic, from, strlen(from)))
			continue;
		if ((size_t)snprintf(out, n, "%s%s", to, topic + strlen(from)) >= n)
			return NULL;
		return m;
	}
	return NULL;
}

const struct bridge_map *bridge_map_out(const struct bridge_conf *c, const char *local,
					char *remote, size_t n)
{
	return map_find(c, MAP_OUT, local, remote, n);
}

const struct bridge_map *bridge_map_in(const struct bridge_conf *c, const char *remote,
				       char *local, size_t n)
{
	return map_find(c, MAP_IN, remote, local, n);
}
