/* Publishing's shared part (see fanout.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "troupe/topic.h"
#include "fanout.h"
#include "topic-internal.h"
#include "log.h"

size_t tp_fanout_offset(const char *sender, const char *topic)
{
	return TP_ENV_HDR_LEN + strnlen(sender, TP_ENV_NAME_MAX + 1) + TP_ENV_NAME_MAX +
	       strnlen(topic, TP_TOPIC_MAX + 1);
}

int tp_fanout_refresh(struct tp_fanout *f)
{
	if (!f->tab)
		return -TP_ENOENT;
	if (f->valid && tp_topictab_seq(f->tab) == f->seq)
		return 0;
	/* Only as many slots as the table uses (a few, usually), not all
	 * TP_TT_SUBS_MAX: every actor keeps a copy. */
	int rc;
	unsigned need;
	while ((rc = tp_topictab_subs_copy(f->tab, f->subs, f->cap, &need, &f->seq)) ==
	       -TP_ELIMIT) {
		struct tp_sub *p = realloc(f->subs, need * sizeof *p);
		if (!p)
			return -TP_ENOMEM;
		f->subs = p;
		struct tp_fanout_sub *a = realloc(f->aux, need * sizeof *a);
		if (!a)
			return -TP_ENOMEM;
		f->aux = a;
		f->cap = need;
	}
	f->nsubs = rc == 0 ? need : 0;
	f->valid = rc == 0;
	for (unsigned i = 0; i < f->nsubs; i++) {
		f->aux[i].name_len = (unsigned)strlen(f->subs[i].actor);
		f->aux[i].prev_same = -1;
		for (unsigned k = i; f->subs[i].kind != TP_SUB_FREE && k-- > 0;)
			if (f->subs[k].kind != TP_SUB_FREE &&
			    strcmp(f->subs[k].actor, f->subs[i].actor) == 0) {
				f->aux[i].prev_same = (int)k;
				break;
			}
	}
	return rc;
}

void tp_fanout_fini(struct tp_fanout *f)
{
	free(f->subs);
	free(f->aux);
	f->subs = NULL;
	f->aux = NULL;
	f->cap = 0;
	f->valid = false;
}

/* Did an earlier subscription (before i) of the same actor match already?
 * Each subscriber gets a message once, however many of its filters match. */
static bool fanout_seen(const struct tp_fanout *f, unsigned i, const char *topic)
{
	for (int k = f->aux[i].prev_same; k >= 0; k = f->aux[k].prev_same)
		if (tp_topic_match_checked(f->subs[k].filter, topic))
			return true;
	return false;
}

/* Puts msg (len bytes) into box by policy, never waiting: drop_oldest
 * evicts the oldest and tries once more, drop_newest gives up.  Returns
 * the drops it made (0, 1 or 2) and in *ok whether msg went in. */
static unsigned fanout_put(struct tp_mailbox *box, uint32_t policy, const uint8_t *msg,
			   size_t len, bool *ok)
{
	unsigned drops = 0;
	int rc = policy == TP_TOPIC_DROP_OLDEST ?
		 tp_mailbox_try(box, msg, len, TP_PRIO_NORMAL, TP_VIA_SEND) :
		 tp_mailbox_send(box, msg, len, TP_PRIO_NORMAL, 0, TP_VIA_SEND);
	if (rc == -TP_EFULL && policy == TP_TOPIC_DROP_OLDEST) {
		if (tp_mailbox_evict(box) == 0)
			drops++;
		rc = tp_mailbox_send(box, msg, len, TP_PRIO_NORMAL, 0, TP_VIA_SEND);
	}
	*ok = rc == 0;
	return drops + (rc != 0);
}

/* Into subscription i's mailbox, its head written in front of the
 * payload: env holds this publish's sender and topic (sl, tl their
 * lengths); only the destination changes per subscriber. */
static void fanout_deliver(struct tp_fanout *f, unsigned i, struct tp_env *env, size_t sl,
			   size_t tl, uint8_t *payload, uint32_t len)
{
	const struct tp_sub *s = &f->subs[i];
	size_t dl = f->aux[i].name_len;
	struct tp_mailbox *box;
	memcpy(env->dest, s->actor, dl + 1);
	size_t head = TP_ENV_HDR_LEN + sl + dl + tl;
	uint8_t *msg = payload - head;
	/* Its mailbox gone, or the message too big for it: a drop. */
	if (dl > TP_ENV_NAME_MAX || f->dest(f->ctx, s->actor, &box) ||
	    head + len > box->msg_max || tp_env_encode_head(msg, head, env) < 0) {
		tp_topictab_dropped(f->tab, i);
		return;
	}
	tp_env_set_len(msg, len);
	bool ok;
	for (unsigned d = fanout_put(box, s->policy, msg, head + len, &ok); d > 0; d--)
		tp_topictab_dropped(f->tab, i);
	if (ok)
		tp_topictab_delivered(f->tab, i);
}

int tp_fanout_publish(struct tp_fanout *f, const char *topic, uint32_t type,
		      uint8_t *buf, uint32_t len, int64_t now)
{
	if (tp_topic_name_check(topic))
		return -TP_EINVAL;
	int rc = tp_fanout_refresh(f);
	if (rc)
		return rc;
	uint8_t *payload = buf + tp_fanout_offset(f->sender, topic);
	/* Retained first: a subscriber that joins from now on finds it. */
	int k = tp_topictab_retained_find(f->tab, topic);
	if (k >= 0 && (rc = tp_topictab_retain(f->tab, (unsigned)k, getpid(), f->sender, type,
					       payload, len, (uint64_t)now)))
		tp_log("publish to %s: retained value not kept: %s", topic, tp_strerror(rc));
	/* What every subscriber's head shares, once per publish. */
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = TP_PRIO_NORMAL,
			      .type = type, .sent_ns = (uint64_t)now };
	size_t sl = strnlen(f->sender, TP_ENV_NAME_MAX + 1), tl = strlen(topic);
	if (sl > TP_ENV_NAME_MAX)
		return -TP_EINVAL;
	memcpy(env.sender, f->sender, sl + 1);
	memcpy(env.topic, topic, tl + 1);
	/* The table's filters were checked as they were copied, the topic
	 * above: matched without checking them again per subscriber. */
	for (unsigned i = 0; i < f->nsubs; i++)
		if (f->subs[i].kind != TP_SUB_FREE &&
		    !(f->local_only && f->subs[i].kind == TP_SUB_REMOTE) &&
		    tp_topic_match_checked(f->subs[i].filter, topic) && !fanout_seen(f, i, topic))
			fanout_deliver(f, i, &env, sl, tl, payload, len);
	return 0;
}
