/* Calls that went out on a node link, so that a REPLY coming in on it is
 * let in only for one of them (see linkd.h).  Without this, a peer that
 * holds the group key could answer calls to actors it may not reach, and
 * put REPLY mail into any mailbox, export rules or not. */
#include <string.h>
#include "troupe/envelope.h"
#include "link_wire.h"
#include "linkd.h"

/* Actor names are at most TP_NAME_MAX; a longer one matches nothing. */
static void calls_name(char *dst, const char *src)
{
	size_t n = strnlen(src, TP_NAME_MAX);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void tp_linkd_call_out(struct tp_lpeer *p, const struct tp_env *env)
{
	struct tp_linkd_call *c = &p->calls[p->call_next];
	p->call_next = (p->call_next + 1) % TP_LINKD_CALLS;
	c->corr = env->corr;
	calls_name(c->caller, env->sender);
	calls_name(c->callee, env->dest);
}

/* Whether the reply's corr answers call c: all 64 bits, or on a link to a
 * peer of an older version, which carries only the low 32 (zero-extended
 * by the decoder), those. */
static bool calls_corr_match(const struct tp_lpeer *p, const struct tp_linkd_call *c,
			     uint64_t corr)
{
	if (p->c.link.version >= TP_LINK_VERSION_CORR64)
		return c->corr == corr;
	return corr <= UINT32_MAX && (uint32_t)c->corr == corr;
}

uint64_t tp_linkd_call_full(const struct tp_lpeer *p, const char *caller,
			    const char *callee, uint64_t corr)
{
	if (p->c.link.version >= TP_LINK_VERSION_CORR64 || corr == 0)
		return corr;
	for (unsigned i = 0; i < TP_LINKD_CALLS; i++) {
		const struct tp_linkd_call *c = &p->calls[i];
		if (c->corr && calls_corr_match(p, c, corr) &&
		    strcmp(c->caller, caller) == 0 && strcmp(c->callee, callee) == 0)
			return c->corr;
	}
	return corr;
}

bool tp_linkd_call_in(struct tp_lpeer *p, struct tp_env *env)
{
	const char *at = strchr(env->sender, '@');
	size_t n = at ? (size_t)(at - env->sender) : strlen(env->sender);
	if (env->corr == 0 || !at || strcmp(at + 1, p->conf->name) != 0)
		return false;
	for (unsigned i = 0; i < TP_LINKD_CALLS; i++) {
		struct tp_linkd_call *c = &p->calls[i];
		if (c->corr && calls_corr_match(p, c, env->corr) &&
		    strcmp(c->caller, env->dest) == 0 &&
		    strlen(c->callee) == n && memcmp(c->callee, env->sender, n) == 0) {
			env->corr = c->corr;   /* the caller waits for all 64 bits */
			c->corr = 0;   /* one reply per call */
			return true;
		}
	}
	return false;
}
