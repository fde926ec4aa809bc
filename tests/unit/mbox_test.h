/* For the unit tests of transports: a fresh mailbox, or the test fails
 * with the transport's own sentence about why it could not be made.
 * Include after cmocka.h. */
#ifndef TROUPE_MBOX_TEST_H
#define TROUPE_MBOX_TEST_H
#include "transport.h"
#include "troupe/error.h"

static inline struct tp_mbox *test_mbox_create(const struct tp_transport *t, const char *path,
					       uint32_t depth, uint32_t msg_max,
					       uint32_t when_full)
{
	struct tp_mbox_attr a = { .depth = depth, .msg_max = msg_max, .mode = 0600,
				  .when_full = when_full };
	struct tp_mbox *mb = NULL;
	char err[256] = "";
	int rc = t->create(path, &a, &mb, err, sizeof err);
	if (rc)
		print_error("%s: create: %s: %s\n", t->name, tp_strerror(rc), err);
	assert_int_equal(rc, 0);
	return mb;
}

#endif
