/* The node's topics, daemon side (see node_topics.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "ctlpath.h"
#include "log_dmsg.h"
#include "node_deliver.h"
#include "node_topics.h"
#include "topic.pb.h"

int tp_node_topics_create(struct tp_node *n)
{
	const struct tp_topology *t = n->topo;
	int rc = tp_topictab_create(t->node.name, t->node.mode, &n->topics);
	if (rc) {
		n->topics = NULL;
		tp_derr("cannot create the topic table: %s", tp_strerror(rc));
		return rc;
	}
	/* Publishers and run-time subscribers of every user write it. */
	if ((rc = tp_node_share(n, "topics", 0060)))
		return rc;
	memset(n->subs, 0, sizeof n->subs);
	unsigned i = 0;
	for (unsigned a = 0; a < t->n_actors; a++)
		for (unsigned k = 0; k < t->actors[a].n_subs && i < TP_TT_SUBS_MAX; k++, i++) {
			struct tp_sub *s = &n->subs[i];
			snprintf(s->filter, sizeof s->filter, "%s", t->actors[a].subs[k].filter);
			snprintf(s->actor, sizeof s->actor, "%s", t->actors[a].name);
			s->kind = TP_SUB_DECLARED;
			s->policy = t->actors[a].subs[k].policy;
			tp_topictab_sub_put(n->topics, i, s, true);
		}
	unsigned r = 0;
	for (unsigned k = 0; k < t->n_topics; k++)
		if (t->topics[k].retained)
			tp_topictab_retained_declare(n->topics, r++, t->topics[k].name);
	return 0;
}

/* Index of the actor's run-time subscription to filter, or -1. */
static int topics_find(const struct tp_node *n, const char *actor, const char *filter)
{
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++)
		if (n->subs[i].kind == TP_SUB_RUNTIME && strcmp(n->subs[i].actor, actor) == 0 &&
		    strcmp(n->subs[i].filter, filter) == 0)
			return (int)i;
	return -1;
}

static bool topics_local(const struct tp_sub *s)
{
	return s->kind == TP_SUB_DECLARED || s->kind == TP_SUB_RUNTIME;
}

/* Has the node a local subscription to filter? */
static bool topics_wanted(const struct tp_node *n, const char *filter)
{
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++)
		if (topics_local(&n->subs[i]) && strcmp(n->subs[i].filter, filter) == 0)
			return true;
	return false;
}

/* Ends local subscription i; the links hear of it when it was the
 * node's last to that filter. */
static void topics_end(struct tp_node *n, unsigned i)
{
	char filter[TP_TOPIC_MAX + 1];
	memcpy(filter, n->subs[i].filter, sizeof filter);
	memset(&n->subs[i], 0, sizeof n->subs[i]);
	tp_topictab_sub_put(n->topics, i, &n->subs[i], true);
	if (n->topics_changed && !topics_wanted(n, filter))
		n->topics_changed(n->topics_ctx, filter, false);
}

static int topics_unsubscribe(struct tp_node *n, const char *actor, const char *filter)
{
	int i = topics_find(n, actor, filter);
	if (i < 0)
		return -TP_ENOENT;
	topics_end(n, (unsigned)i);
	tp_dmsg("%s unsubscribed from %s", actor, filter);
	return 0;
}

/* A run-time subscription of actor i (its process pid), or a new policy
 * for one it has. */
static int topics_subscribe(struct tp_node *n, unsigned a, pid_t pid,
			    const troupe_Subscribe *req)
{
	const struct tp_reg_entry *e = &n->ent[a];
	const struct tp_transport *tr = n->box[a].t;
	if (req->policy == TP_TOPIC_DROP_OLDEST && tr && !(tr->caps & TP_CAP_DROP_OLDEST))
		return -TP_ECONFIG;   /* a publisher cannot take mail out of it */
	int i = topics_find(n, e->name, req->filter);
	bool fresh = i < 0;
	for (unsigned k = 0; i < 0 && k < TP_TT_SUBS_MAX; k++)
		if (n->subs[k].kind == TP_SUB_FREE)
			i = (int)k;
	if (i < 0)
		return -TP_ELIMIT;
	bool first = fresh && !topics_wanted(n, req->filter);
	struct tp_sub *s = &n->subs[i];
	snprintf(s->filter, sizeof s->filter, "%s", req->filter);
	_Static_assert(sizeof s->actor >= sizeof e->name, "actor names");
	memcpy(s->actor, e->name, sizeof e->name);
	s->actor[sizeof e->name - 1] = '\0';
	s->kind = TP_SUB_RUNTIME;
	s->policy = req->policy;
	s->pid = pid;
	tp_topictab_sub_put(n->topics, (unsigned)i, s, fresh);
	tp_dmsg("%s subscribed to %s (%s)", e->name, req->filter,
		tp_topic_policy_name(req->policy));
	if (first && n->topics_changed)
		n->topics_changed(n->topics_ctx, req->filter, true);
	return 0;
}

int tp_node_topics_request(struct tp_node *n, const struct tp_env *env)
{
	if (env->type != troupe_Subscribe_msgid)
		return 1;
	troupe_Subscribe req = troupe_Subscribe_init_zero;
	troupe_SubscribeReply rep = troupe_SubscribeReply_init_zero;
	int a = tp_deliver_find(n, env->sender);
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	int rc = 0;
	if (a < 0 || !(env->flags & TP_ENV_F_REQUEST))
		return -TP_EPERM;   /* not one of ours, or no one waits for the answer */
	if (!pb_decode(&is, troupe_Subscribe_fields, &req))
		rc = -TP_EDECODE;
	else if (tp_topic_filter_check(req.filter) || req.policy > TP_TOPIC_DROP_NEWEST)
		rc = -TP_EINVAL;
	else if (!n->topics)
		rc = -TP_ENOENT;
	else if (req.unsubscribe)
		rc = topics_unsubscribe(n, n->ent[a].name, req.filter);
	else
		rc = topics_subscribe(n, (unsigned)a, (pid_t)n->ent[a].pid, &req);
	rep.error = -rc;
	uint8_t body[16];
	pb_ostream_t os = pb_ostream_from_buffer(body, sizeof body);
	if (!pb_encode(&os, troupe_SubscribeReply_fields, &rep))
		return -TP_EENCODE;
	return tp_deliver_bytes(n, (unsigned)a, TP_DAEMON_NAME, troupe_SubscribeReply_msgid,
				TP_ENV_F_REPLY, env->corr, body, os.bytes_written);
}

int tp_node_topics_daemon(struct tp_node *n, const char *filter, bool on)
{
	if (!n->topics)
		return -TP_ENOENT;
	if (tp_topic_filter_check(filter))
		return -TP_EINVAL;
	if (!on)
		return topics_unsubscribe(n, TP_DAEMON_NAME, filter);
	troupe_Subscribe req = { .policy = TP_TOPIC_DROP_NEWEST };
	snprintf(req.filter, sizeof req.filter, "%s", filter);
	return topics_subscribe(n, TP_NODE_DAEMON(n), getpid(), &req);
}

void tp_node_topics_exit(struct tp_node *n, pid_t pid)
{
	if (!n->topics || pid <= 0)
		return;
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++)
		if (n->subs[i].kind == TP_SUB_RUNTIME && n->subs[i].pid == pid)
			topics_end(n, i);
	if (tp_topictab_repair(n->topics, pid))
		tp_dwarn("process %d died while writing a retained value: that value is "
			 "lost until the next publish", (int)pid);
}

/* ---------------------------------------------------------------- links */

static void topics_remote_name(char *out, size_t len, const char *peer)
{
	snprintf(out, len, "%s@%s", TP_DAEMON_NAME, peer);
}

int tp_node_topics_remote(struct tp_node *n, const char *peer, const char *filter, bool on,
			  unsigned max)
{
	char who[TP_ENV_NAME_MAX + 1];
	if (!n->topics)
		return -TP_ENOENT;
	if (tp_topic_filter_check(filter))
		return -TP_EINVAL;
	topics_remote_name(who, sizeof who, peer);

	int at = -1, free_slot = -1;
	unsigned mine = 0;
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++) {
		const struct tp_sub *s = &n->subs[i];
		if (s->kind == TP_SUB_FREE && free_slot < 0)
			free_slot = (int)i;
		if (s->kind != TP_SUB_REMOTE || strcmp(s->actor, who) != 0)
			continue;
		mine++;
		if (strcmp(s->filter, filter) == 0)
			at = (int)i;
	}
	if (!on) {
		if (at < 0)
			return -TP_ENOENT;
		memset(&n->subs[at], 0, sizeof n->subs[at]);
		tp_topictab_sub_put(n->topics, (unsigned)at, &n->subs[at], true);
		return 0;
	}
	if (at >= 0)
		return 0;
	if (free_slot < 0 || mine >= max)
		return -TP_ELIMIT;
	struct tp_sub *s = &n->subs[free_slot];
	memset(s, 0, sizeof *s);
	snprintf(s->filter, sizeof s->filter, "%s", filter);
	snprintf(s->actor, sizeof s->actor, "%s", who);
	s->kind = TP_SUB_REMOTE;
	s->policy = TP_TOPIC_DROP_NEWEST;
	tp_topictab_sub_put(n->topics, (unsigned)free_slot, s, true);
	return 0;
}

unsigned tp_node_topics_remote_count(const struct tp_node *n, const char *peer)
{
	char who[TP_ENV_NAME_MAX + 1];
	unsigned k = 0;
	topics_remote_name(who, sizeof who, peer);
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++)
		k += n->subs[i].kind == TP_SUB_REMOTE && strcmp(n->subs[i].actor, who) == 0;
	return k;
}

unsigned tp_node_topics_remote_clear(struct tp_node *n, const char *peer)
{
	char who[TP_ENV_NAME_MAX + 1];
	unsigned k = 0;
	if (!n->topics)
		return 0;
	topics_remote_name(who, sizeof who, peer);
	for (unsigned i = 0; i < TP_TT_SUBS_MAX; i++)
		if (n->subs[i].kind == TP_SUB_REMOTE && strcmp(n->subs[i].actor, who) == 0) {
			memset(&n->subs[i], 0, sizeof n->subs[i]);
			tp_topictab_sub_put(n->topics, i, &n->subs[i], true);
			k++;
		}
	return k;
}

unsigned tp_node_topics_local_filters(const struct tp_node *n, const char **out,
				      unsigned max)
{
	unsigned k = 0;
	for (unsigned i = 0; i < TP_TT_SUBS_MAX && k < max; i++) {
		if (!topics_local(&n->subs[i]))
			continue;
		bool seen = false;
		for (unsigned j = 0; j < k && !seen; j++)
			seen = strcmp(out[j], n->subs[i].filter) == 0;
		if (!seen)
			out[k++] = n->subs[i].filter;
	}
	return k;
}

void tp_node_topics_fini(struct tp_node *n)
{
	if (!n->topics)
		return;
	tp_topictab_close(n->topics);
	n->topics = NULL;
	int rc = tp_topictab_unlink(n->topo->node.name);
	if (rc)
		tp_derr("cannot remove the topic table: %s", tp_strerror(rc));
}
