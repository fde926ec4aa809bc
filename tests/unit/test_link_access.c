/* Per-actor export rules: parsing of `export` values, the topology key
 * with its file:line errors, and "may this node send to this actor". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "topo.h"
#include "link_access.h"
#include "linkd.h"

static const char *topo_dir(void)
{
	const char *d = getenv("TOPOLOGY_DIR");
	return d && *d ? d : "tests/unit/topologies";
}

static void parse_values(void **state)
{
	(void)state;
	struct tp_link_export e;
	char err[128];
	assert_int_equal(tp_link_export_parse("board1,board2", &e, err, sizeof err), 0);
	assert_int_equal(e.n, 2);
	assert_false(e.any);
	assert_true(tp_link_export_allows(&e, "board2"));
	assert_false(tp_link_export_allows(&e, "board3"));
	assert_false(tp_link_export_allows(&e, "board"));
	assert_int_equal(tp_link_export_parse(" board1 ,\tboard2  board3 ", &e, err, sizeof err), 0);
	assert_int_equal(e.n, 3);
	assert_string_equal(e.nodes[2], "board3");
	assert_int_equal(tp_link_export_parse(" * ", &e, err, sizeof err), 0);
	assert_true(e.any);
	assert_true(tp_link_export_allows(&e, "anyone"));
	assert_int_equal(tp_link_export_parse("", &e, err, sizeof err), 0);
	assert_int_equal(e.n, 0);
	assert_false(tp_link_export_allows(&e, "board1"));
}

static void parse_errors(void **state)
{
	(void)state;
	static const struct { const char *spec, *err; } cases[] = {
		{ "board1,*", "'*' must stand alone" },
		{ "*,board1", "'*' must stand alone" },
		{ "b@d", "invalid node name 'b@d'" },
		{ "a,a", "node 'a' is listed twice" },
		{ "abcdefghijabcdefghijabcdefghijabc", "is longer than 31 characters" },
		{ "n1 n2 n3 n4 n5 n6 n7 n8 n9 n10 n11 n12 n13 n14 n15 n16 n17",
		  "more than 16 nodes" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tp_link_export e;
		char err[128] = "";
		assert_int_equal(tp_link_export_parse(cases[i].spec, &e, err, sizeof err),
				 -TP_EINVAL);
		if (!strstr(err, cases[i].err))
			fail_msg("'%s': got '%s', want '%s'", cases[i].spec, err, cases[i].err);
	}
}

static void from_topology(void **state)
{
	(void)state;
	char path[512], *text = NULL;
	size_t len = 0;
	struct tp_topology *t = calloc(1, sizeof *t);
	struct tp_link_access *acc = calloc(1, sizeof *acc);
	assert_non_null(t);
	assert_non_null(acc);
	snprintf(path, sizeof path, "%s/link-export.ini", topo_dir());
	FILE *errs = open_memstream(&text, &len);
	int n = tp_topology_load(path, NULL, t, errs);
	fclose(errs);
	if (n)
		fail_msg("%s", text);
	free(text);
	assert_string_equal(t->actors[0].export, "board2, board3");
	assert_int_equal(tp_linkd_access_load(acc, t), 0);

	assert_true(tp_link_access_may_send(acc, "board2", "logger"));
	assert_true(tp_link_access_may_send(acc, "board3", "logger"));
	assert_false(tp_link_access_may_send(acc, "board4", "logger"));
	assert_false(tp_link_access_may_send(acc, "board2", "sensor"));   /* default: none */
	assert_true(tp_link_access_may_send(acc, "board4", "echo"));      /* * */
	assert_false(tp_link_access_may_send(acc, "board2", "filter"));
	assert_false(tp_link_access_may_send(acc, "board2", "nosuch"));

	const char *names[TP_REG_MAX];
	assert_int_equal(tp_link_access_exports(acc, "board3", names, TP_REG_MAX), 3);
	assert_string_equal(names[0], "logger");
	assert_string_equal(names[1], "echo");
	assert_string_equal(names[2], "filter");
	assert_int_equal(tp_link_access_exports(acc, "board3", names, 1), 1);
	assert_int_equal(tp_link_access_exports(acc, "board9", names, TP_REG_MAX), 1);
	free(acc);
	free(t);
}

/* Rules added one actor at a time; a bad one adds nothing; the table is
 * bounded. */
static void rules_added(void **state)
{
	(void)state;
	struct tp_link_access *acc = calloc(1, sizeof *acc);
	assert_non_null(acc);
	tp_link_access_init(acc);
	assert_int_equal(tp_link_access_add(acc, "logger", "board2"), 0);
	assert_int_equal(tp_link_access_add(acc, "echo", "board2,bad/name"), -TP_EINVAL);
	assert_int_equal(acc->n, 1);
	assert_false(tp_link_access_may_send(acc, "board2", "echo"));
	assert_true(tp_link_access_may_send(acc, "board2", "logger"));
	char name[16];
	for (unsigned i = 1; i < TP_REG_MAX; i++) {
		snprintf(name, sizeof name, "a%u", i);
		assert_int_equal(tp_link_access_add(acc, name, ""), 0);
	}
	assert_int_equal(tp_link_access_add(acc, "more", "*"), -TP_ELIMIT);
	assert_false(tp_link_access_may_send(acc, "board2", "a1"));   /* "": nobody */
	free(acc);
}

static void topology_errors(void **state)
{
	(void)state;
	char path[512], *text = NULL;
	size_t len = 0;
	struct tp_topology *t = calloc(1, sizeof *t);
	assert_non_null(t);
	snprintf(path, sizeof path, "%s/bad-link-export.ini", topo_dir());
	FILE *errs = open_memstream(&text, &len);
	int n = tp_topology_load(path, NULL, t, errs);
	fclose(errs);
	assert_int_equal(n, 2);
	if (!strstr(text, "bad-link-export.ini:6: [actor logger]: export: node 'board2' is listed twice") ||
	    !strstr(text, "bad-link-export.ini:10: [actor echo]: export: invalid node name 'b@d'"))
		fail_msg("unexpected errors:\n%s", text);
	free(text);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_values),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(from_topology),
		cmocka_unit_test(rules_added),
		cmocka_unit_test(topology_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
