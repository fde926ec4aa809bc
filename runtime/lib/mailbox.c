/* One mailbox end, counted and traced (see mailbox.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/actor.h"
#include "troupe/error.h"
#include "clock.h"
#include "mailbox.h"
#include "monitor.pb.h"

_Static_assert(TP_ERROR_MSGID == troupe_Error_msgid, "monitor.options and actor.h");

static void mailbox_limits(struct tp_mailbox *m, uint32_t msg_max, uint32_t depth)
{
	struct tp_mbox_stat st;
	if (m->t->stat(m->mb, &st) == 0) {
		msg_max = st.msg_max;
		depth = st.capacity;
	}
	m->msg_max = msg_max;
	m->depth = depth;
}

int tp_mailbox_create(struct tp_mailbox *m, const struct tp_transport *t,
		      const char *path, const struct tp_mbox_attr *attr, unsigned ix,
		      char *err, size_t errlen)
{
	*m = (struct tp_mailbox){ .t = t, .ix = ix };
	int rc = t->create(path, attr, &m->mb, err, errlen);
	if (rc) {
		m->mb = NULL;
		return rc;
	}
	mailbox_limits(m, attr->msg_max, attr->depth);
	return 0;
}

int tp_mailbox_attach(struct tp_mailbox *m, const struct tp_reg_entry *e, unsigned ix,
		      unsigned mode, struct tp_counters *ctr)
{
	*m = (struct tp_mailbox){ .ix = ix, .ctr = ctr };
	m->t = tp_transport_find(e->transport);
	if (!m->t)
		return -TP_ECONFIG;
	int rc = m->t->attach(e->mailbox, mode, &m->mb);
	if (rc) {
		m->mb = NULL;
		return rc;
	}
	mailbox_limits(m, e->msg_max, e->depth);
	return 0;
}

void tp_mailbox_close(struct tp_mailbox *m)
{
	if (m->mb)
		m->t->close(m->mb);
	m->mb = NULL;
}

void tp_mailbox_trace(const struct tp_mailbox *m, enum tp_trace_kind kind,
		      const uint8_t *env_bytes, size_t len, int rc, int64_t lat_ns)
{
	struct tp_env env;
	if (!tp_tracing(m->ctr) || tp_env_decode(env_bytes, len, len, &env))
		return;
	const char *to = kind == TP_TRACE_RECV && m->name ? m->name : env.dest;
	tp_trace_put(m->ctr, kind, env.sender, to, env.type, env.payload_len, rc, lat_ns);
}

/* The daemon's handle of an actor's mailbox: *env (len bytes) sealed into
 * a buffer of the process's (the daemon's loop is one thread), and *env,
 * *len pointed at it.  0, -TP_ETOOBIG (no room in the mailbox for the
 * seal), -TP_ENOMEM. */
static int mailbox_seal(struct tp_mailbox *m, const uint8_t **env, size_t *len)
{
	static uint8_t *buf;
	static size_t cap;
	size_t need = *len + TP_ENV_SEAL_LEN;
	if (need > m->msg_max)
		return -TP_ETOOBIG;
	if (need > cap) {
		uint8_t *p = realloc(buf, need);
		if (!p)
			return -TP_ENOMEM;
		buf = p;
		cap = need;
	}
	unsigned prio = *len > 2 && (*env)[2] < TP_SEAL_PRIOS ? (*env)[2] : 0;
	int n = tp_seal_put(m->seal_key, m->seal_seq[prio] + 1, *env, *len, buf, cap);
	if (n < 0)
		return n;
	m->seal_seq[prio]++;
	*env = buf;
	*len = (size_t)n;
	return 0;
}

static int mailbox_put(struct tp_mailbox *m, const uint8_t *env, size_t len, unsigned prio,
		       int64_t deadline, enum tp_mailbox_via via, bool retry)
{
	if (!m->mb)
		return -TP_ECLOSED;
	/* Counted in before the send: the receiver must never take out what
	 * is not counted in yet.  A message with no room for the seal fails
	 * as a send would: counted out and traced. */
	uint64_t depth = tp_counters_send_begin(m->ctr, m->ix);
	int rc = m->seal ? mailbox_seal(m, &env, &len) : 0;
	if (rc == 0)
		rc = m->t->send(m->mb, env, len, prio, deadline);
	bool again = retry && rc == -TP_EFULL;
	/* A full mailbox the caller tries again is taken back, not rejected. */
	if (again)
		tp_counters_send_undo(m->ctr, m->ix);
	else
		tp_counters_send_end(m->ctr, m->ix, rc, depth);
	if (!again && tp_tracing(m->ctr)) {
		int64_t lat = via == TP_VIA_SEND ? -1 :
			      tp_latency_ns(tp_env_sent(env), tp_now_ns());
		tp_mailbox_trace(m, (enum tp_trace_kind)via, env, len, rc, lat);
	}
	return rc;
}

int tp_mailbox_send(struct tp_mailbox *m, const uint8_t *env, size_t len, unsigned prio,
		    int64_t deadline, enum tp_mailbox_via via)
{
	return mailbox_put(m, env, len, prio, deadline, via, false);
}

int tp_mailbox_try(struct tp_mailbox *m, const uint8_t *env, size_t len, unsigned prio,
		   enum tp_mailbox_via via)
{
	return mailbox_put(m, env, len, prio, 0, via, true);
}

void tp_mailbox_reject(struct tp_mailbox *m, const uint8_t *env, size_t len,
		       enum tp_mailbox_via via)
{
	tp_counters_reject(m->ctr, m->ix);
	if (tp_tracing(m->ctr))
		tp_mailbox_trace(m, (enum tp_trace_kind)via, env, len, -TP_EFULL,
				 via == TP_VIA_SEND ? -1 :
				 tp_latency_ns(tp_env_sent(env), tp_now_ns()));
}

/* Is the message recv just returned from the uid its sender name
 * belongs to?  Only a transport that knows the sending process can say;
 * a name that is no actor of this node binds nothing (other nodes' actors
 * come sealed, docs/WIRE.md). */
static bool mailbox_sender_ok(const struct tp_mailbox *m, const struct tp_env *env)
{
	if (!m->reg || !m->t->sender_uid)
		return true;
	static uid_t own = (uid_t)-1;   /* set for good before the first mail */
	if (own == (uid_t)-1)
		own = geteuid();
	uid_t uid = m->t->sender_uid(m->mb);
	struct tp_reg_entry e;
	return uid == 0 || uid == own || tp_registry_find(m->reg, env->sender, &e) ||
	       e.uid == (uint32_t)uid;
}

int tp_mailbox_recv(struct tp_mailbox *m, uint8_t *buf, size_t cap, int64_t deadline,
		    struct tp_env *env, int *bad)
{
	if (!m->mb)
		return -TP_ECLOSED;
	int n = m->t->recv(m->mb, buf, cap, NULL, deadline);
	if (n < 0)
		return n;
	*bad = tp_env_decode(buf, (size_t)n, m->msg_max, env);
	/* Only the daemon seals, and only into an actor's mailbox. */
	if (!*bad)
		*bad = m->seal ? tp_seal_check(m->seal_key, m->seal_seq, buf, (size_t)n, env)
			       : env->seal ? -TP_EPERM : 0;
	m->wrong_uid = !*bad && !mailbox_sender_ok(m, env);
	if (m->wrong_uid)
		*bad = -TP_EPERM;
	tp_counters_recv(m->ctr, m->ix, *bad != 0);
	return n;
}

int tp_mailbox_evict(struct tp_mailbox *m)
{
	if (!m->mb)
		return -TP_ECLOSED;
	if (!m->t->evict)
		return -TP_ECONFIG;
	/* Deadline 0: one look at the senders' lock, never a wait. */
	int rc = m->t->evict(m->mb, 0);
	if (rc == 0)
		tp_counters_recv(m->ctr, m->ix, true);
	return rc;
}

void tp_mailbox_discard(struct tp_mailbox *m)
{
	tp_counters_drop(m->ctr, m->ix);
}

void tp_mailbox_latency(struct tp_mailbox *m, int64_t lat_ns)
{
	tp_counters_latency(m->ctr, m->ix, lat_ns);
}

void tp_mailbox_took(struct tp_mailbox *m, const struct tp_env *env, int64_t now)
{
	if (!m->ctr)
		return;
	int64_t lat = tp_latency_ns(env->sent_ns, now ? now : tp_now_ns());
	tp_counters_latency(m->ctr, m->ix, lat);
	if (tp_tracing(m->ctr))
		tp_trace_put(m->ctr, TP_TRACE_RECV, env->sender, m->name ? m->name : env->dest,
			     env->type, env->payload_len, 0, lat);
}

int tp_mailbox_stat(const struct tp_mailbox *m, struct tp_mbox_stat *st)
{
	memset(st, 0, sizeof *st);
	return m->mb ? m->t->stat(m->mb, st) : 0;
}

int tp_mailbox_refuse(struct tp_mailbox *m, uint8_t *buf, size_t cap,
		      const struct tp_refusal *r, int64_t deadline)
{
	struct tp_env env = { .version = TP_ENV_VERSION, .flags = TP_ENV_F_REPLY,
			      .prio = r->prio, .type = TP_ERROR_MSGID, .corr = r->corr };
	if (strlen(r->from) > TP_ENV_NAME_MAX || strlen(r->to) > TP_ENV_NAME_MAX)
		return -TP_EINVAL;
	strcpy(env.sender, r->from);
	strcpy(env.dest, r->to);
	int off = tp_env_encode_head(buf, cap, &env);
	if (off < 0)
		return off;
	troupe_Error e = { .error = r->err < 0 ? -r->err : r->err, .type = r->type };
	snprintf(e.reason, sizeof e.reason, "%s", r->reason ? r->reason : "");
	pb_ostream_t os = pb_ostream_from_buffer(buf + off, cap - (size_t)off);
	if (!pb_encode(&os, troupe_Error_fields, &e))
		return strcmp(PB_GET_ERROR(&os), "stream full") == 0 ? -TP_ETOOBIG
								     : -TP_EENCODE;
	tp_env_set_len(buf, (uint32_t)os.bytes_written);
	tp_env_set_sent(buf, (uint64_t)tp_now_ns());
	return tp_mailbox_send(m, buf, (size_t)off + os.bytes_written, r->prio, deadline,
			       TP_VIA_SEND);
}

int tp_mailbox_error_read(const struct tp_env *env, char *reason, size_t n)
{
	if (env->type != TP_ERROR_MSGID || !(env->flags & TP_ENV_F_REPLY))
		return 0;
	troupe_Error e = troupe_Error_init_zero;
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	/* A code of 0 or past the table is no error we know: still an error. */
	bool ok = pb_decode(&is, troupe_Error_fields, &e) && e.error > 0;
	if (reason && n)
		snprintf(reason, n, "%s", ok ? e.reason : "malformed error reply");
	if (!ok)
		return -TP_EDECODE;
	return e.error < TP_ERR_COUNT ? -(int)e.error : -TP_ESYS;
}
