/* Topics across node links, the pure parts (runtime/link/link_topics.c):
 * export_topics and import_topics values, "does this rule cover that
 * filter whole", the topology keys with their file:line errors, and the
 * troupe.Interest decoder on good, reset and bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "topic.pb.h"
#include "topo.h"
#include "link_topics.h"

static const char *topo_dir(void)
{
	const char *d = getenv("TOPOLOGY_DIR");
	return d && *d ? d : "tests/unit/topologies";
}

static void parse_values(void **state)
{
	(void)state;
	struct tp_link_topics r;
	char err[200];
	assert_int_equal(tp_link_topics_parse(" sensors/# ,alarms/+\tnews", &r, err, sizeof err), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.f[1], "alarms/+");
	assert_true(tp_link_topics_allows(&r, "sensors"));
	assert_true(tp_link_topics_allows(&r, "alarms/fire"));
	assert_false(tp_link_topics_allows(&r, "alarms/fire/x"));
	assert_false(tp_link_topics_allows(&r, "newsx"));
	assert_int_equal(tp_link_topics_parse("", &r, err, sizeof err), 0);
	assert_int_equal(r.n, 0);
	assert_false(tp_link_topics_allows(&r, "anything"));   /* nothing by default */
	assert_int_equal(tp_link_topics_parse("a/#/b", &r, err, sizeof err), -TP_EINVAL);
	assert_non_null(strstr(err, "'a/#/b' is not a valid filter"));
	assert_int_equal(tp_link_topics_parse("a b c d e f g h i", &r, err, sizeof err), -TP_EINVAL);
	assert_non_null(strstr(err, "more than 8 filters"));
	char longf[200];
	memset(longf, 'x', sizeof longf - 1);
	longf[sizeof longf - 1] = '\0';
	assert_int_equal(tp_link_topics_parse(longf, &r, err, sizeof err), -TP_EINVAL);
	assert_non_null(strstr(err, "longer than 127"));
}

static void covers(void **state)
{
	(void)state;
	static const struct { const char *rule, *f; bool want; } t[] = {
		{ "#", "a/b", true }, { "#", "#", true }, { "a/#", "a", true },
		{ "a/#", "a/#", true }, { "a/#", "#", false }, { "a/+", "a", false },
		{ "a/+", "a/", true }, { "a/x", "a/", false }, { "+", "a/b", false },
		{ "a/b", "a/b", true }, { "a/+", "a/#", false }, { "+/+", "a/+", true },
		{ "+/+", "a", false }, { "sensors/#", "sensors/+/temp", true },
		{ "sensors/+/temp", "sensors/#", false },
		{ "sensors/+/temp", "sensors/kitchen/temp", true },
		{ "sensors/kitchen/temp", "sensors/+/temp", false },
		{ "sensors/#", "secret/#", false }, { "/", "/", true }, { "a", "ab", false },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (tp_topic_filter_covers(t[i].rule, t[i].f) != t[i].want)
			fail_msg("rule %s, filter %s: want %d", t[i].rule, t[i].f, t[i].want);
	struct tp_link_topics r;
	char err[200];
	assert_int_equal(tp_link_topics_parse("sensors/#, alarms/+", &r, err, sizeof err), 0);
	assert_true(tp_link_topics_covers(&r, "sensors/+/temp"));
	assert_true(tp_link_topics_covers(&r, "alarms/fire"));
	assert_false(tp_link_topics_covers(&r, "alarms/#"));
	assert_false(tp_link_topics_covers(&r, "#"));
}

static size_t interest(uint8_t *buf, size_t cap, const char *filter, bool withdraw,
		       bool reset)
{
	troupe_Interest m = troupe_Interest_init_zero;
	snprintf(m.filter, sizeof m.filter, "%s", filter);
	m.withdraw = withdraw;
	m.reset = reset;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	assert_true(pb_encode(&os, troupe_Interest_fields, &m));
	return os.bytes_written;
}

static void interest_decode(void **state)
{
	(void)state;
	uint8_t b[256];
	struct tp_link_interest in;
	size_t n = interest(b, sizeof b, "sensors/+/temp", false, false);
	assert_int_equal(tp_link_interest_decode(b, n, &in), 0);
	assert_string_equal(in.filter, "sensors/+/temp");
	assert_false(in.withdraw);
	assert_false(in.reset);
	n = interest(b, sizeof b, "x/#", true, false);
	assert_int_equal(tp_link_interest_decode(b, n, &in), 0);
	assert_true(in.withdraw);
	n = interest(b, sizeof b, "", false, true);
	assert_int_equal(tp_link_interest_decode(b, n, &in), 0);
	assert_true(in.reset);
	assert_string_equal(in.filter, "");
	/* No filter without a reset, a bad filter, a withdraw with reset and
	 * no filter: refused. */
	n = interest(b, sizeof b, "", false, false);
	assert_int_equal(tp_link_interest_decode(b, n, &in), -TP_EINVAL);
	n = interest(b, sizeof b, "a/#/b", false, false);
	assert_int_equal(tp_link_interest_decode(b, n, &in), -TP_EINVAL);
	n = interest(b, sizeof b, "", true, true);
	assert_int_equal(tp_link_interest_decode(b, n, &in), -TP_EINVAL);
	/* A filter longer than the field, and garbage. */
	uint8_t big[200] = { 0x0a, 150 };
	memset(big + 2, 'a', 150);
	assert_int_equal(tp_link_interest_decode(big, 152, &in), -TP_EDECODE);
	static const uint8_t junk[] = { 0xff, 0xff, 0xff };
	assert_int_equal(tp_link_interest_decode(junk, sizeof junk, &in), -TP_EDECODE);
	assert_int_equal(tp_link_interest_decode(NULL, 0, &in), -TP_EINVAL);   /* empty: no filter */
}

static void topology_keys(void **state)
{
	(void)state;
	char path[512], *text = NULL;
	size_t len = 0;
	struct tp_topology *t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(path, sizeof path, "%s/bad-topic-rules.ini", topo_dir());
	FILE *errs = open_memstream(&text, &len);
	int n = tp_topology_load(path, NULL, t, errs);
	fclose(errs);
	assert_true(n >= 2);
	if (!strstr(text, "bad-topic-rules.ini:8: [peer board2]: export_topics: 'sensors/#/x' is not a valid filter") ||
	    !strstr(text, "bad-topic-rules.ini:9: [peer board2]: import_topics: more than 8 filters"))
		fail_msg("unexpected errors:\n%s", text);
	free(text);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_values),
		cmocka_unit_test(covers),
		cmocka_unit_test(interest_decode),
		cmocka_unit_test(topology_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
