/* Unit test of the supervision tree's decision table (tree.c): every
 * restart type x exit kind, every strategy, links, intensity with
 * escalation through nested supervisors, backoff, start order.  No
 * processes: the topology is parsed from text, exits are events. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "sup_tree.h"

#define S (1000000000LL)
#define BIT(i) ((uint64_t)1 << (i))

static struct tp_topology topo;
static struct tp_tree tree;

/* Parses text as a topology (it must be valid) and builds the tree. */
static void load(const char *text)
{
	char path[] = "/tmp/test_tree_XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	int n = tp_topology_load(path, NULL, &topo, f);
	fclose(f);
	unlink(path);
	if (n)
		print_error("%s", errs);
	free(errs);
	assert_int_equal(n, 0);
	tp_tree_init(&tree, &topo);
}

static unsigned idx(const char *name)
{
	for (unsigned i = 0; i < topo.n_actors; i++)
		if (strcmp(topo.actors[i].name, name) == 0)
			return i;
	fail_msg("no actor %s", name);
	return 0;
}

static uint64_t set_of(const char *names)
{
	char buf[256];
	uint64_t m = 0;
	snprintf(buf, sizeof buf, "%s", names);
	for (char *save, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		m |= BIT(idx(w));
	return m;
}

static struct tp_tree_verdict die(const char *name, enum tp_exit_kind k, int64_t now)
{
	struct tp_tree_verdict v;
	tp_tree_exit(&tree, idx(name), k, now, &v);
	return v;
}

static const char *restart_types =
	"[node]\nname = t\nrestart_limit = 100\nbackoff_ms = 0\n"
	"[actor p]\nexec = x\nrestart = permanent\n"
	"[actor tr]\nexec = x\nrestart = transient\n"
	"[actor te]\nexec = x\nrestart = temporary\n";

static void test_restart_types(void **state)
{
	(void)state;
	load(restart_types);
	static const struct { const char *who; enum tp_exit_kind k; bool restart; } cases[] = {
		{ "p", TP_EXIT_NORMAL, true },   { "p", TP_EXIT_ABNORMAL, true },
		{ "tr", TP_EXIT_NORMAL, false }, { "tr", TP_EXIT_ABNORMAL, true },
		{ "te", TP_EXIT_NORMAL, false }, { "te", TP_EXIT_ABNORMAL, false },
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct tp_tree_verdict v = die(cases[c].who, cases[c].k, (int64_t)(c + 1) * S);
		uint64_t me = set_of(cases[c].who);
		assert_int_equal(v.restart, cases[c].restart ? me : 0);
		assert_int_equal(v.down, cases[c].restart ? 0 : me);
		assert_int_equal(v.failed, 0);
		assert_false(v.node_failed);
		assert_int_equal(v.restarted_by, cases[c].restart ? 0 : -1);
	}
}

static void strategy(const char *name, const char *who, const char *restart,
		     const char *down)
{
	char text[512];
	snprintf(text, sizeof text,
		 "[node]\nname = t\nstrategy = %s\n"
		 "[actor a]\nexec = x\n[actor b]\nexec = x\n"
		 "[actor tmp]\nexec = x\nrestart = temporary\n[actor c]\nexec = x\n", name);
	load(text);
	struct tp_tree_verdict v = die(who, TP_EXIT_ABNORMAL, S);
	assert_int_equal(v.restart, set_of(restart));
	assert_int_equal(v.down, down[0] ? set_of(down) : 0);
}

static void test_strategies(void **state)
{
	(void)state;
	strategy("one_for_one", "b", "b", "");
	strategy("one_for_all", "b", "a b c", "tmp");
	strategy("rest_for_one", "b", "b c", "tmp");
	strategy("rest_for_one", "c", "c", "");
	strategy("rest_for_one", "a", "a b c", "tmp");
}

static void test_intensity(void **state)
{
	(void)state;
	load("[node]\nname = t\nrestart_limit = 2\nrestart_window_s = 5\n"
	     "[actor a]\nexec = x\n[actor b]\nexec = x\n");
	assert_int_equal(die("a", TP_EXIT_ABNORMAL, 10 * S).restart, set_of("a"));
	assert_int_equal(die("b", TP_EXIT_ABNORMAL, 11 * S).restart, set_of("b"));
	struct tp_tree_verdict v = die("a", TP_EXIT_ABNORMAL, 12 * S);
	assert_true(v.node_failed);
	assert_int_equal(v.gave_up, 1);
	assert_int_equal(v.restart, 0);
	assert_int_equal(v.failed, set_of("a b"));
	/* The window slides: 5 s after the first two, one more is allowed. */
	load("[node]\nname = t\nrestart_limit = 2\nrestart_window_s = 5\n"
	     "[actor a]\nexec = x\n[actor b]\nexec = x\n");
	die("a", TP_EXIT_ABNORMAL, 10 * S);
	die("a", TP_EXIT_ABNORMAL, 11 * S);
	v = die("a", TP_EXIT_ABNORMAL, 15 * S + 1);
	assert_false(v.node_failed);
	assert_int_equal(v.restart, set_of("a"));
	/* restart_limit = 0: the first crash is too many. */
	load("[node]\nname = t\nrestart_limit = 0\n[actor a]\nexec = x\n");
	assert_true(die("a", TP_EXIT_ABNORMAL, S).node_failed);
	/* A normal exit of a transient actor never counts. */
	load("[node]\nname = t\nrestart_limit = 0\n[actor a]\nexec = x\nrestart = transient\n");
	v = die("a", TP_EXIT_NORMAL, S);
	assert_false(v.node_failed);
	assert_int_equal(v.down, set_of("a"));
}

static const char *nested =
	"[node]\nname = t\nrestart_limit = 1\nrestart_window_s = 60\n"
	"[actor head]\nexec = x\n"
	"[supervisor grp]\nstrategy = one_for_all\nrestart_limit = 1\nrestart_window_s = 60\n"
	"[actor x]\nexec = x\nsupervisor = grp\n"
	"[actor y]\nexec = x\nsupervisor = grp\n"
	"[actor tail]\nexec = x\n";

static void test_escalation(void **state)
{
	(void)state;
	load(nested);
	/* First crash: grp restarts its children, one_for_all. */
	struct tp_tree_verdict v = die("x", TP_EXIT_ABNORMAL, 1 * S);
	assert_int_equal(v.restart, set_of("x y"));
	assert_int_equal(v.restarted_by, 1);
	assert_int_equal(v.gave_up, 0);
	/* Second: grp gives up; the node restarts grp as a whole (its
	 * children only: one_for_one), and grp starts with a fresh history. */
	v = die("y", TP_EXIT_ABNORMAL, 2 * S);
	assert_int_equal(v.gave_up, 1u << 1);
	assert_int_equal(v.restart, set_of("x y"));
	assert_int_equal(v.restarted_by, 0);
	assert_int_equal(v.failed, 0);
	assert_false(v.node_failed);
	assert_int_equal(tree.sup[1].hist_n, 0);
	/* Again: grp restarts (fresh history allows one), then gives up, and
	 * the node, which already restarted once, gives up too. */
	assert_int_equal(die("x", TP_EXIT_ABNORMAL, 3 * S).restarted_by, 1);
	v = die("x", TP_EXIT_ABNORMAL, 4 * S);
	assert_int_equal(v.gave_up, (1u << 1) | 1u);
	assert_true(v.node_failed);
	assert_int_equal(v.failed, set_of("head x y tail"));
}

static void test_temporary_supervisor(void **state)
{
	(void)state;
	load("[node]\nname = t\n"
	     "[supervisor grp]\nrestart = temporary\nrestart_limit = 0\n"
	     "[actor x]\nexec = x\nsupervisor = grp\n"
	     "[actor y]\nexec = x\nsupervisor = grp\n"
	     "[actor z]\nexec = x\n");
	struct tp_tree_verdict v = die("x", TP_EXIT_ABNORMAL, S);
	assert_int_equal(v.gave_up, 1u << 1);
	assert_int_equal(v.restart, 0);
	assert_int_equal(v.down, set_of("x y"));
	assert_int_equal(v.failed, set_of("x y"));
	assert_false(v.node_failed);
}

static void test_links(void **state)
{
	(void)state;
	load("[node]\nname = t\n"
	     "[actor a]\nexec = x\nlinks = c\n[actor b]\nexec = x\n"
	     "[actor c]\nexec = x\nlinks = d\n[actor d]\nexec = x\nrestart = temporary\n"
	     "[actor e]\nexec = x\n");
	struct tp_tree_verdict v = die("c", TP_EXIT_ABNORMAL, S);
	assert_int_equal(v.restart, set_of("a c"));
	assert_int_equal(v.down, set_of("d"));
	v = die("e", TP_EXIT_ABNORMAL, 2 * S);
	assert_int_equal(v.restart, set_of("e"));
}

static void test_backoff(void **state)
{
	(void)state;
	load("[node]\nname = t\nrestart_limit = 100\nrestart_window_s = 10\n"
	     "backoff_ms = 10\nbackoff_max_ms = 35\n[actor a]\nexec = x\n[actor b]\nexec = x\n");
	assert_int_equal(die("a", TP_EXIT_ABNORMAL, 1 * S).delay_ms, 10);
	assert_int_equal(die("a", TP_EXIT_ABNORMAL, 2 * S).delay_ms, 20);
	assert_int_equal(die("b", TP_EXIT_ABNORMAL, 2 * S).delay_ms, 10);  /* per child */
	assert_int_equal(die("a", TP_EXIT_ABNORMAL, 3 * S).delay_ms, 35);  /* capped */
	assert_int_equal(die("a", TP_EXIT_ABNORMAL, 14 * S).delay_ms, 10); /* quiet window */
}

static void test_order(void **state)
{
	(void)state;
	load("[node]\nname = t\n"
	     "[actor a]\nexec = x\n"
	     "[supervisor g]\n"
	     "[actor b]\nexec = x\n"
	     "[actor g1]\nexec = x\nsupervisor = g\n"
	     "[supervisor h]\nsupervisor = g\n"
	     "[actor c]\nexec = x\n"
	     "[actor h1]\nexec = x\nsupervisor = h\n"
	     "[actor g2]\nexec = x\nsupervisor = g\n");
	static const char *want[] = { "a", "g1", "h1", "g2", "b", "c" };
	unsigned out[TP_REG_MAX];
	assert_int_equal(tp_tree_ordered(&tree, ~(uint64_t)0 >> (64 - topo.n_actors), out), 6);
	for (unsigned k = 0; k < 6; k++)
		assert_string_equal(topo.actors[out[k]].name, want[k]);
	assert_int_equal(tree.sup[1].leaves, set_of("g1 h1 g2"));
	assert_string_equal(tp_tree_sup_name(&tree, 2), "h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restart_types),
		cmocka_unit_test(test_strategies),
		cmocka_unit_test(test_intensity),
		cmocka_unit_test(test_escalation),
		cmocka_unit_test(test_temporary_supervisor),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
