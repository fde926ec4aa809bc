/* Unit test of the reload plan: which actors of a running node keep
 * running, restart, start or stop when its topology changes, and which
 * changes are refused (with file, line and section). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "topo_plan.h"

/* Parses text as a topology file; fails the test on any error. */
static struct tp_topology *parse(const char *text)
{
	char path[] = "/tmp/test_reload.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct tp_topology *t = calloc(1, sizeof *t);
	assert_non_null(t);
	int n = tp_topology_load(path, NULL, t, stderr);
	n += tp_topology_resolve(t, stderr);
	unlink(path);
	assert_int_equal(n, 0);
	return t;
}

static int plan(const char *a, const char *b, struct tp_reload_plan *p, char **text)
{
	struct tp_topology *cur = parse(a), *next = parse(b);
	size_t len;
	FILE *errs = open_memstream(text, &len);
	assert_non_null(errs);
	int n = tp_reload_plan(cur, next, p, errs);
	fclose(errs);
	free(cur);
	free(next);
	return n;
}

#define BASE "[node]\nname = r\n" \
	"[actor a]\nexec = /bin/true\n" \
	"[actor b]\nexec = /bin/true\nargs = x\n" \
	"[actor c]\nexec = /bin/true\n"

static void test_same(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
	assert_int_equal(plan(BASE, BASE, &p, &text), 0);
	assert_string_equal(text, "");
	assert_int_equal(p.n_keep, 3);
	assert_int_equal(p.n_restart + p.n_start + p.n_stop, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(p.act[i], TP_RELOAD_KEEP);
		assert_int_equal(p.old_ix[i], i);
	}
	free(text);
}

/* c removed, d added, b's args changed, a moved after d: kept. */
static void test_changes(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
	int n = plan(BASE,
		     "[node]\nname = r\nrestart_limit = 9\n"
		     "[actor b]\nexec = /bin/true\nargs = y\n"
		     "[actor d]\nexec = /bin/false\n"
		     "[actor a]\nexec = /bin/true\n", &p, &text);
	assert_int_equal(n, 0);
	assert_string_equal(text, "");
	assert_int_equal(p.act[0], TP_RELOAD_RESTART);
	assert_int_equal(p.old_ix[0], 1);
	assert_int_equal(p.act[1], TP_RELOAD_START);
	assert_int_equal(p.old_ix[1], -1);
	assert_int_equal(p.act[2], TP_RELOAD_KEEP);
	assert_int_equal(p.old_ix[2], 0);
	assert_int_equal(p.removed, 1u << 2);
	assert_int_equal(p.n_keep, 1);
	assert_int_equal(p.n_restart, 1);
	assert_int_equal(p.n_start, 1);
	assert_int_equal(p.n_stop, 1);
	free(text);
}

/* What an actor's process inherits from [node] restarts it. */
static void test_inherited(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
	assert_int_equal(plan(BASE, "[node]\nname = r\nsend_timeout_ms = 5\n"
			      "[actor a]\nexec = /bin/true\n"
			      "[actor b]\nexec = /bin/true\nargs = x\n"
			      "[actor c]\nexec = /bin/true\nexec_prefix = nice\n",
			      &p, &text), 0);
	assert_int_equal(p.n_restart, 3);
	free(text);
	assert_int_equal(plan(BASE, "[node]\nname = r\n"
			      "[actor a]\nexec = /bin/false\n"
			      "[actor b]\nexec = /bin/true\nargs = x\n"
			      "[actor c]\nexec = /bin/true\nshutdown_ms = 7\n",
			      &p, &text), 0);
	assert_int_equal(p.act[0], TP_RELOAD_RESTART);
	assert_int_equal(p.act[1], TP_RELOAD_KEEP);
	assert_int_equal(p.act[2], TP_RELOAD_RESTART);
	free(text);
}

/* Mailbox attributes and the node's identity cannot change while it runs. */
static void test_refused(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
	int n = plan(BASE, "[node]\nname = r\nmode = 0640\n"
		     "[actor a]\nexec = /bin/true\ndepth = 3\n"
		     "[actor b]\nexec = /bin/true\nargs = x\nwhen_full = reject\n"
		     "[actor c]\nexec = /bin/true\ntransport = shm\n", &p, &text);
	if (n != 4)
		print_error("%s", text);
	assert_int_equal(n, 4);
	assert_non_null(strstr(text, ":1: [node]: mode changed from 0600 to 0640: "
			       "restart the node to apply it\n"));
	assert_non_null(strstr(text, ":4: [actor a]: depth changed from 10 to 3: a "
			       "running node keeps its mailboxes; stop the node to apply it\n"));
	assert_non_null(strstr(text, ":7: [actor b]: when_full changed from block to reject"));
	assert_non_null(strstr(text, ":11: [actor c]: transport changed from mq to shm"));
	assert_non_null(strstr(text, "/tmp/test_reload."));
	free(text);
}

#define LINKED "[node]\nname = r\nlisten = 127.0.0.1:7000\nkey_file = k\n" \
	"[peer p1]\naddress = 127.0.0.1:7001\n" \
	"[peer p2]\naddress = 127.0.0.1:7002\n" \
	"[actor a]\nexec = /bin/true\n"

/* The links are set up once: their keys and [peer] sections cannot
 * change while the node runs; its actors can. */
static void test_links(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
	int n = plan(LINKED, LINKED "[actor b]\nexec = /bin/true\nexport = p1\n", &p, &text);
	assert_int_equal(n, 0);
	assert_int_equal(p.n_start, 1);
	free(text);
	n = plan(LINKED, "[node]\nname = r\nlisten = 127.0.0.1:7009\nkey_file = k2\n"
		 "link_dead_ms = 9000\n"
		 "[peer p2]\naddress = 127.0.0.1:7002\n"
		 "[peer p1]\naddress = 127.0.0.1:7011\nqueue = 9\ndepth = 64\n"
		 "[peer p3]\naddress = 127.0.0.1:7003\n"
		 "[actor a]\nexec = /bin/true\n", &p, &text);
	if (n != 9)
		print_error("%s", text);
	assert_int_equal(n, 9);
	assert_non_null(strstr(text, ":1: [node]: listen changed from '127.0.0.1:7000' to "
			       "'127.0.0.1:7009': restart the node to apply it\n"));
	assert_non_null(strstr(text, ":1: [node]: key_file changed from 'k' to 'k2'"));
	assert_non_null(strstr(text, ":1: [node]: link_dead_ms changed from 0 to 9000"));
	assert_non_null(strstr(text, ":6: [peer p2]: moved among the [peer] sections"));
	assert_non_null(strstr(text, ":8: [peer p1]: moved among the [peer] sections"));
	assert_non_null(strstr(text, ":8: [peer p1]: address changed from '127.0.0.1:7001'"));
	assert_non_null(strstr(text, ":8: [peer p1]: queue changed from 256 to 9"));
	assert_non_null(strstr(text, ":8: [peer p1]: depth changed from 10 to 64"));
	assert_non_null(strstr(text, ":12: [peer p3]: a new peer: restart the node to apply it\n"));
	free(text);
	n = plan(LINKED, "[node]\nname = r\nlisten = 127.0.0.1:7000\nkey_file = k\n"
		 "[peer p1]\naddress = 127.0.0.1:7001\n"
		 "[actor a]\nexec = /bin/true\n", &p, &text);
	assert_int_equal(n, 1);
	assert_non_null(strstr(text, ":1: [peer p2]: removed: restart the node to apply it\n"));
	free(text);
}

/* Topics are set up once: a changed subscribe, a new actor with one, a
 * removed one that had one, a changed [topic] section are refused; an
 * unchanged subscribe keeps its actor. */
static void test_topics(void **state)
{
	(void)state;
	struct tp_reload_plan p;
	char *text;
#define TOP "[node]\nname = r\n[topic t/x]\nretain = yes\n" \
	"[actor a]\nexec = /bin/true\nsubscribe = t/#\n[actor b]\nexec = /bin/true\n"
	assert_int_equal(plan(TOP, TOP, &p, &text), 0);
	assert_int_equal(p.n_keep, 2);
	free(text);
	assert_int_equal(plan(TOP, "[node]\nname = r\n[topic t/x]\nretain = yes\n"
			      "[actor a]\nexec = /bin/true\nsubscribe = t/+\n"
			      "[actor b]\nexec = /bin/true\nsubscribe = t/x\n", &p, &text), 2);
	assert_non_null(strstr(text, ":7: [actor a]: subscribe changed from 't/#' to 't/+': "
			       "subscriptions are set up once; restart the node to apply it"));
	assert_non_null(strstr(text, ":10: [actor b]: subscribe changed from '' to 't/x'"));
	free(text);
	assert_int_equal(plan(TOP, "[node]\nname = r\n[topic t/x]\nretain = no\n"
			      "[actor b]\nexec = /bin/true\n", &p, &text), 2);
	assert_non_null(strstr(text, "[actor a]: removed with its subscriptions ('t/#')"));
	assert_non_null(strstr(text, ":3: [topic]: the [topic] sections changed"));
	free(text);
#undef TOP
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_inherited),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_topics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
