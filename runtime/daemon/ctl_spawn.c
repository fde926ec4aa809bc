/* Dynamic children, asked for by troupectl or an actor (see ctl_spawn.h). */
#include <stdio.h>
#include <string.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "troupe/monitor.h"
#include "monitor.pb.h"
#include "log_dmsg.h"
#include "mailbox.h"
#include "ctlpath.h"
#include "node_deliver.h"
#include "topo_reload.h"
#include "ctl_spawn.h"

static void spawn_pid(const struct tp_ctl *c, const char *name, troupe_CtlReply *r)
{
	int i = tp_deliver_find(c->node, name);
	if (i >= 0)
		snprintf(r->msg + strlen(r->msg), sizeof r->msg - strlen(r->msg),
			 " (pid %d)", (int)c->node->ent[i].pid);
}

int tp_ctl_do_spawn(struct tp_ctl *c, int k, const troupe_CtlRequest *q, troupe_CtlReply *r)
{
	(void)k;
	int rc = c->reload ? tp_reloader_spawn(c->reload, q->exec, q->name, q->args,
					       r->msg, sizeof r->msg) : -TP_ENOSYS;
	r->err = rc < 0 ? -rc : 0;
	if (rc == 0)
		spawn_pid(c, q->name, r);
	return 0;
}

int tp_ctl_do_despawn(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		      troupe_CtlReply *r)
{
	int rc = c->reload ? tp_reloader_despawn(c->reload, q->name, r->msg, sizeof r->msg)
			   : -TP_ENOSYS;
	r->err = rc < 0 ? -rc : 0;
	if (rc == 0 && tp_reloader_pending(c->reload)) {
		c->reload_client = k;   /* answered once the child is gone */
		return 1;
	}
	return 0;
}

/* The answer to an actor's Spawn: Spawned, or an Error reply with msg. */
static int spawn_answer(struct tp_ctl *c, const char *to, uint64_t corr, int err,
			const char *msg, int32_t pid)
{
	static uint8_t buf[512];
	struct tp_node *n = c->node;
	int a = tp_deliver_find(n, to);
	if (a < 0)
		return -TP_ENOENT;   /* it is gone meanwhile */
	if (err) {
		/* The reason in the reply is short: the first line, cut. */
		char reason[96];
		snprintf(reason, sizeof reason, "%.*s", (int)strcspn(msg, "\n"), msg);
		struct tp_refusal ref = { .from = TP_DAEMON_NAME, .to = to, .corr = corr,
					  .type = troupe_Spawn_msgid, .err = err,
					  .reason = reason };
		struct tp_mailbox *m = &n->box[a];
		return tp_mailbox_refuse(m, buf, m->msg_max < sizeof buf ? m->msg_max : sizeof buf,
					 &ref, 0);
	}
	troupe_Spawned s = { .pid = pid };
	uint8_t body[16];
	pb_ostream_t os = pb_ostream_from_buffer(body, sizeof body);
	if (!pb_encode(&os, troupe_Spawned_fields, &s))
		return -TP_EENCODE;
	return tp_deliver_bytes(n, (unsigned)a, TP_DAEMON_NAME, troupe_Spawned_msgid,
				TP_ENV_F_REPLY, corr, body, os.bytes_written);
}

int tp_ctl_spawn_request(struct tp_ctl *c, const struct tp_env *env)
{
	if (env->type != troupe_Spawn_msgid)
		return 1;
	static troupe_Spawn q;
	static char msg[1024];
	memset(&q, 0, sizeof q);
	if (tp_deliver_find(c->node, env->sender) < 0 || !(env->flags & TP_ENV_F_REQUEST) ||
	    !env->corr)
		return -TP_EPERM;   /* not one of ours, or no one waits for the answer */
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	if (!pb_decode(&is, troupe_Spawn_fields, &q))
		return spawn_answer(c, env->sender, env->corr, -TP_EDECODE,
				    "the request does not decode", 0);
	if (!c->reload)
		return spawn_answer(c, env->sender, env->corr, -TP_ENOSYS,
				    "this daemon takes no dynamic children", 0);
	int rc;
	if (q.template_name[0]) {
		rc = tp_reloader_spawn(c->reload, q.template_name, q.name, q.args, msg, sizeof msg);
		int i = rc ? -1 : tp_deliver_find(c->node, q.name);
		return spawn_answer(c, env->sender, env->corr, rc, msg,
				    i >= 0 ? c->node->ent[i].pid : 0);
	}
	rc = tp_reloader_despawn(c->reload, q.name, msg, sizeof msg);
	if (rc == 0 && tp_reloader_pending(c->reload)) {
		snprintf(c->spawn_waiter, sizeof c->spawn_waiter, "%.*s", TP_NAME_MAX, env->sender);
		c->spawn_corr = env->corr;
		return 0;
	}
	return spawn_answer(c, env->sender, env->corr, rc, msg, 0);
}

bool tp_ctl_spawn_done(struct tp_ctl *c, int err, const char *msg)
{
	if (!c->spawn_waiter[0])
		return false;
	int rc = spawn_answer(c, c->spawn_waiter, c->spawn_corr, err, msg, 0);
	if (rc && rc != -TP_ENOENT)   /* ENOENT: it despawned itself */
		tp_dwarn("cannot answer %s's despawn: %s", c->spawn_waiter, tp_strerror(rc));
	c->spawn_waiter[0] = '\0';
	return true;
}
