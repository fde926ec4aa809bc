/* Topic names and filters (runtime/lib/topic.c): what is valid, and MQTT's
 * matching rules, case by case, with the MQTT 3.1.1 spec's examples. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "troupe/topic.h"

static void names(void **state)
{
	(void)state;
	static const char *const good[] = {
		"a", "sensors/kitchen/temp", "/", "a//b", "/a", "a/", "$SYS/x", "a-b_c.d:e",
	};
	static const char *const bad[] = {
		"", "a+", "a/+", "#", "a/#", "a b", "a\tb", "a\nb", "\x7f", "caf\xc3\xa9",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (tp_topic_name_check(good[i]))
			fail_msg("name '%s' refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (tp_topic_name_check(bad[i]) != -TP_EINVAL)
			fail_msg("name '%s' accepted", bad[i]);
	assert_int_equal(tp_topic_name_check(NULL), -TP_EINVAL);
	char longest[TP_TOPIC_MAX + 2];
	memset(longest, 'x', sizeof longest);
	longest[TP_TOPIC_MAX] = '\0';
	assert_int_equal(tp_topic_name_check(longest), 0);
	longest[TP_TOPIC_MAX] = 'x';
	longest[TP_TOPIC_MAX + 1] = '\0';
	assert_int_equal(tp_topic_name_check(longest), -TP_EINVAL);
	assert_int_equal(tp_topic_filter_check(longest), -TP_EINVAL);
}

static void filters(void **state)
{
	(void)state;
	static const char *const good[] = {
		"#", "+", "+/+", "/+", "+/", "a/#", "a/+/b", "+/#", "a//+", "sensors/+/temp",
	};
	static const char *const bad[] = {
		"", "a#", "a/#/b", "#/", "a+", "+a", "a/b+", "++", "##", "a/ b", "a/#x",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		if (tp_topic_filter_check(good[i]))
			fail_msg("filter '%s' refused", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		if (tp_topic_filter_check(bad[i]) != -TP_EINVAL)
			fail_msg("filter '%s' accepted", bad[i]);
	assert_int_equal(tp_topic_filter_check(NULL), -TP_EINVAL);
}

struct mcase { const char *filter, *name; bool match; };

static void matching(void **state)
{
	(void)state;
	static const struct mcase cases[] = {
		/* MQTT 3.1.1, 4.7.1.2 and 4.7.1.3. */
		{ "sport/tennis/player1/#", "sport/tennis/player1", true },
		{ "sport/tennis/player1/#", "sport/tennis/player1/ranking", true },
		{ "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true },
		{ "sport/#", "sport", true },
		{ "sport/tennis/+", "sport/tennis/player1", true },
		{ "sport/tennis/+", "sport/tennis/player2", true },
		{ "sport/tennis/+", "sport/tennis/player1/ranking", false },
		{ "sport/+", "sport", false },
		{ "sport/+", "sport/", true },
		{ "+/+", "/finance", true },
		{ "/+", "/finance", true },
		{ "+", "/finance", false },
		/* Ours. */
		{ "#", "a", true },
		{ "#", "a/b/c", true },
		{ "#", "/", true },
		{ "sensors/+/temp", "sensors/kitchen/temp", true },
		{ "sensors/+/temp", "sensors/kitchen/humidity", false },
		{ "sensors/+/temp", "sensors/temp", false },
		{ "sensors/+/temp", "sensors/a/b/temp", false },
		{ "sensors/#", "sensors/kitchen/temp", true },
		{ "sensors/#", "sensorsx", false },
		{ "sensors/#", "sensor", false },
		{ "a/b", "a/b", true },
		{ "a/b", "a/bc", false },
		{ "a/b", "a/b/", false },
		{ "a/bc", "a/b", false },
		{ "a//b", "a//b", true },
		{ "a/+/b", "a//b", true },
		{ "+/#", "a", true },
		{ "+/#", "a/b/c", true },
		{ "a/+/#", "a", false },
		{ "a/+/#", "a/x", true },
		/* Invalid either side: never a match. */
		{ "a/#/b", "a/x/b", false },
		{ "a+", "a+", false },
		{ "#", "a/#", false },
		{ "+", "+", false },
		{ "", "", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (tp_topic_match(cases[i].filter, cases[i].name) != cases[i].match)
			fail_msg("'%s' against '%s': expected %s", cases[i].filter,
				 cases[i].name, cases[i].match ? "a match" : "no match");
	assert_false(tp_topic_match(NULL, "a"));
	assert_false(tp_topic_match("a", NULL));
}

/* A topic matches itself as a filter, always. */
static void self_match(void **state)
{
	(void)state;
	static const char *const n[] = { "a", "/", "a//b", "x/y/z", "/a/" };
	for (size_t i = 0; i < sizeof n / sizeof *n; i++)
		if (!tp_topic_match(n[i], n[i]))
			fail_msg("'%s' does not match itself", n[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(filters),
		cmocka_unit_test(matching),
		cmocka_unit_test(self_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
