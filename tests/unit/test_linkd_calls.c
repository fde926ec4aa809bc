/* The calls that went out on a node link (runtime/daemon/linkd_calls.c):
 * a REPLY from the peer goes in only as the one answer to a call our
 * actor made on that link, from the actor it called, with its id. */
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

static struct tp_env env(uint8_t flags, const char *sender, const char *dest, uint32_t corr)
{
	struct tp_env e = { .version = TP_ENV_VERSION, .flags = flags, .corr = corr };
	snprintf(e.sender, sizeof e.sender, "%s", sender);
	snprintf(e.dest, sizeof e.dest, "%s", dest);
	return e;
}

static bool reply_in(const char *sender, const char *dest, uint32_t corr)
{
	struct tp_env e = env(TP_ENV_F_REPLY, sender, dest, corr);
	return tp_linkd_call_in(&peer, &e);
}

static int setup(void **st)
{
	(void)st;
	memset(&peer, 0, sizeof peer);
	peer.conf = &conf;
	struct tp_env e = env(TP_ENV_F_REQUEST, "caller", "echo", 0x5eed);
	tp_linkd_call_out(&peer, &e);
	return 0;
}

static void only_the_callee_answers(void **st)
{
	(void)st;
	assert_false(reply_in("other@b2", "caller", 0x5eed));   /* not the callee */
	assert_false(reply_in("echo@b3", "caller", 0x5eed));    /* not that node */
	assert_false(reply_in("echo", "caller", 0x5eed));       /* no node at all */
	assert_false(reply_in("echo@b2", "hidden", 0x5eed));    /* not the caller */
	assert_false(reply_in("echo@b2", "caller", 0x5eee));    /* not the id */
	assert_true(reply_in("echo@b2", "caller", 0x5eed));
	assert_false(reply_in("echo@b2", "caller", 0x5eed));    /* one answer */
}

static void oldest_forgotten(void **st)
{
	(void)st;
	for (uint32_t i = 1; i <= TP_LINKD_CALLS; i++) {
		struct tp_env e = env(TP_ENV_F_REQUEST, "caller", "echo", i);
		tp_linkd_call_out(&peer, &e);
	}
	assert_false(reply_in("echo@b2", "caller", 0x5eed));
	assert_true(reply_in("echo@b2", "caller", TP_LINKD_CALLS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(only_the_callee_answers, setup),
		cmocka_unit_test_setup(oldest_forgotten, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
