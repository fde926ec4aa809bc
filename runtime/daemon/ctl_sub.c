/* troupectl sub, daemon side (see ctl_sub.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "troupe/topic.h"
#include "log_dmsg.h"
#include "node_topics.h"
#include "ctl_sub.h"

static bool sub_filter_used(const struct tp_ctl *c, const char *filter, int except)
{
	for (int k = 0; k < TP_CTL_CLIENTS; k++)
		if (k != except && c->client[k] >= 0 && strcmp(c->sub[k], filter) == 0)
			return true;
	return false;
}

int tp_ctl_do_sub(struct tp_ctl *c, int k, const troupe_CtlRequest *q, troupe_CtlReply *r)
{
	int rc = c->sub[k][0] ? -TP_EBUSY : tp_topic_filter_check(q->filter) ? -TP_EINVAL : 0;
	/* One subscription of the daemon's per filter, kept while any client
	 * has it. */
	if (!rc && !sub_filter_used(c, q->filter, k))
		rc = tp_node_topics_daemon(c->node, q->filter, true);
	if (rc) {
		r->err = -rc;
		snprintf(r->msg, sizeof r->msg, "cannot subscribe to '%.128s': %s", q->filter,
			 rc == -TP_EBUSY ? "this client has a subscription already" :
			 rc == -TP_EINVAL ? "not an MQTT filter" :
			 rc == -TP_ELIMIT ? "the node's subscriptions are all in use" :
			 tp_strerror(rc));
		return 0;
	}
	snprintf(c->sub[k], sizeof c->sub[k], "%s", q->filter);
	c->sub_dropped[k] = 0;
	return 0;
}

void tp_ctl_sub_mail(struct tp_ctl *c, const struct tp_env *env)
{
	static troupe_CtlReply r;
	static uint8_t buf[troupe_CtlReply_size];
	bool encoded = false;
	size_t len = 0;
	for (int k = 0; k < TP_CTL_CLIENTS; k++) {
		if (c->client[k] < 0 || !c->sub[k][0] || !tp_topic_match(c->sub[k], env->topic))
			continue;
		/* Larger than a control reply carries: not shown, but counted
		 * among what the client missed, as one it could not keep up with. */
		if (env->payload_len > sizeof r.payload.bytes) {
			c->sub_dropped[k]++;
			continue;
		}
		if (!encoded) {
			memset(&r, 0, sizeof r);
			r.version = 1;
			r.type = env->type;
			r.payload.size = (pb_size_t)env->payload_len;
			memcpy(r.payload.bytes, env->payload, env->payload_len);
			snprintf(r.topic, sizeof r.topic, "%s", env->topic);
			snprintf(r.sender, sizeof r.sender, "%s", env->sender);
			encoded = true;
		}
		r.dropped = c->sub_dropped[k];
		pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
		if (!pb_encode(&os, troupe_CtlReply_fields, &r))
			return;
		len = os.bytes_written;
		if (send(c->client[k], buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK))
			c->sub_dropped[k]++;
		/* Another error: the client is gone, and its hang-up closes it. */
	}
}

void tp_ctl_sub_end(struct tp_ctl *c, int k)
{
	if (!c->sub[k][0])
		return;
	if (!sub_filter_used(c, c->sub[k], k))
		tp_node_topics_daemon(c->node, c->sub[k], false);
	c->sub[k][0] = '\0';
}
