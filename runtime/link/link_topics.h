/* Which topics cross a node link, per peer: the peer's [peer] section says
 *     export_topics = sensors/#, alarms/+     (the peer may subscribe to these)
 *     import_topics = commands/#              (the peer may publish these here)
 * and by default nothing crosses either way.  Also the one daemon message
 * of topics across links, troupe.Interest (docs/WIRE.md), decoded and
 * checked here, apart from the daemon, so that the link fuzzer reaches it.
 * Pure: no I/O, no state. */
#ifndef TROUPE_LINK_TOPICS_H
#define TROUPE_LINK_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "troupe/topic.h"

#define TP_LINK_TOPICS_MAX 8        /* filters in one export_topics or import_topics */

struct tp_link_topics {
	unsigned n;
	char f[TP_LINK_TOPICS_MAX][TP_TOPIC_MAX + 1];
};

/* Parses a rule value: MQTT filters separated by commas and/or blanks; an
 * empty value allows nothing.  0, or -TP_EINVAL with err saying which
 * filter is wrong and why. */
int tp_link_topics_parse(const char *spec, struct tp_link_topics *out, char *err,
			 size_t errlen);

/* Does topic (a name) match one of the rules? */
bool tp_link_topics_allows(const struct tp_link_topics *r, const char *topic);

/* Does one of the rules cover filter whole: every topic that filter
 * matches, that rule matches too?  (A filter only partly covered is
 * refused: the publishing node would otherwise have to check each message
 * against the rules before it crosses; it does anyway, to be safe.) */
bool tp_link_topics_covers(const struct tp_link_topics *r, const char *filter);

/* One rule: does filter `rule` cover filter `f` whole? */
bool tp_topic_filter_covers(const char *rule, const char *f);

/* A troupe.Interest, as decoded and checked. */
struct tp_link_interest {
	char filter[TP_TOPIC_MAX + 1];   /* "" with reset alone */
	bool withdraw;
	bool reset;
};

/* Decodes the payload of a troupe.Interest (len bytes) and checks it: a
 * valid filter (unless it is a reset with no filter).  0, -TP_EDECODE,
 * -TP_EINVAL. */
int tp_link_interest_decode(const uint8_t *payload, size_t len, struct tp_link_interest *out);

#endif
