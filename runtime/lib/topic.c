/* Topic names and filters: checking and matching, MQTT's rules (see
 * troupe/topic.h).  Pure: no I/O, no allocation, every read bounded by
 * TP_TOPIC_MAX + 1, so that it can be fuzzed (tests/fuzz/fuzz_topic.c). */
#include <string.h>
#include "troupe/error.h"
#include "troupe/topic.h"
#include "topic-internal.h"

/* A byte a level may hold.  No blanks or control bytes: topics appear in
 * logs and in troupectl's output, one per line. */
static bool topic_byte_ok(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '+' && c != '#';
}

/* Length of s if it is 1..TP_TOPIC_MAX bytes, else 0. */
static size_t topic_len(const char *s)
{
	if (!s)
		return 0;
	size_t n = strnlen(s, TP_TOPIC_MAX + 1);
	return n > TP_TOPIC_MAX ? 0 : n;
}

int tp_topic_name_check(const char *name)
{
	size_t n = topic_len(name);
	if (n == 0)
		return -TP_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (name[i] != '/' && !topic_byte_ok((unsigned char)name[i]))
			return -TP_EINVAL;
	return 0;
}

int tp_topic_filter_check(const char *filter)
{
	size_t n = topic_len(filter);
	if (n == 0)
		return -TP_EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = filter[i];
		bool starts = i == 0 || filter[i - 1] == '/';
		bool ends = i + 1 == n || filter[i + 1] == '/';
		if (c == '/')
			continue;
		if (c == '+' && starts && ends)
			continue;
		if (c == '#' && starts && i + 1 == n)
			continue;
		if (!topic_byte_ok((unsigned char)c))
			return -TP_EINVAL;
	}
	return 0;
}

/* Matching on checked strings, level by level. */
bool tp_topic_match_checked(const char *f, const char *t)
{
	for (;;) {
		if (f[0] == '#')
			return true;                 /* the rest, whatever it is */
		size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");
		if (!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0))
			return false;
		f += fl;
		t += tl;
		if (*f == '\0' || *t == '\0') {
			/* "a/#" matches "a": the filter's last level is '#'. */
			if (*t == '\0' && f[0] == '/' && f[1] == '#' && f[2] == '\0')
				return true;
			return *f == '\0' && *t == '\0';
		}
		f++;                                 /* both at '/' */
		t++;
	}
}

bool tp_topic_match(const char *filter, const char *name)
{
	if (tp_topic_filter_check(filter) || tp_topic_name_check(name))
		return false;
	return tp_topic_match_checked(filter, name);
}
