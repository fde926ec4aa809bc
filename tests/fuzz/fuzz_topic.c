/* Topic names and filters (runtime/lib/topic.c) on any bytes: the input is
 * a filter, a NUL, then a name.  Properties: nothing is read past either
 * string's NUL or TP_TOPIC_MAX + 1 bytes (ASan); tp_topic_match agrees with
 * a plain recursive matcher written from MQTT's rules; an invalid filter
 * or name never matches; a valid name is a valid filter that matches
 * itself, and '#' matches every valid name. */
#include <stdbool.h>
#include <string.h>
#include "fuzz.h"
#include "troupe/topic.h"

/* MQTT 3.1.1 4.7, level by level, on checked strings: '+' one level, a
 * last '#' this level and everything below it, including nothing. */
static bool ref_match(const char *f, const char *t)
{
	size_t fl = strcspn(f, "/"), tl = strcspn(t, "/");
	if (fl == 1 && f[0] == '#')
		return true;
	if (!(fl == 1 && f[0] == '+') && (fl != tl || memcmp(f, t, fl) != 0))
		return false;
	bool fend = f[fl] == '\0', tend = t[tl] == '\0';
	if (fend || tend) {
		if (fend && tend)
			return true;
		return tend && strcmp(f + fl, "/#") == 0;
	}
	return ref_match(f + fl + 1, t + tl + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Two strings of at most 2 × TP_TOPIC_MAX bytes, NUL-terminated: also
	 * longer than any valid one, to check the length limit. */
	char filter[2 * TP_TOPIC_MAX + 2] = "", name[2 * TP_TOPIC_MAX + 2] = "";
	const uint8_t *nul = memchr(data, 0, size);
	size_t fl = nul ? (size_t)(nul - data) : size;
	size_t nl = nul ? size - fl - 1 : 0;
	if (fl >= sizeof filter || nl >= sizeof name)
		return 0;
	memcpy(filter, data, fl);
	if (nul)
		memcpy(name, nul + 1, nl);
	bool fok = tp_topic_filter_check(filter) == 0, nok = tp_topic_name_check(name) == 0;
	bool m = tp_topic_match(filter, name);
	if (!fok || !nok) {
		FUZZ_CHECK(!m);
		return 0;
	}
	FUZZ_CHECK(strlen(filter) <= TP_TOPIC_MAX && strlen(name) <= TP_TOPIC_MAX);
	FUZZ_CHECK(m == ref_match(filter, name));
	FUZZ_CHECK(tp_topic_filter_check(name) == 0 && tp_topic_match(name, name));
	FUZZ_CHECK(tp_topic_match("#", name));
	return 0;
}
