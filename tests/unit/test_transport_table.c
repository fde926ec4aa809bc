/* Every transport table in the build against the contract
 * (transports/transport.h), and the validator against broken tables:
 * a table the runtime cannot use is refused by name when it is looked up,
 * never called through a NULL member. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "transport.h"
#include "registry.h"
#include "topo.h"
#include "troupe/error.h"

static void every_table_is_whole(void **st)
{
	(void)st;
	size_t n = 0;
	for (size_t i = 0; tp_transports[i]; i++, n++) {
		const struct tp_transport *t = tp_transports[i];
		char err[128] = "";
		if (tp_transport_validate(t, err, sizeof err))
			fail_msg("%s", err);
		assert_ptr_equal(tp_transport_find(t->name), t);
		struct tp_reg_entry e;
		struct tp_actor_conf a;
		assert_true(strlen(t->name) < sizeof e.transport);
		assert_true(strlen(t->name) < sizeof a.transport);
		/* No name twice: find would never reach the second. */
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(tp_transports[k]->name, t->name);
	}
	assert_true(n >= 1);
	/* This build's list, and those that can drop the oldest (list.h). */
	char names[64];
	assert_string_equal(tp_transport_names(0, ", ", names, sizeof names), "mq, shm, unix, tcp");
	assert_string_equal(tp_transport_names(TP_CAP_DROP_OLDEST, " or ", names, sizeof names),
			    "mq or shm");
	assert_string_equal(tp_transport_names(TP_CAP_CONNECTED, ",", names, sizeof names), "tcp");
	assert_string_equal(tp_transport_names(TP_CAP_DROP_OLDEST | TP_CAP_CONNECTED, ",", names,
					       sizeof names), "");
	assert_null(tp_transport_find("auto"));
	assert_null(tp_transport_find(""));
}

/* One broken copy of the first table per way to break it. */
static void broken_tables_refused(void **st)
{
	(void)st;
	static const struct { const char *member; size_t off; } mandatory[] = {
#define M(f) { #f, offsetof(struct tp_transport, f) }
		M(create), M(attach), M(send), M(recv), M(wait_fd), M(stat),
		M(close), M(unlink), M(check), M(sweep),
#undef M
	};
	char err[128], want[128];
	for (size_t i = 0; i < sizeof mandatory / sizeof *mandatory; i++) {
		struct tp_transport t = *tp_transports[0];
		memset((char *)&t + mandatory[i].off, 0, sizeof(void (*)(void)));
		err[0] = '\0';
		assert_int_equal(tp_transport_validate(&t, err, sizeof err), -TP_EINVAL);
		snprintf(want, sizeof want, "transport %s: mandatory member %s is NULL",
			 t.name, mandatory[i].member);
		assert_string_equal(err, want);
	}
	struct tp_transport t = *tp_transports[0];
	t.arm = NULL;
	t.repair = NULL;
	t.recv_fds = NULL;
	assert_int_equal(tp_transport_validate(&t, err, sizeof err), 0);   /* optional */
	/* evict goes with TP_CAP_DROP_OLDEST, both ways: a topic's drop_oldest
	 * reads the flag and calls it. */
	for (int with = 0; with < 2; with++) {
		t = *tp_transports[0];
		if (with)
			t.caps &= ~(uint32_t)TP_CAP_DROP_OLDEST;
		else
			t.caps |= TP_CAP_DROP_OLDEST;
		t.evict = with ? tp_transports[0]->evict : NULL;
		if (with && !t.evict)
			continue;   /* the first table has no evict to lend */
		err[0] = '\0';
		assert_int_equal(tp_transport_validate(&t, err, sizeof err), -TP_EINVAL);
		snprintf(want, sizeof want, "transport %s: evict must be set exactly when "
			 "TP_CAP_DROP_OLDEST is", t.name);
		assert_string_equal(err, want);
	}

	static const char *const bad_names[] = { "", "eightchr", "Mq", "m-q", NULL };
	for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
		t = *tp_transports[0];
		t.name = bad_names[i];
		err[0] = '\0';
		assert_int_equal(tp_transport_validate(&t, err, sizeof err), -TP_EINVAL);
		assert_non_null(strstr(err, "is not 1 to 7 of [a-z0-9]"));
	}
	t = *tp_transports[0];
	t.name = "sevench";
	assert_int_equal(tp_transport_validate(&t, err, sizeof err), 0);
	t.caps |= 1u << 31;
	assert_int_equal(tp_transport_validate(&t, err, sizeof err), -TP_EINVAL);
	assert_non_null(strstr(err, "unknown capability bits 0x80000000"));
}

/* drop_oldest where the table says it cannot: one sentence, naming the
 * transports that can. */
static void policy_by_capability(void **st)
{
	(void)st;
	struct tp_transport t = *tp_transports[0];
	t.name = "nodrop";
	t.caps &= ~(uint32_t)TP_CAP_DROP_OLDEST;
	struct tp_mbox_attr a[2] = { { .depth = 4, .msg_max = 64 },
				     { .depth = 4, .msg_max = 64,
				       .when_full = TP_FULL_DROP_OLDEST } };
	char err[256] = "";
	assert_int_equal(tp_transport_check_policy(&t, a, 1, err, sizeof err), 0);
	assert_int_equal(tp_transport_check_policy(&t, a, 2, err, sizeof err), -TP_ECONFIG);
	char with[64];
	tp_transport_names(TP_CAP_DROP_OLDEST, " or ", with, sizeof with);
	char want[256];
	snprintf(want, sizeof want, "when_full = drop_oldest is not possible on nodrop (a "
		 "sender cannot take mail out of its mailbox): use block or reject, or "
		 "transport = %s", with);
	assert_string_equal(err, want);
	t.caps |= TP_CAP_DROP_OLDEST;
	assert_int_equal(tp_transport_check_policy(&t, a, 2, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_table_is_whole),
		cmocka_unit_test(broken_tables_refused),
		cmocka_unit_test(policy_by_capability),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
