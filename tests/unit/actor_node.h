/* A node made by hand for a real actor process in a unit test: a
 * registry with one actor, "me", counters, and its mailbox on a chosen
 * transport (the daemon's handle in `box`); the actor reports lines
 * through a pipe (say), and a second pipe (poke) gives it a descriptor to
 * watch.  Shared by test_actor.c and test_actor_wait.c. */
#ifndef TROUPE_TEST_ACTOR_NODE_H
#define TROUPE_TEST_ACTOR_NODE_H
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "actor-internal.h"
#include "clock.h"
#include "env_test.h"

#define MS 1000000LL

static char node[32];
static struct tp_registry *reg;
static struct tp_counters *ctr;
static struct tp_mailbox box;        /* the "daemon's" handle */
static int report[2], poke[2];       /* the actor's lines; a byte for its watch */

/* In the actor: one line to the test. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void say(const char *fmt, ...)
{
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	line[n++] = '\n';
	if (write(report[1], line, (size_t)n) != n)
		_exit(99);
}

/* The node "<prefix><pid>" with me's mailbox on transport (depth 8,
 * msg_max 256); TROUPE_NODE and TROUPE_ACTOR set for the actor.  0 or -1. */
static int __attribute__((unused)) actor_node_make(const char *prefix, const char *transport)
{
	snprintf(node, sizeof node, "%s%d", prefix, (int)getpid());
	struct tp_reg_entry e = { .name = "me", .depth = 8, .msg_max = 256 };
	snprintf(e.transport, sizeof e.transport, "%s", transport);
	tp_ipc_name(e.mailbox, sizeof e.mailbox, node, "me");
	struct tp_mbox_attr a = { .depth = 8, .msg_max = 256, .mode = 0600 };
	char err[256] = "";
	if (tp_registry_create(node, 0600, &reg) || tp_counters_create(node, 0600, &ctr) ||
	    tp_mailbox_create(&box, tp_transport_find(transport), e.mailbox, &a, 0, err, sizeof err))
		return -1;
	box.ctr = ctr;
	tp_registry_put(reg, 0, &e);
	tp_registry_set_count(reg, 1);
	setenv("TROUPE_NODE", node, 1);
	setenv("TROUPE_ACTOR", "me", 1);
	return pipe2(report, O_CLOEXEC) || pipe2(poke, O_CLOEXEC) ? -1 : 0;
}

/* Everything actor_node_make made, gone. */
static void __attribute__((unused)) actor_node_remove(void)
{
	char path[64];
	tp_ipc_name(path, sizeof path, node, "me");
	const struct tp_transport *t = box.t;
	tp_mailbox_close(&box);
	if (t)
		t->unlink(path);
	tp_registry_close(reg);
	tp_registry_unlink(node);
	tp_counters_close(ctr);
	tp_counters_unlink(node);
	for (int i = 0; i < 2; i++) {
		close(report[i]);
		close(poke[i]);
	}
}

/* Mail "from tester" with text as its payload into me's mailbox. */
static void __attribute__((unused)) actor_node_put(const char *text, unsigned prio,
						   int64_t deadline)
{
	uint8_t buf[256];
	size_t n = test_env_text(buf, sizeof buf, "tester", "me", 1, (uint8_t)prio,
				 (uint64_t)tp_now_ns(), text);
	assert_int_equal(tp_mailbox_send(&box, buf, n, prio, deadline, TP_VIA_SEND), 0);
}

#endif
