/* For unit tests that put mail in a mailbox by hand: one envelope with
 * text as its payload, as libtroupe would encode it.  Include after
 * cmocka.h. */
#ifndef TROUPE_ENV_TEST_H
#define TROUPE_ENV_TEST_H
#include <stdio.h>
#include <string.h>
#include "troupe/envelope.h"

/* Into buf (cap bytes): from sender to dest, type, prio, sent at sent_ns
 * (0: unknown).  Returns its length. */
static inline size_t test_env_text(uint8_t *buf, size_t cap, const char *sender,
				   const char *dest, uint32_t type, uint8_t prio,
				   uint64_t sent_ns, const char *text)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = prio, .type = type,
			      .sent_ns = sent_ns };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "%s", dest);
	int off = tp_env_encode_head(buf, cap, &env);
	assert_true(off > 0);
	size_t n = strlen(text);
	assert_true(n <= cap - (size_t)off);
	memcpy(buf + off, text, n);
	tp_env_set_len(buf, (uint32_t)n);
	return (size_t)off + n;
}

#endif
