/* Undeliverable notices: which lost messages earn one (never a notice
 * about a notice or other daemon mail), the error each reason stands for,
 * the payload as the sender's runtime decodes it, and the match that ends
 * a waiting tp_call (right request type and correlation id, from the
 * daemon, not a reply). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/error.h"
#include "troupe/monitor.h"
#include "actor-internal.h"
#include "ctlpath.h"
#include "linkd_notice.h"

static struct tp_env env_of(const char *sender, uint32_t type, uint32_t corr)
{
	struct tp_env e;
	memset(&e, 0, sizeof e);
	e.version = TP_ENV_VERSION;
	e.type = type;
	e.corr = corr;
	e.prio = 1;
	snprintf(e.sender, sizeof e.sender, "%s", sender);
	snprintf(e.dest, sizeof e.dest, "%s", "slow");
	return e;
}

static void no_notice_about_a_notice(void **state)
{
	(void)state;
	struct tp_env e = env_of("sender@a", 1005, 7);
	assert_true(tp_notice_wanted(&e));
	e = env_of("sender", 1005, 0);
	assert_true(tp_notice_wanted(&e));
	e = env_of("sender@a", TP_UNDELIVERABLE_MSGID, 0);
	assert_false(tp_notice_wanted(&e));
	e = env_of(TP_DAEMON_NAME, TP_DOWN_MSGID, 0);
	assert_false(tp_notice_wanted(&e));
	e = env_of(TP_DAEMON_NAME "@a", 1004, 0);   /* troupectl send */
	assert_false(tp_notice_wanted(&e));
	/* An actor whose name only starts like the daemon's is an actor. */
	e = env_of("troupe", 1004, 0);
	assert_true(tp_notice_wanted(&e));
}

static void reasons_and_errors(void **state)
{
	(void)state;
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_NOPROC, 0), -TP_ENOENT);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_NOT_EXPORTED, 0), -TP_EPERM);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_MAILBOX_FULL, 0), -TP_EFULL);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_QUEUE_FULL, 0), -TP_EFULL);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_TOO_BIG, 0), -TP_ETOOBIG);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_LIMIT, 0), -TP_ELIMIT);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_FAILED, -TP_ECLOSED), -TP_ECLOSED);
	assert_int_equal(tp_notice_error(TP_UNDELIVERABLE_FAILED, -9999), -TP_ESYS);
	assert_string_equal(tp_undeliverable_reason_name(TP_UNDELIVERABLE_MAILBOX_FULL),
			    "mailbox_full");
	assert_string_equal(tp_undeliverable_reason_name(99), "?");
	assert_string_equal(tp_down_reason_name(TP_DOWN_NOCONNECTION), "noconnection");
}

/* The payload, as the daemon sends it, decoded as the actor sees it. */
static void payload_round_trip(void **state)
{
	(void)state;
	uint8_t pl[256];
	struct tp_env lost = env_of("sender", 1005, 42);
	int n = tp_notice_payload(pl, sizeof pl, &lost, "slow@b",
				  TP_UNDELIVERABLE_MAILBOX_FULL, -TP_EFULL);
	assert_true(n > 0);
	struct tp_msg m = { .type = TP_UNDELIVERABLE_MSGID, .sender = TP_DAEMON_NAME,
			    .payload = pl, .len = (size_t)n };
	struct tp_undeliverable u;
	assert_true(tp_msg_is_undeliverable(&m));
	assert_int_equal(tp_undeliverable_decode(&m, &u), 0);
	assert_string_equal(u.dest, "slow@b");
	assert_int_equal(u.type, 1005);
	assert_int_equal(u.corr, 42);
	assert_int_equal(u.reason, TP_UNDELIVERABLE_MAILBOX_FULL);
	assert_int_equal(u.error, -TP_EFULL);
	/* From anyone but the daemon it is ordinary mail. */
	m.sender = "slow@b";
	assert_false(tp_msg_is_undeliverable(&m));
	assert_int_equal(tp_undeliverable_decode(&m, &u), -TP_ETYPE);
	/* Bounded: a destination over the field's size is refused. */
	char longname[80];
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_int_equal(tp_notice_payload(pl, sizeof pl, &lost, longname,
					   TP_UNDELIVERABLE_NOPROC, 0), -TP_EINVAL);
	assert_int_equal(tp_notice_payload(pl, 4, &lost, "slow@b",
					   TP_UNDELIVERABLE_NOPROC, 0), -TP_ETOOBIG);
}

/* What ends a waiting call: the notice about its own request only. */
static void call_match(void **state)
{
	(void)state;
	uint8_t pl[256];
	struct tp_env lost = env_of("caller", 1005, 42);
	int n = tp_notice_payload(pl, sizeof pl, &lost, "slow@b",
				  TP_UNDELIVERABLE_NOT_EXPORTED, 0);
	assert_true(n > 0);
	struct tp_env got = env_of(TP_DAEMON_NAME, TP_UNDELIVERABLE_MSGID, 0);
	got.payload = pl;
	got.payload_len = (uint32_t)n;
	assert_int_equal(tp_undeliverable_for_call(&got, 1005, 42), -TP_EPERM);
	assert_int_equal(tp_undeliverable_for_call(&got, 1005, 43), 0);   /* another call */
	assert_int_equal(tp_undeliverable_for_call(&got, 1006, 42), 0);   /* another type */
	got.flags = TP_ENV_F_REPLY;
	assert_int_equal(tp_undeliverable_for_call(&got, 1005, 42), 0);
	got.flags = 0;
	snprintf(got.sender, sizeof got.sender, "%s", "slow@b");        /* forged */
	assert_int_equal(tp_undeliverable_for_call(&got, 1005, 42), 0);
	snprintf(got.sender, sizeof got.sender, "%s", TP_DAEMON_NAME);
	got.payload_len = 3;                                             /* cut short */
	assert_int_equal(tp_undeliverable_for_call(&got, 1005, 42), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_notice_about_a_notice),
		cmocka_unit_test(reasons_and_errors),
		cmocka_unit_test(payload_round_trip),
		cmocka_unit_test(call_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
