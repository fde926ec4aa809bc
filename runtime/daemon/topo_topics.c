/* The topology's topic keys (docs/TOPOLOGY.md, "Topics"): an actor's
 * subscribe value, parsed apart from topo.c so that its grammar has one
 * place.  Pure: no I/O. */
#include <stdio.h>
#include <string.h>
#include "topictab.h"
#include "topo.h"

/* One item: "FILTER" or "FILTER POLICY", blanks around. */
static int subscribe_item(char *item, struct tp_topo_sub *out, char *err, size_t errlen)
{
	char *filter = item + strspn(item, " \t");
	char *end = filter + strcspn(filter, " \t");
	char *policy = end + strspn(end, " \t");
	char *pend = policy + strcspn(policy, " \t");
	if (*end)
		*end = '\0';
	if (*filter == '\0') {
		snprintf(err, errlen, "an empty filter (between two commas, or at an end)");
		return -TP_EINVAL;
	}
	if (pend[strspn(pend, " \t")] != '\0') {
		snprintf(err, errlen, "'%s': one filter and at most one policy per item "
			 "(separate filters with commas)", filter);
		return -TP_EINVAL;
	}
	*pend = '\0';
	if (tp_topic_filter_check(filter)) {
		snprintf(err, errlen, "'%.*s' is not a valid filter (at most %d characters, no "
			 "blanks; '+' only as a whole level, '#' only as the whole last level)",
			 TP_TOPIC_MAX + 1, filter, TP_TOPIC_MAX);
		return -TP_EINVAL;
	}
	out->policy = TP_TOPIC_DROP_OLDEST;
	if (*policy && tp_topic_policy_parse(policy, &out->policy)) {
		snprintf(err, errlen, "'%s': unknown policy '%s' (drop_oldest, drop_newest)",
			 filter, policy);
		return -TP_EINVAL;
	}
	snprintf(out->filter, sizeof out->filter, "%s", filter);
	return 0;
}

int tp_topology_subscribe_parse(const char *val, struct tp_topo_sub *out, unsigned max,
				unsigned *n, char *err, size_t errlen)
{
	char buf[TP_TOPO_STR_MAX];
	if (strlen(val) >= sizeof buf) {
		snprintf(err, errlen, "longer than %zu characters", sizeof buf - 1);
		return -TP_EINVAL;
	}
	strcpy(buf, val);
	*n = 0;
	for (char *item = buf, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (*n == max) {
			snprintf(err, errlen, "more than %u filters", max);
			return -TP_EINVAL;
		}
		int rc = subscribe_item(item, &out[*n], err, errlen);
		if (rc)
			return rc;
		for (unsigned k = 0; k < *n; k++)
			if (strcmp(out[k].filter, out[*n].filter) == 0) {
				snprintf(err, errlen, "'%s' twice", out[k].filter);
				return -TP_EINVAL;
			}
		(*n)++;
	}
	return 0;
}
