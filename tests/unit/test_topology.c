/* Unit test of the topology parser: a good file parses to the expected
 * struct; every broken file in tests/unit/topologies/ gives its exact error.
 * Run from the repository root, or set TOPOLOGY_DIR to the folder of the
 * .ini files (default: tests/unit/topologies). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "transport.h"
#include "topo.h"

static const char *topo_dir(void)
{
	const char *d = getenv("TOPOLOGY_DIR");
	return d && *d ? d : "tests/unit/topologies";
}

/* Loads dir/file; returns the error count and the error text (caller frees). */
static int load(const char *file, const struct tp_topo_opts *opts,
		struct tp_topology *t, char **text)
{
	char path[1024];
	size_t len = 0;
	snprintf(path, sizeof path, "%s/%s", topo_dir(), file);
	*text = NULL;
	FILE *errs = open_memstream(text, &len);
	assert_non_null(errs);
	int n = tp_topology_load(path, opts, t, errs);
	fclose(errs);
	return n;
}

static void test_good(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	char *text;
	assert_non_null(t);
	int n = load("good.ini", NULL, t, &text);
	if (n)
		print_error("%s", text);
	assert_int_equal(n, 0);
	free(text);

	assert_string_equal(t->node.name, "lab");
	assert_int_equal(t->node.mode, 0640);
	assert_int_equal(t->node.send_timeout_ms, 250);
	assert_int_equal(t->node.restart_limit, 7);
	assert_int_equal(t->node.restart_window_s, 30);
	assert_int_equal(t->node.backoff_ms, 20);
	assert_int_equal(t->node.shutdown_timeout_ms, 1500);
	assert_string_equal(t->node.exec_prefix, "valgrind -q");
	assert_string_equal(t->node.actor_path, "/usr/bin:/bin");
	assert_string_equal(t->node.log_dir, "/tmp");
	assert_int_equal(t->node.line, 2);

	assert_int_equal(t->n_actors, 3);
	const struct tp_actor_conf *a = &t->actors[0];
	assert_string_equal(a->name, "sensor");
	assert_string_equal(a->exec, "sh");
	assert_string_equal(a->args, "--rate 20 \"two words\"");
	assert_string_equal(a->transport, "mq");
	assert_int_equal(a->depth, 5);
	assert_int_equal(a->msg_max, 512);
	assert_int_equal(a->restart, TP_RESTART_TRANSIENT);
	assert_string_equal(a->exec_prefix, "");
	assert_int_equal(a->line, 14);
	assert_int_equal(a->exec_line, 15);

	a = &t->actors[1];   /* defaults */
	assert_string_equal(a->name, "filter");
	assert_string_equal(a->transport, "mq");
	assert_int_equal(a->depth, TP_TOPO_DEPTH_DEFAULT);
	assert_int_equal(a->msg_max, TP_TOPO_MSG_MAX_DEFAULT);
	assert_int_equal(a->restart, TP_RESTART_PERMANENT);
	assert_string_equal(a->exec_prefix, "strace -f");
	assert_string_equal(t->actors[2].name, "logger");
	assert_int_equal(t->actors[2].restart, TP_RESTART_TEMPORARY);
	assert_int_equal(t->actors[2].spin_us, 50);   /* auto */

	char *errs = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&errs, &len);
	assert_int_equal(tp_topology_resolve(t, f), 0);
	fclose(f);
	free(errs);
	assert_true(strcmp(t->actors[0].path, "/usr/bin/sh") == 0 ||
		    strcmp(t->actors[0].path, "/bin/sh") == 0);
	assert_string_equal(t->actors[1].path, "/bin/sh");
	free(t);
}

static void test_overrides(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	struct tp_topo_opts o = { .node = "lab2", .exec_prefix = "qemu-aarch64",
				  .actor_path = "/opt/actors" };
	char *text;
	assert_int_equal(load("good.ini", &o, t, &text), 0);
	free(text);
	assert_string_equal(t->node.name, "lab2");
	assert_string_equal(t->node.exec_prefix, "qemu-aarch64");
	assert_string_equal(t->node.actor_path, "/opt/actors");
	/* -n stands in for a missing [node] section. */
	assert_int_equal(load("bad-no-node.ini", &o, t, &text), 0);
	free(text);
	free(t);
}

static void test_resolve_missing(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	struct tp_topo_opts o = { .actor_path = "/nonexistent-dir" };
	char *text, *errs = NULL;
	size_t len = 0;
	assert_int_equal(load("good.ini", &o, t, &text), 0);
	free(text);
	FILE *f = open_memstream(&errs, &len);
	assert_int_equal(tp_topology_resolve(t, f), 1);
	fclose(f);
	assert_non_null(strstr(errs, "good.ini:15: [actor sensor]: exec 'sh': "
			       "not found in actor_path '/nonexistent-dir'"));
	free(errs);
	free(t);
}

static void test_split(void **state)
{
	(void)state;
	char buf[64];
	char *argv[8];
	int argc = 0;
	assert_int_equal(tp_topology_split("  -c \"a b\"  x\"\"y \"\"", buf, sizeof buf,
					   argv, &argc, 7), 0);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[0], "-c");
	assert_string_equal(argv[1], "a b");
	assert_string_equal(argv[2], "xy");
	assert_string_equal(argv[3], "");
	assert_null(argv[4]);
	argc = 0;
	assert_int_equal(tp_topology_split("\"open", buf, sizeof buf, argv, &argc, 7),
			 -TP_EINVAL);
	argc = 0;
	assert_int_equal(tp_topology_split("a b c d e f g h", buf, sizeof buf, argv,
					   &argc, 7), -TP_ELIMIT);
	argc = 0;
	assert_int_equal(tp_topology_split("abcdefgh", buf, 4, argv, &argc, 7),
			 -TP_ETOOBIG);
}

struct bad_case {
	const char *file;
	int errors;            /* exact count */
	const char *expect[4]; /* substrings, each must appear */
};

static const struct bad_case bad_cases[] = {
	{ "bad-unknown-key.ini", 1, { "bad-unknown-key.ini:5: [actor a]: unknown key 'depht'" } },
	{ "bad-user.ini", 1, { "bad-user.ini:6: [actor a]: user: 'two words' is not a user or group name or number" } },
	{ "bad-depth-zero.ini", 1, { "bad-depth-zero.ini:6: [actor a]: depth: 0 is out of range (1 to 65535)" } },
	{ "bad-missing-exec.ini", 1, { "bad-missing-exec.ini:7: [actor b]: missing key 'exec'" } },
	{ "bad-dup-actor.ini", 1, { "bad-dup-actor.ini:7: [actor a]: duplicate actor 'a' (first at line 3)" } },
	{ "bad-node-name.ini", 1, { "bad-node-name.ini:2: [node]: name: invalid node name 'lab.one'" } },
	{ "bad-number.ini", 1, { "bad-number.ini:3: [node]: send_timeout_ms: bad number '10ms'" } },
	{ "bad-transport.ini", 1, { "bad-transport.ini:5: [actor a]: transport: unknown transport 'carrier-pigeon' (this build has: mq" } },
	{ "bad-restart.ini", 1, { "bad-restart.ini:5: [actor a]: restart: unknown restart type 'sometimes'" } },
	{ "bad-no-node.ini", 1, { "bad-no-node.ini: missing section [node]" } },
	{ "bad-unknown-section.ini", 1, { "bad-unknown-section.ini:6: [link board2]: unknown section [link board2]" } },
	{ "bad-msgmax-range.ini", 1, { "bad-msgmax-range.ini:5: [actor a]: msg_max: 63 is out of range (64 to 1048576)" } },
	{ "bad-dup-key.ini", 1, { "bad-dup-key.ini:6: [actor a]: duplicate key 'depth' (first at line 5)" } },
	{ "bad-syntax.ini", 2, { "bad-syntax.ini:5: [actor a]: syntax error: expected 'key = value', got 'depth 4'",
				 "bad-syntax.ini:6: [actor a]: syntax error: '[' without ']'" } },
	{ "bad-no-actors.ini", 1, { "bad-no-actors.ini: no actors" } },
	{ "bad-mode.ini", 1, { "bad-mode.ini:3: [node]: mode: 0444 must give the owner read and write" } },
	{ "bad-quote.ini", 1, { "bad-quote.ini:5: [actor a]: args: unterminated quote in '-c \"echo hi'" } },
	{ "bad-outside.ini", 1, { "bad-outside.ini:1: key 'name' outside any section" } },
	{ "bad-actor-name.ini", 1, { "bad-actor-name.ini:3: [actor a/b]: invalid actor name 'a/b'" } },
	{ "bad-empty-exec.ini", 1, { "bad-empty-exec.ini:4: [actor a]: exec: empty value" } },
	{ "bad-long-line.ini", 1, { "bad-long-line.ini:5: [actor a]: line is longer than" } },
	{ "bad-too-many.ini", 1, { "bad-too-many.ini:131: [actor a64]: too many actors (at most 64)" } },
	{ "bad-many-errors.ini", 4, { "bad-many-errors.ini:3: [node]: backoff_ms: 99999 is out of range (0 to 5000)",
				      "bad-many-errors.ini:6: [actor a]: depth: bad number 'x'",
				      "bad-many-errors.ini:7: [actor a]: unknown key 'depht'",
				      "bad-many-errors.ini:8: [actor b]: missing key 'exec'" } },
	{ "bad-supervisor.ini", 2, { "bad-supervisor.ini:7: [supervisor g]: strategy: unknown strategy 'one_for_some' (one_for_one, one_for_all, rest_for_one)",
				     "bad-supervisor.ini:5: [actor a]: supervisor: no [supervisor nosuch]" } },
	{ "bad-tree.ini", 4, { "bad-tree.ini:4: [supervisor g]: supervisor: 'h' is supervised by itself (a cycle)",
			       "bad-tree.ini:6: [supervisor h]: supervisor: 'g' is supervised by itself (a cycle)",
			       "bad-tree.ini:9: [actor a]: restart_with: an actor cannot be restarted with itself",
			       "bad-tree.ini:9: [actor a]: restart_with: no actor 'zed'" } },
	{ "bad-links-twice.ini", 1, { "bad-links-twice.ini:6: [actor a]: links: restart_with already set at line 5 (links is its old name)" } },
	{ "bad-peer.ini", 9, { "bad-peer.ini:6: [peer lab]: a node cannot be its own peer",
			       "bad-peer.ini:13: [peer board2]: depth: 0 is out of range (1 to 65535)",
			       "bad-peer.ini:15: [peer board3]: missing key 'address'",
			       "bad-peer.ini:1: [node]: node links need key_file" } },
	{ "bad-topics.ini", 4, { "bad-topics.ini:3: [topic sensors/+/temp]: invalid topic name 'sensors/+/temp'",
				 "bad-topics.ini:6: [topic ok/topic]: retain: 'maybe' is neither yes nor no",
				 "bad-topics.ini:9: [actor a]: subscribe: 'sensors/#/x' is not a valid filter",
				 "bad-topics.ini:12: [actor b]: subscribe: 'a/b': unknown policy 'drop_sometimes' (drop_oldest, drop_newest)" } },
	{ "bad-subscribe.ini", 3, { "bad-subscribe.ini:6: [actor c]: subscribe: 'x/y' drops the oldest (the default), which is not possible on unix (a publisher cannot take mail out of its mailbox): write 'x/y drop_newest', or transport = mq or shm",
				    "bad-subscribe.ini:9: [actor d]: subscribe: an empty filter",
				    "bad-subscribe.ini:12: [actor e]: subscribe: 'x/y' twice" } },
	{ "no-such-file.ini", 1, { "no-such-file.ini: cannot open: No such file or directory" } },
};

static void test_peers(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	char *text;
	assert_non_null(t);
	int n = load("peers.ini", NULL, t, &text);
	if (n)
		print_error("%s", text);
	assert_int_equal(n, 0);
	free(text);
	assert_string_equal(t->node.listen, "127.0.0.1:7400");
	assert_string_equal(t->node.key_file, "group.key");
	assert_int_equal(t->node.link_heartbeat_ms, 200);
	assert_int_equal(t->node.link_dead_ms, 1000);
	assert_int_equal(t->n_peers, 2);
	assert_string_equal(t->peers[0].name, "board2");
	assert_string_equal(t->peers[0].address, "127.0.0.1:7401");
	assert_int_equal(t->peers[0].queue, 100);
	assert_int_equal(t->peers[0].when_full, TP_FULL_DROP_OLDEST);
	assert_int_equal(t->peers[0].depth, 256);
	assert_int_equal(t->peers[1].depth, TP_TOPO_DEPTH_DEFAULT);
	assert_string_equal(t->peers[1].address, "localhost:7402");
	assert_int_equal(t->peers[1].queue, TP_TOPO_PEER_QUEUE_DEFAULT);
	assert_int_equal(t->peers[1].when_full, TP_FULL_BLOCK);
	free(t);
}

/* Topics: each actor's filters with their policies, the [topic] sections. */
static void test_topics(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	char *text;
	assert_non_null(t);
	int n = load("topics.ini", NULL, t, &text);
	if (n)
		print_error("%s", text);
	assert_int_equal(n, 0);
	free(text);
	assert_int_equal(t->n_topics, 2);
	assert_string_equal(t->topics[0].name, "sensors/kitchen/temp");
	assert_true(t->topics[0].retained);
	assert_int_equal(t->topics[0].line, 4);
	assert_false(t->topics[1].retained);
	const struct tp_actor_conf *d = &t->actors[0], *u = &t->actors[1];
	assert_int_equal(d->n_subs, 3);
	assert_int_equal(d->subscribe_line, 10);
	assert_string_equal(d->subs[0].filter, "sensors/+/temp");
	assert_int_equal(d->subs[0].policy, TP_TOPIC_DROP_OLDEST);
	assert_string_equal(d->subs[1].filter, "sensors/#");
	assert_int_equal(d->subs[1].policy, TP_TOPIC_DROP_NEWEST);
	assert_string_equal(d->subs[2].filter, "log/#");
	assert_int_equal(u->n_subs, 1);   /* '#' is no comment there */
	assert_string_equal(u->subs[0].filter, "#");
	assert_int_equal(u->subs[0].policy, TP_TOPIC_DROP_NEWEST);
	free(t);
}

/* restart_with's old name loads, the same, with a warning naming file,
 * line and section; only the warning is said. */
static void test_old_links(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	char *text;
	assert_non_null(t);
	assert_int_equal(load("old-links.ini", NULL, t, &text), 0);
	char want[1200];
	snprintf(want, sizeof want, "%s/old-links.ini:5: [actor a]: warning: links is "
		 "deprecated: use restart_with (the same meaning)\n", topo_dir());
	assert_string_equal(text, want);
	assert_int_equal(t->n_warnings, 1);   /* a line, not an error */
	assert_string_equal(t->actors[0].restart_with, "b");
	assert_string_equal(t->actors[1].restart_with, "a");
	free(text);
	free(t);
}

/* Users and groups are looked up after the file parsed (topo_privs.c):
 * every unknown one and every accept_from that cannot be kept is named at
 * its key's line, all in one run. */
static void test_privs(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	char *text, *errs = NULL;
	size_t len = 0;
	assert_non_null(t);
	assert_int_equal(load("privs.ini", NULL, t, &text), 0);
	free(text);
	FILE *f = open_memstream(&errs, &len);
	assert_non_null(f);
	int n = tp_topology_privs(t, f);
	fclose(f);
	static const char *const want[] = {
		"privs.ini:9: [actor a]: user: no user 'nosuchuser-tp' on this system",
		"privs.ini:14: [actor b]: group: no group 'nosuchgroup-tp' on this system",
		"privs.ini:5: [node]: group: no group 'nosuchgroup-tp' on this system",
		"privs.ini:10: [actor a]: accept_from: no actor 'zz'",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(errs, want[i]))
			fail_msg("no '%s' in:\n%s", want[i], errs);
	assert_int_equal(n, 4);
	free(errs);

	/* One user for every actor: accept_from cannot keep anyone out. */
	assert_int_equal(load("privs-accept.ini", NULL, t, &text), 0);
	free(text);
	errs = NULL;
	f = open_memstream(&errs, &len);
	assert_non_null(f);
	n = tp_topology_privs(t, f);
	fclose(f);
	assert_int_equal(n, 1);
	assert_non_null(strstr(errs, "privs-accept.ini:7: [actor a]: accept_from: cannot keep c "
			       "out: it runs as the same user"));
	assert_false(t->node.privs);
	assert_false(t->actors[1].privs.drop);
	free(errs);
	free(t);
}

static void test_bad(void **state)
{
	(void)state;
	struct tp_topology *t = calloc(1, sizeof *t);
	int failures = 0;
	assert_non_null(t);
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const struct bad_case *bc = &bad_cases[i];
		char *text;
		int n = load(bc->file, NULL, t, &text);
		bool ok = n == bc->errors;
		for (int k = 0; k < 4 && bc->expect[k]; k++)
			ok = ok && strstr(text, bc->expect[k]);
		if (!ok) {
			print_error("%s: %d error(s), expected %d:\n%s", bc->file, n,
				    bc->errors, text);
			for (int k = 0; k < 4 && bc->expect[k]; k++)
				print_error("  expected: %s\n", bc->expect[k]);
			failures++;
		}
		free(text);
	}
	free(t);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_resolve_missing),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_topics),
		cmocka_unit_test(test_old_links),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_privs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
