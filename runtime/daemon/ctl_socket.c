/* The control socket (see ctl_socket.h).  Requests are handled at once, in
 * the daemon's loop, except CALL, whose reply comes later through the
 * daemon's mailbox. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "control.pb.h"
#include "ctlpath.h"
#include "rundir.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "log_limit.h"
#include "random.h"
#include "ctl_socket.h"
#include "node_topics.h"
#include "ctl_spawn.h"
#include "ctl_sub.h"

#define MS 1000000LL

static int ctl_add(struct tp_ctl *c, int fd, struct tp_loop_fd *h)
{
	return tp_loop_ctl(c->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, h);
}

static void ctl_accept(struct tp_ctl *c);
static void ctl_mail(struct tp_ctl *c);
static void ctl_request(struct tp_ctl *c, int k);

static void ctl_on_listen(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	ctl_accept(h->owner);
}

static void ctl_on_mail(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	ctl_mail(h->owner);
}

static void ctl_on_client(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	struct tp_ctl *c = h->owner;
	if (c->client[h->ix] >= 0) {
		c->active_ns[h->ix] = tp_now_ns();
		ctl_request(c, (int)h->ix);
	}
}

static int ctl_bind(struct tp_ctl *c, mode_t mode)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(c->path) >= sizeof a.sun_path)
		return -TP_ETOOBIG;
	strcpy(a.sun_path, c->path);
	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->lfd < 0)
		return -tp_err_from_errno(errno);
	unlink(c->path);
	/* Bound with no access at all, then opened up: no window in which
	 * the socket has the umask's mode. */
	mode_t old = umask(0777);
	int rc = bind(c->lfd, (struct sockaddr *)&a, sizeof a);
	umask(old);
	if (rc || chmod(c->path, mode) || listen(c->lfd, 8))
		return -tp_err_from_errno(errno);
	return 0;
}

int tp_ctl_open(struct tp_ctl *c, const char *path, struct tp_sup *s,
		struct tp_node *n, struct tp_monitors *m, int epfd)
{
	memset(c, 0, sizeof *c);
	c->sup = s;
	c->node = n;
	c->mon = m;
	c->epfd = epfd;
	c->reload_client = -1;
	c->lfd = -1;
	for (int k = 0; k < TP_CTL_CLIENTS; k++) {
		c->client[k] = -1;
		tp_loop_fd_set(&c->h_client[k], ctl_on_client, c, (unsigned)k);
	}
	tp_loop_fd_set(&c->h_listen, ctl_on_listen, c, 0);
	tp_loop_fd_set(&c->h_mail, ctl_on_mail, c, 0);
	for (int k = 0; k < TP_CTL_CALLS; k++)
		c->call[k].client = -1;
	int rc = 0;
	if (path && *path) {
		snprintf(c->path, sizeof c->path, "%s", path);
	} else {
		char err[256];
		if (tp_ctl_path(c->path, sizeof c->path, n->topo->node.name))
			rc = -TP_ETOOBIG;
		else if ((rc = tp_rundir_make(n->topo->node.mode, err, sizeof err)))
			tp_derr("%s", err);
	}
	if (!rc)
		rc = ctl_bind(c, n->topo->node.mode & 0660);
	if (!rc)
		rc = ctl_add(c, c->lfd, &c->h_listen);
	unsigned d = TP_NODE_DAEMON(n);
	if (!rc)
		rc = ctl_add(c, n->box[d].t->wait_fd(n->box[d].mb), &c->h_mail);
	if (rc)
		tp_derr("cannot open the control socket %s: %s", c->path, tp_strerror(rc));
	return rc;
}

/* ---------------------------------------------------------------- clients */

static void ctl_drop(struct tp_ctl *c, int k)
{
	close(c->client[k]);   /* closing also leaves the epoll set */
	c->client[k] = -1;
	for (int j = 0; j < TP_CTL_CALLS; j++)
		if (c->call[j].client == k)
			c->call[j].client = -1;
	if (c->reload_client == k)
		c->reload_client = -1;
	tp_ctl_sub_end(c, k);
}

/* Only the daemon's own user and root may control it. */
static bool ctl_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof cr;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

/* Waiting for an answer, or subscribed (troupectl sub): never idle. */
static bool ctl_in_call(const struct tp_ctl *c, int k)
{
	if (c->sub[k][0])
		return true;
	for (int j = 0; j < TP_CTL_CALLS; j++)
		if (c->call[j].client == k)
			return true;
	return false;
}

static void ctl_client_note(struct tp_ctl *c, const char *what)
{
	char note[64];
	if (tp_log_limit(&c->client_log, tp_now_ns(), note, sizeof note))
		tp_dwarn("control: %s%s", what, note);
}

/* A free slot; else the slot of the client idle longest (at least
 * TP_CTL_EVICT_MS, no call in flight), closed; else -1. */
static int ctl_slot(struct tp_ctl *c, int64_t now)
{
	int idlest = -1;
	for (int k = 0; k < TP_CTL_CLIENTS; k++) {
		if (c->client[k] < 0)
			return k;
		if (!ctl_in_call(c, k) && now - c->active_ns[k] >= TP_CTL_EVICT_MS * MS &&
		    (idlest < 0 || c->active_ns[k] < c->active_ns[idlest]))
			idlest = k;
	}
	if (idlest >= 0) {
		ctl_drop(c, idlest);
		ctl_client_note(c, "closed an idle client to make room");
	}
	return idlest;
}

static void ctl_accept(struct tp_ctl *c)
{
	int fd;
	while ((fd = accept4(c->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		int64_t now = tp_now_ns();
		bool ok = ctl_peer_ok(fd);
		int k = ok ? ctl_slot(c, now) : -1;
		if (!ok || k < 0 || ctl_add(c, fd, &c->h_client[k])) {
			ctl_client_note(c, !ok ? "refused a client (credentials)" :
					k < 0 ? "refused a client (too many clients)" :
					"refused a client (epoll)");
			close(fd);
			continue;
		}
		c->client[k] = fd;
		c->active_ns[k] = now;
		tp_ddebug("control: client %d connected", k);
	}
}

static void ctl_reply(struct tp_ctl *c, int k, troupe_CtlReply *r)
{
	static uint8_t buf[troupe_CtlReply_size];
	pb_ostream_t os = pb_ostream_from_buffer(buf, sizeof buf);
	r->version = 1;
	if (!pb_encode(&os, troupe_CtlReply_fields, r) ||
	    send(c->client[k], buf, os.bytes_written, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		ctl_drop(c, k);
}

static void ctl_err(troupe_CtlReply *r, int err, const char *fmt, const char *arg)
{
	r->err = err < 0 ? -err : err;
	snprintf(r->msg, sizeof r->msg, fmt, arg);
}

/* ---------------------------------------------------------------- commands */

static void ctl_info(const struct tp_ctl *c, unsigned i, troupe_ActorInfo *a)
{
	const struct tp_reg_entry *e = &c->node->ent[i];
	const struct tp_actor_conf *ac = &c->node->topo->actors[i];
	struct tp_mbox_stat st;
	tp_mailbox_stat(&c->node->box[i], &st);
	snprintf(a->name, sizeof a->name, "%s", e->name);
	snprintf(a->state, sizeof a->state, "%s", tp_state_name(e->state));
	snprintf(a->transport, sizeof a->transport, "%s", e->transport);
	snprintf(a->supervisor, sizeof a->supervisor, "%s",
		 tp_tree_sup_name(&c->sup->tree, c->sup->tree.act_sup[i]));
	snprintf(a->restart, sizeof a->restart, "%s", tp_restart_name(ac->restart));
	a->pid = e->pid;
	a->depth = st.depth;
	a->capacity = e->depth;
	a->msg_max = e->msg_max;
	a->restarts = e->restarts;
	/* The age of its process; none without one (down, backoff, failed). */
	const struct tp_child *ch = &c->sup->ch[i];
	a->has_uptime = e->pid > 0;
	a->uptime_ms = e->pid > 0 ? (uint64_t)(tp_now_ns() - ch->up_ns) / MS : 0;
	/* How long it has held the message it handles (the watchdog's view). */
	int64_t busy = e->pid > 0 ? tp_counters_busy_since(c->node->ctr, i) : 0, now = tp_now_ns();
	a->busy = busy > 0 && busy <= now;
	a->busy_ms = a->busy ? (uint64_t)(now - busy) / MS : 0;
}

static int ctl_actor(struct tp_ctl *c, const troupe_CtlRequest *q, troupe_CtlReply *r)
{
	int i = tp_deliver_find(c->node, q->name);
	if (i < 0)
		ctl_err(r, -TP_ENOENT, "no actor '%s'", q->name);
	return i;
}

static int ctl_do_list(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		       troupe_CtlReply *r)
{
	(void)k; (void)q;
	for (unsigned i = 0; i < c->node->topo->n_actors; i++)
		ctl_info(c, i, &r->actors[r->actors_count++]);
	return 0;
}

static int ctl_do_status(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			 troupe_CtlReply *r)
{
	(void)k;
	int i = ctl_actor(c, q, r);
	if (i >= 0)
		ctl_info(c, (unsigned)i, &r->actors[r->actors_count++]);
	return 0;
}

static int ctl_do_lifecycle(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			    troupe_CtlReply *r)
{
	(void)k;
	int i = ctl_actor(c, q, r), rc = 0;
	if (i < 0)
		return 0;
	if (q->cmd == troupe_CtlRequest_Cmd_UPGRADE && q->exec[0] && access(q->exec, X_OK)) {
		int e = errno;
		char what[sizeof r->msg];
		snprintf(what, sizeof what, "cannot execute %.200s: %s", q->exec, strerror(e));
		/* TP_ESYS, not what errno maps to: ENOENT would say "no such actor". */
		ctl_err(r, -TP_ESYS, "%s", what);
		return 0;
	}
	switch (q->cmd) {
	case troupe_CtlRequest_Cmd_STOP: rc = tp_sup_ctl_stop(c->sup, (unsigned)i); break;
	case troupe_CtlRequest_Cmd_START: rc = tp_sup_ctl_start(c->sup, (unsigned)i); break;
	case troupe_CtlRequest_Cmd_RESTART: rc = tp_sup_ctl_restart(c->sup, (unsigned)i, NULL); break;
	default: rc = tp_sup_ctl_restart(c->sup, (unsigned)i, q->exec[0] ? q->exec : NULL);
	}
	if (rc == -TP_EBUSY)
		ctl_err(r, rc, "%s is already running", q->name);
	else if (rc == -TP_ESTATE)
		ctl_err(r, rc, "%s is already stopped, or the node is stopping", q->name);
	else if (rc)
		ctl_err(r, rc, "%s", tp_strerror(rc));
	else
		tp_dmsg("control: %s %s", q->cmd == troupe_CtlRequest_Cmd_STOP ? "stop" :
			q->cmd == troupe_CtlRequest_Cmd_START ? "start" :
			q->cmd == troupe_CtlRequest_Cmd_RESTART ? "restart" : "upgrade", q->name);
	return 0;
}

int tp_ctl_new_call(struct tp_ctl *c, int k, uint32_t timeout_ms, const char *callee,
		    uint64_t *corr)
{
	for (int j = 0; j < TP_CTL_CALLS; j++)
		if (c->call[j].client < 0) {
			*corr = tp_random_corr();
			c->call[j] = (struct tp_ctl_call){ .client = k, .corr = *corr,
				.deadline_ns = tp_now_ns() +
					(int64_t)(timeout_ms ? timeout_ms : 1000) * MS };
			snprintf(c->call[j].callee, sizeof c->call[j].callee, "%s", callee);
			return j;
		}
	return -TP_ELIMIT;
}

/* Returns 1 when the reply comes later (a call). */
static int ctl_do_send(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		       troupe_CtlReply *r)
{
	static troupe_CtlRequest local;
	const char *at = strchr(q->name, '@');
	if (at && strcmp(at + 1, c->node->topo->node.name) != 0)
		return tp_ctl_send_remote(c, k, q, r);
	if (at) {   /* "name@<this node>" */
		local = *q;
		local.name[at - q->name] = '\0';
		q = &local;
	}
	int i = ctl_actor(c, q, r);
	if (i < 0)
		return 0;
	bool call = q->cmd == troupe_CtlRequest_Cmd_CALL;
	if (call && (c->node->ent[i].flags & TP_REG_F_CLOSED)) {
		/* Nobody would read it before the deadline (tp_call does the same). */
		ctl_err(r, -TP_ECLOSED, "%s is stopped", q->name);
		return 0;
	}
	uint64_t corr = 0;
	int j = call ? tp_ctl_new_call(c, k, q->timeout_ms, c->node->ent[i].name, &corr) : 0;
	if (j < 0) {
		ctl_err(r, j, "%s", "too many calls in flight");
		return 0;
	}
	/* From the daemon: a reply to a plain send finds no call and is
	 * dropped; one to a call is relayed. */
	int rc = tp_deliver_bytes(c->node, (unsigned)i, TP_DAEMON_NAME,
				  q->type, call ? TP_ENV_F_REQUEST : 0, corr,
				  q->payload.bytes, q->payload.size);
	if (rc == 0)
		return call;
	if (call)
		c->call[j].client = -1;
	ctl_err(r, rc, rc == -TP_EFULL ? "mailbox of %s is full" : "cannot send to %s",
		q->name);
	return 0;
}

static int ctl_do_counters(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			   troupe_CtlReply *r)
{
	(void)k; (void)q;
	const struct tp_node *n = c->node;
	r->counting = n->ctr != NULL;
	for (unsigned i = 0; i < n->count && i < TP_REG_MAX; i++) {
		troupe_Counters *o = &r->counters[r->counters_count++];
		struct tp_ctr v;
		struct tp_mbox_stat st;
		tp_counters_get(n->ctr, i, &v);
		tp_mailbox_stat(&n->box[i], &st);
		if (n->ent[i].node[0])   /* a node link's outbox (linkd.h) */
			snprintf(o->name, sizeof o->name, "link.%.26s", n->ent[i].node);
		else
			snprintf(o->name, sizeof o->name, "%s", n->ent[i].name);
		o->sent = v.sent;
		o->received = v.received;
		/* shm counts evictions in the ring; mq only per sending handle. */
		o->dropped = v.dropped + st.dropped;
		o->rejected_full = v.rejected_full;
		o->refused = v.refused;
		o->restarts = n->ent[i].restarts;
		o->hwm = v.hwm;
		o->depth = st.depth;
		_Static_assert(sizeof o->handling == sizeof v.handling, "control.options");
		o->handling_count = TP_CTR_BUCKETS;
		memcpy(o->handling, v.handling, sizeof v.handling);
		_Static_assert(sizeof o->latency == sizeof v.lat, "control.options");
		o->latency_count = TP_LAT_BUCKETS;
		memcpy(o->latency, v.lat, sizeof v.lat);
		o->latency_n = v.lat_n;
		o->latency_sum_ns = v.lat_sum_ns;
		o->latency_max_ns = v.lat_max_ns;
	}
	return 0;
}

static int ctl_do_reload(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			 troupe_CtlReply *r)
{
	(void)k; (void)q;
	int rc = c->reload ? tp_reloader_request(c->reload, r->msg, sizeof r->msg)
			   : -TP_ENOSYS;
	r->err = rc < 0 ? -rc : 0;
	/* Answered once done, with the actors it could not start named. */
	if (rc == 0 && tp_reloader_pending(c->reload)) {
		c->reload_client = k;
		return 1;
	}
	return 0;
}

void tp_ctl_reload_done(void *arg, int err, const char *msg)
{
	static troupe_CtlReply r;
	struct tp_ctl *c = arg;
	int k = c->reload_client;
	if (tp_ctl_spawn_done(c, err, msg) || k < 0)
		return;
	c->reload_client = -1;
	memset(&r, 0, sizeof r);
	r.err = err < 0 ? -err : err;
	snprintf(r.msg, sizeof r.msg, "%s", msg);
	ctl_reply(c, k, &r);
}

/* Tracing stays on until the last tracer's time is up. */
static int ctl_do_trace(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			troupe_CtlReply *r)
{
	(void)k;
	struct tp_counters *ctr = c->node->ctr;
	if (!ctr) {
		ctl_err(r, -TP_ENOSYS, "the node has no counters segment, so no trace%s", "");
		return 0;
	}
	uint32_t ms = q->timeout_ms ? q->timeout_ms : 1000;
	int64_t until = tp_now_ns() + (int64_t)(ms > 3600000 ? 3600000 : ms) * MS;
	if (until > c->trace_until_ns)
		c->trace_until_ns = until;
	__atomic_store_n(&ctr->tracing, 1, __ATOMIC_RELAXED);
	r->counting = true;
	return 0;
}

typedef int ctl_handler(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
			troupe_CtlReply *r);

static ctl_handler *const ctl_handlers[] = {
	[troupe_CtlRequest_Cmd_LIST] = ctl_do_list,
	[troupe_CtlRequest_Cmd_STATUS] = ctl_do_status,
	[troupe_CtlRequest_Cmd_STOP] = ctl_do_lifecycle,
	[troupe_CtlRequest_Cmd_START] = ctl_do_lifecycle,
	[troupe_CtlRequest_Cmd_RESTART] = ctl_do_lifecycle,
	[troupe_CtlRequest_Cmd_UPGRADE] = ctl_do_lifecycle,
	[troupe_CtlRequest_Cmd_SEND] = ctl_do_send,
	[troupe_CtlRequest_Cmd_CALL] = ctl_do_send,
	[troupe_CtlRequest_Cmd_COUNTERS] = ctl_do_counters,
	[troupe_CtlRequest_Cmd_LINKS] = tp_ctl_do_links,
	[troupe_CtlRequest_Cmd_RELOAD] = ctl_do_reload,
	[troupe_CtlRequest_Cmd_TRACE] = ctl_do_trace,
	[troupe_CtlRequest_Cmd_SPAWN] = tp_ctl_do_spawn,
	[troupe_CtlRequest_Cmd_DESPAWN] = tp_ctl_do_despawn,
	[troupe_CtlRequest_Cmd_SUB] = tp_ctl_do_sub,
};

static void ctl_request(struct tp_ctl *c, int k)
{
	static uint8_t buf[troupe_CtlRequest_size + 1];
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	ssize_t len = recv(c->client[k], buf, sizeof buf, MSG_DONTWAIT);
	if (len <= 0) {
		if (len == 0 || (errno != EAGAIN && errno != EINTR))
			ctl_drop(c, k);
		return;
	}
	memset(&q, 0, sizeof q);
	memset(&r, 0, sizeof r);
	pb_istream_t is = pb_istream_from_buffer(buf, (size_t)len);
	bool ok = (size_t)len <= troupe_CtlRequest_size &&
		  pb_decode(&is, troupe_CtlRequest_fields, &q);
	tp_ddebug("control: client %d: %s %d %s", k, ok ? "command" : "malformed",
		  (int)q.cmd, q.name);
	if (!ok) {
		ctl_err(&r, -TP_EDECODE, "malformed request%s", "");
	} else if ((unsigned)q.cmd >= sizeof ctl_handlers / sizeof ctl_handlers[0] ||
		   !ctl_handlers[q.cmd]) {
		ctl_err(&r, -TP_ENOSYS, "command not supported%s", "");
	} else if (ctl_handlers[q.cmd](c, k, &q, &r) == 1) {
		return;   /* a call: answered when its reply comes */
	}
	ctl_reply(c, k, &r);
}

/* ---------------------------------------------------------------- mailbox */

static void ctl_forged(struct tp_ctl *c, const struct tp_env *env, const char *callee)
{
	static struct tp_log_limit limit;
	char note[64];
	c->forged++;
	if (tp_log_limit(&limit, tp_now_ns(), note, sizeof note))
		tp_dwarn("control: dropped a reply from %s to a call of %s (%llu so far)%s",
			 env->sender, callee, (unsigned long long)c->forged, note);
}

static void ctl_call_done(struct tp_ctl *c, const struct tp_env *env)
{
	static troupe_CtlReply r;
	for (int j = 0; j < TP_CTL_CALLS; j++) {
		if (c->call[j].client < 0 || c->call[j].corr != env->corr)
			continue;
		/* Any process that may write our mailbox can claim any sender:
		 * the reply must guess the random id and name the callee. */
		if (strcmp(env->sender, c->call[j].callee) != 0) {
			ctl_forged(c, env, c->call[j].callee);
			return;
		}
		memset(&r, 0, sizeof r);
		char why[sizeof r.msg - TP_ENV_NAME_MAX - 2];
		int err = tp_mailbox_error_read(env, why, sizeof why);
		if (err) {
			r.err = -err;
			snprintf(r.msg, sizeof r.msg, "%s: %s", env->sender, why);
		} else if (env->payload_len > sizeof r.payload.bytes) {
			ctl_err(&r, -TP_ETOOBIG, "reply of %s is too big for the control "
				"protocol", env->sender);
		} else {
			r.type = env->type;
			r.payload.size = (pb_size_t)env->payload_len;
			memcpy(r.payload.bytes, env->payload, env->payload_len);
		}
		int k = c->call[j].client;
		c->call[j].client = -1;
		ctl_reply(c, k, &r);
		return;
	}
	/* A reply after its call's deadline: dropped, as an actor would. */
}

static void ctl_mail(struct tp_ctl *c)
{
	static uint8_t buf[1u << 16];
	struct tp_node *n = c->node;
	struct tp_mailbox *box = &n->box[TP_NODE_DAEMON(n)];
	size_t cap = box->msg_max < sizeof buf ? box->msg_max : sizeof buf;
	char note[64];
	for (int burst = 0; burst < 64; burst++) {
		struct tp_env env;
		int rc, len = tp_mailbox_recv(box, buf, cap, 0, &env, &rc);
		if (len < 0)
			return;
		if (rc == 0)
			tp_mailbox_took(box, &env, 0);
		if (rc == 0 && (env.flags & TP_ENV_F_REPLY))
			ctl_call_done(c, &env);
		else if (rc == 0 && env.topic[0])
			tp_ctl_sub_mail(c, &env);   /* published: for troupectl sub */
		else if (rc == 0 && (rc = tp_node_topics_request(n, &env)) == 1 &&
			 (rc = tp_ctl_spawn_request(c, &env)) == 1)
			rc = tp_monitors_request(c->mon, tp_deliver_find(n, env.sender),
						 env.type, env.payload, env.payload_len);
		if (rc && tp_log_limit(&c->mail_log, tp_now_ns(), note, sizeof note))
			tp_dwarn("dropped a message to %s from %s: %s%s", TP_DAEMON_NAME,
				rc == -TP_ETRUNC ? "?" : env.sender, tp_strerror(rc), note);
	}
}

int64_t tp_ctl_next_deadline(const struct tp_ctl *c)
{
	int64_t next = INT64_MAX;
	for (int j = 0; j < TP_CTL_CALLS; j++)
		if (c->call[j].client >= 0 && c->call[j].deadline_ns < next)
			next = c->call[j].deadline_ns;
	if (c->trace_until_ns && c->trace_until_ns < next)
		next = c->trace_until_ns;
	for (int k = 0; k < TP_CTL_CLIENTS; k++)
		if (c->client[k] >= 0 && !ctl_in_call(c, k) &&
		    c->active_ns[k] + TP_CTL_IDLE_MS * MS < next)
			next = c->active_ns[k] + TP_CTL_IDLE_MS * MS;
	return next;
}

void tp_ctl_timer(struct tp_ctl *c)
{
	static troupe_CtlReply r;
	int64_t now = tp_now_ns();
	if (c->trace_until_ns && c->trace_until_ns <= now) {
		c->trace_until_ns = 0;
		if (c->node->ctr)
			__atomic_store_n(&c->node->ctr->tracing, 0, __ATOMIC_RELAXED);
	}
	for (int j = 0; j < TP_CTL_CALLS; j++) {
		if (c->call[j].client < 0 || c->call[j].deadline_ns > now)
			continue;
		int k = c->call[j].client;
		c->call[j].client = -1;
		memset(&r, 0, sizeof r);
		ctl_err(&r, -TP_ETIMEDOUT, "no reply within the deadline%s", "");
		ctl_reply(c, k, &r);
	}
	for (int k = 0; k < TP_CTL_CLIENTS; k++)
		if (c->client[k] >= 0 && !ctl_in_call(c, k) &&
		    now - c->active_ns[k] >= TP_CTL_IDLE_MS * MS) {
			char what[64];
			snprintf(what, sizeof what, "closed a client idle for %d ms",
				 TP_CTL_IDLE_MS);
			ctl_drop(c, k);
			ctl_client_note(c, what);
		}
}

void tp_ctl_close(struct tp_ctl *c)
{
	for (int k = 0; k < TP_CTL_CLIENTS; k++)
		if (c->client[k] >= 0)
			ctl_drop(c, k);
	if (c->lfd >= 0) {
		close(c->lfd);
		c->lfd = -1;
		unlink(c->path);
	}
}
