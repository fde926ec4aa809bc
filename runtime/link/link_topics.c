/* Per-peer topic rules and the Interest message (link_topics.h). */
#include <stdio.h>
#include <string.h>
#include <pb_decode.h>
#include "troupe/error.h"
#include "topic.pb.h"
#include "link_topics.h"

int tp_link_topics_parse(const char *spec, struct tp_link_topics *out, char *err,
			 size_t errlen)
{
	static const char sep[] = ", \t";
	memset(out, 0, sizeof *out);
	for (const char *s = spec + strspn(spec, sep); *s; s += strspn(s, sep)) {
		size_t n = strcspn(s, sep);
		char f[TP_TOPIC_MAX + 1];
		if (n > TP_TOPIC_MAX) {
			snprintf(err, errlen, "'%.20s...' is longer than %d characters", s,
				 TP_TOPIC_MAX);
			return -TP_EINVAL;
		}
		memcpy(f, s, n);
		f[n] = '\0';
		if (tp_topic_filter_check(f)) {
			snprintf(err, errlen, "'%s' is not a valid filter ('+' only as a whole "
				 "level, '#' only as the whole last level)", f);
			return -TP_EINVAL;
		}
		if (out->n == TP_LINK_TOPICS_MAX) {
			snprintf(err, errlen, "more than %d filters (use a wildcard)",
				 TP_LINK_TOPICS_MAX);
			return -TP_EINVAL;
		}
		memcpy(out->f[out->n++], f, n + 1);
		s += n;
	}
	return 0;
}

bool tp_link_topics_allows(const struct tp_link_topics *r, const char *topic)
{
	for (unsigned i = 0; i < r->n; i++)
		if (tp_topic_match(r->f[i], topic))
			return true;
	return false;
}

/* Length of the level that starts at s (up to '/' or the end). */
static size_t level_len(const char *s)
{
	return strcspn(s, "/");
}

bool tp_topic_filter_covers(const char *rule, const char *f)
{
	/* Both are valid filters: '#' only whole and last, '+' only whole.
	 * Each turn r and f point at the start of a level (maybe empty). */
	const char *r = rule;
	for (;;) {
		if (r[0] == '#')
			return true;    /* this level and all below, including nothing */
		if (f[0] == '#')
			return false;   /* f matches any depth here: only '#' covers it */
		size_t rl = level_len(r), fl = level_len(f);
		if (!(rl == 1 && r[0] == '+')) {
			if (fl == 1 && f[0] == '+')
				return false;   /* any level against one literal */
			if (rl != fl || memcmp(r, f, rl) != 0)
				return false;
		}
		bool rmore = r[rl] == '/', fmore = f[fl] == '/';
		r += rl + rmore;
		f += fl + fmore;
		if (!rmore && !fmore)
			return true;
		if (!fmore)   /* f ends here: the rule's rest must match nothing more */
			return strcmp(r, "#") == 0;
		if (!rmore)
			return false;
	}
}

bool tp_link_topics_covers(const struct tp_link_topics *r, const char *filter)
{
	for (unsigned i = 0; i < r->n; i++)
		if (tp_topic_filter_covers(r->f[i], filter))
			return true;
	return false;
}

int tp_link_interest_decode(const uint8_t *payload, size_t len, struct tp_link_interest *out)
{
	troupe_Interest m = troupe_Interest_init_zero;
	pb_istream_t is = pb_istream_from_buffer(payload, len);
	memset(out, 0, sizeof *out);
	if (!pb_decode(&is, troupe_Interest_fields, &m))
		return -TP_EDECODE;
	_Static_assert(sizeof m.filter == sizeof out->filter, "filter sizes");
	m.filter[sizeof m.filter - 1] = '\0';
	if (m.reset && m.filter[0] == '\0' && !m.withdraw) {
		out->reset = true;
		return 0;
	}
	if (tp_topic_filter_check(m.filter))
		return -TP_EINVAL;
	memcpy(out->filter, m.filter, sizeof out->filter);
	out->withdraw = m.withdraw;
	out->reset = m.reset;
	return 0;
}
