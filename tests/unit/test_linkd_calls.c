/* The calls that went out on a node link (runtime/daemon/linkd_calls.c):
 * a REPLY from the peer goes in only as the one answer to a call our
 * actor made on that link, from the actor it called, with its id: all 64
 * bits of it, or on a link to a peer of an older version the low 32,
 * restored to 64 for the caller. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "linkd.h"

static struct tp_peer_conf conf = { .name = "b2" };
static struct tp_lpeer peer;

#define CORR 0xabcdef0100005eedull

static struct tp_env env(uint8_t flags, const char *sender, const char *dest, uint64_t corr)
{
	struct tp_env e = { .version = TP_ENV_VERSION, .flags = flags, .corr = corr };
	snprintf(e.sender, sizeof e.sender, "%s", sender);
	snprintf(e.dest, sizeof e.dest, "%s", dest);
	return e;
}

static bool reply_in(const char *sender, const char *dest, uint64_t corr)
{
	struct tp_env e = env(TP_ENV_F_REPLY, sender, dest, corr);
	return tp_linkd_call_in(&peer, &e);
}

static int setup(void **st)
{
	(void)st;
	memset(&peer, 0, sizeof peer);
	peer.conf = &conf;
	peer.c.link.version = TP_LINK_VERSION;
	struct tp_env e = env(TP_ENV_F_REQUEST, "caller", "echo", CORR);
	tp_linkd_call_out(&peer, &e);
	return 0;
}

static void only_the_callee_answers(void **st)
{
	(void)st;
	assert_false(reply_in("other@b2", "caller", CORR));   /* not the callee */
	assert_false(reply_in("echo@b3", "caller", CORR));    /* not that node */
	assert_false(reply_in("echo", "caller", CORR));       /* no node at all */
	assert_false(reply_in("echo@b2", "hidden", CORR));    /* not the caller */
	assert_false(reply_in("echo@b2", "caller", CORR + 1));   /* not the id */
	/* The high 32 bits count: a guess of the low ones is no answer. */
	assert_false(reply_in("echo@b2", "caller", CORR ^ 1ull << 40));
	assert_false(reply_in("echo@b2", "caller", (uint32_t)CORR));
	assert_true(reply_in("echo@b2", "caller", CORR));
	assert_false(reply_in("echo@b2", "caller", CORR));    /* one answer */
}

/* A peer that agreed link version 2 carries the low 32 bits only: those
 * match, and the caller gets its call's full id back. */
static void older_peer_low_bits(void **st)
{
	(void)st;
	peer.c.link.version = TP_LINK_VERSION_CORR64 - 1;
	struct tp_env e = env(TP_ENV_F_REPLY, "echo@b2", "caller", (uint32_t)CORR + 1);
	assert_false(tp_linkd_call_in(&peer, &e));
	e = env(TP_ENV_F_REPLY, "echo@b2", "caller", CORR);   /* more than it can send */
	assert_false(tp_linkd_call_in(&peer, &e));
	/* The peer's notice of the call names it by those 32 bits too. */
	assert_true(tp_linkd_call_full(&peer, "caller", "echo", (uint32_t)CORR) == CORR);
	assert_true(tp_linkd_call_full(&peer, "caller", "other", (uint32_t)CORR) ==
		    (uint32_t)CORR);
	assert_true(tp_linkd_call_full(&peer, "caller", "echo", 7) == 7);
	e = env(TP_ENV_F_REPLY, "echo@b2", "caller", (uint32_t)CORR);
	assert_true(tp_linkd_call_in(&peer, &e));
	assert_true(e.corr == CORR);
	e = env(TP_ENV_F_REPLY, "echo@b2", "caller", (uint32_t)CORR);
	assert_false(tp_linkd_call_in(&peer, &e));            /* one answer */
}

/* On a link of the current version ids are whole: nothing to restore. */
static void current_peer_full_ids(void **st)
{
	(void)st;
	assert_true(tp_linkd_call_full(&peer, "caller", "echo", (uint32_t)CORR) ==
		    (uint32_t)CORR);
}

static void oldest_forgotten(void **st)
{
	(void)st;
	for (uint64_t i = 1; i <= TP_LINKD_CALLS; i++) {
		struct tp_env e = env(TP_ENV_F_REQUEST, "caller", "echo", i);
		tp_linkd_call_out(&peer, &e);
	}
	assert_false(reply_in("echo@b2", "caller", CORR));
	assert_true(reply_in("echo@b2", "caller", TP_LINKD_CALLS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(only_the_callee_answers, setup),
		cmocka_unit_test_setup(oldest_forgotten, setup),
		cmocka_unit_test_setup(older_peer_low_bits, setup),
		cmocka_unit_test_setup(current_peer_full_ids, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
