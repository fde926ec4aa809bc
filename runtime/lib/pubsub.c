/* Topics, actor side (see troupe/topic.h): publish (encode once, then the
 * fan-out, fanout.c, straight into each matching subscriber's mailbox),
 * subscribe through the daemon, and the retained values a subscriber gets
 * first.  The table is the daemon's (topictab.h); the daemon side is
 * runtime/daemon/node_topics.c. */
#include <string.h>
#include "troupe/topic.h"
#include "actor-internal.h"
#include "clock.h"
#include "ctlpath.h"
#include "fanout.h"
#include "topic.pb.h"

_Static_assert(TP_TOPIC_DROP_OLDEST == 0 && TP_TOPIC_DROP_NEWEST == 1, "topic.proto");

/* The fan-out's mailbox for actor `name`: the actor's own cache of the
 * mailboxes it sends to (mail.c), so that mail and topics share it. */
static int pubsub_dest(void *ctx, const char *name, struct tp_mailbox **out)
{
	struct tp_dest *d;
	int rc = tp_mail_dest(ctx, name, false, &d);
	if (rc == 0)
		*out = &d->box;
	return rc;
}

/* Encodes once, at the fan-out's offset of the send buffer, then fans out. */
static int pubsub_publish(tp_actor *self, const char *topic, uint32_t type,
			  const struct tp_payload *pl)
{
	if (tp_topic_name_check(topic))
		return -TP_EINVAL;
	if (!self->fan.tab)
		return -TP_ENOENT;
	size_t off = tp_fanout_offset(self->name, topic);
	if (off >= self->sbuf_len)
		return -TP_ETOOBIG;
	int len = tp_payload_put(pl, self->sbuf + off, self->sbuf_len - off);
	if (len < 0)
		return len;
	return tp_fanout_publish(&self->fan, topic, type, self->sbuf, (uint32_t)len,
				 tp_now_ns());
}

int tp_publish_msg(tp_actor *self, const char *topic, uint32_t type,
		   const pb_msgdesc_t *fields, const void *msg)
{
	struct tp_payload pl = { .fields = fields, .msg = msg };
	return pubsub_publish(self, topic, type, &pl);
}

int tp_publish_bytes(tp_actor *self, const char *topic, uint32_t type,
		     const void *payload, size_t len)
{
	struct tp_payload pl = { .msg = payload, .len = len };
	return pubsub_publish(self, topic, type, &pl);
}

/* ---------------------------------------------------------------- retained */

/* Stashes the retained values that filter matches (every filter of this
 * actor's when filter is NULL), at the front, so that they come before
 * any mail: a subscriber that joins or restarts gets them first.  They
 * carry no send time (their wait in the table is no mailbox latency). */
static void pubsub_retained(tp_actor *self, const char *filter)
{
	static struct tp_retained r;
	unsigned n = tp_topictab_retained_count(self->fan.tab);
	/* Backwards, each to the front: delivered in table order. */
	for (unsigned k = n; k-- > 0;) {
		if (tp_topictab_retained_get(self->fan.tab, k, &r) || !r.set)
			continue;
		bool match = false;
		for (unsigned i = 0; filter == NULL && i < self->fan.nsubs; i++)
			match |= self->fan.subs[i].kind != TP_SUB_FREE &&
				 strcmp(self->fan.subs[i].actor, self->name) == 0 &&
				 tp_topic_match(self->fan.subs[i].filter, r.topic);
		if (filter)
			match = tp_topic_match(filter, r.topic);
		if (!match)
			continue;
		struct tp_env env = { .version = TP_ENV_VERSION, .prio = TP_PRIO_NORMAL,
				      .type = r.type };
		strcpy(env.sender, r.sender);
		strcpy(env.dest, self->name);
		strcpy(env.topic, r.topic);
		int off = tp_env_encode_head(self->sbuf, self->sbuf_len, &env);
		if (off < 0 || r.len > self->box.msg_max - (size_t)off ||
		    r.len > self->sbuf_len - (size_t)off) {
			tp_log("retained value of %s (%u bytes) does not fit this mailbox",
			       r.topic, r.len);
			continue;
		}
		memcpy(self->sbuf + off, r.data, r.len);
		tp_env_set_len(self->sbuf, r.len);
		if (!tp_mail_stash_front(self, self->sbuf, off + r.len))
			tp_log("retained value of %s not delivered: more retained values "
			       "than the stash holds (twice the mailbox's depth)", r.topic);
	}
}

void tp_topics_init(tp_actor *self)
{
	self->fan = (struct tp_fanout){ .sender = self->name, .dest = pubsub_dest, .ctx = self };
	if (tp_topictab_open(self->node, &self->fan.tab)) {
		self->fan.tab = NULL;   /* an older daemon: no topics */
		return;
	}
	if (tp_fanout_refresh(&self->fan) == 0)
		pubsub_retained(self, NULL);
}

void tp_topics_fini(tp_actor *self)
{
	tp_topictab_close(self->fan.tab);
	self->fan.tab = NULL;
	tp_fanout_fini(&self->fan);
}

/* ---------------------------------------------------------------- subscribe */

/* How long a subscription request may wait for the daemon. */
#define SUBSCRIBE_TIMEOUT_MS 5000

static int pubsub_request(tp_actor *self, const char *filter, uint32_t policy, bool unsub)
{
	if (tp_topic_filter_check(filter) || policy > TP_TOPIC_DROP_NEWEST)
		return -TP_EINVAL;
	if (!self->fan.tab)
		return -TP_ENOENT;
	troupe_Subscribe req = troupe_Subscribe_init_zero;
	troupe_SubscribeReply rep = troupe_SubscribeReply_init_zero;
	strcpy(req.filter, filter);
	req.policy = policy;
	req.unsubscribe = unsub;
	int rc = tp_call(self, TP_DAEMON_NAME, troupe_Subscribe, &req, troupe_SubscribeReply,
			 &rep, SUBSCRIBE_TIMEOUT_MS);
	if (rc)
		return rc;
	return rep.error > 0 && rep.error < TP_ERR_COUNT ? -rep.error : rep.error ? -TP_EINVAL : 0;
}

int tp_subscribe(tp_actor *self, const char *filter, enum tp_topic_policy policy)
{
	int rc = pubsub_request(self, filter, (uint32_t)policy, false);
	if (rc == 0)
		pubsub_retained(self, filter);
	return rc;
}

int tp_unsubscribe(tp_actor *self, const char *filter)
{
	return pubsub_request(self, filter, 0, true);
}
