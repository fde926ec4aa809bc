/* Monitors, actor side (see troupe/monitor.h): requests to the daemon's
 * mailbox, and the decoding of its Down notices.  The daemon side is
 * runtime/daemon/sup_monitor.c. */
#include <stdio.h>
#include <string.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/envelope.h"
#include "troupe/monitor.h"
#include "actor-internal.h"
#include "ctlpath.h"
#include "monitor.pb.h"

_Static_assert(TP_DOWN_MSGID == troupe_Down_msgid, "monitor.options and monitor.h");
_Static_assert((int)TP_DOWN_NOPROC == (int)troupe_Down_Reason_NOPROC, "monitor.proto and monitor.h");
_Static_assert((int)TP_DOWN_NOCONNECTION == (int)troupe_Down_Reason_NOCONNECTION,
	       "monitor.proto and monitor.h");
_Static_assert((int)TP_DOWN_HUNG == (int)troupe_Down_Reason_HUNG, "Down reasons");
_Static_assert((int)TP_DOWN_START_FAILED == (int)troupe_Down_Reason_START_FAILED,
	       "monitor.proto and monitor.h");
_Static_assert(TP_UNDELIVERABLE_MSGID == troupe_Undeliverable_msgid, "monitor.options and monitor.h");
_Static_assert((int)TP_UNDELIVERABLE_FAILED == (int)troupe_Undeliverable_Reason_FAILED,
	       "monitor.proto and monitor.h");
_Static_assert((int)TP_UNDELIVERABLE_PEER_RESTARTED ==
	       (int)troupe_Undeliverable_Reason_PEER_RESTARTED, "monitor.proto and monitor.h");
_Static_assert(TP_DELIVERED_MSGID == troupe_Delivered_msgid, "monitor.options and monitor.h");

static int monitor_request(tp_actor *self, const char *name, uint32_t type)
{
	troupe_Monitor req = troupe_Monitor_init_zero;
	if (!name || !*name || strlen(name) >= sizeof req.name)
		return -TP_EINVAL;
	strcpy(req.name, name);
	/* Monitor and Demonitor have the same layout: one name. */
	return tp_send_msg(self, TP_DAEMON_NAME, type, troupe_Monitor_fields, &req, NULL);
}

int tp_monitor(tp_actor *self, const char *name)
{
	return monitor_request(self, name, troupe_Monitor_msgid);
}

int tp_demonitor(tp_actor *self, const char *name)
{
	return monitor_request(self, name, troupe_Demonitor_msgid);
}

/* A notice of the given type from the daemon, which alone may speak as
 * troupe.daemon (it refuses that name from actors and from peers). */
static bool from_daemon(const struct tp_msg *m, uint32_t type)
{
	return m->type == type && m->sender && strcmp(m->sender, TP_DAEMON_NAME) == 0;
}

/* Such a notice's payload, decoded into out. */
static int daemon_decode(const struct tp_msg *m, uint32_t type, const pb_msgdesc_t *fields,
			 void *out)
{
	if (!from_daemon(m, type))
		return -TP_ETYPE;
	pb_istream_t is = pb_istream_from_buffer(m->payload, m->len);
	return pb_decode(&is, fields, out) ? 0 : -TP_EDECODE;
}

bool tp_msg_is_down(const struct tp_msg *m)
{
	return from_daemon(m, TP_DOWN_MSGID);
}

int tp_down_decode(const struct tp_msg *m, struct tp_down *out)
{
	troupe_Down d = troupe_Down_init_zero;
	int rc = daemon_decode(m, TP_DOWN_MSGID, troupe_Down_fields, &d);
	if (rc)
		return rc;
	snprintf(out->name, sizeof out->name, "%s", d.name);
	out->reason = (enum tp_down_reason)d.reason;
	out->code = d.code;
	out->restarting = d.restarting;
	return 0;
}

const char *tp_down_reason_name(int reason)
{
	static const char *const names[] = {
		[TP_DOWN_EXIT] = "exit", [TP_DOWN_SIGNAL] = "signal",
		[TP_DOWN_RESTART_LIMIT] = "restart_limit",
		[TP_DOWN_STOPPED] = "stopped", [TP_DOWN_NOPROC] = "noproc",
		[TP_DOWN_NOCONNECTION] = "noconnection",
		[TP_DOWN_START_FAILED] = "start_failed", [TP_DOWN_HUNG] = "hung",
	};
	return reason >= 0 && reason < (int)(sizeof names / sizeof names[0]) ?
	       names[reason] : "?";
}

bool tp_msg_is_undeliverable(const struct tp_msg *m)
{
	return from_daemon(m, TP_UNDELIVERABLE_MSGID);
}

/* The code a notice stands for: its error field when it is one of ours. */
static int undeliverable_error(const troupe_Undeliverable *u)
{
	return u->error > 0 && u->error < TP_ERR_COUNT ? -u->error : -TP_ECLOSED;
}

int tp_undeliverable_decode(const struct tp_msg *m, struct tp_undeliverable *out)
{
	troupe_Undeliverable u = troupe_Undeliverable_init_zero;
	int rc = daemon_decode(m, TP_UNDELIVERABLE_MSGID, troupe_Undeliverable_fields, &u);
	if (rc)
		return rc;
	snprintf(out->dest, sizeof out->dest, "%s", u.dest);
	out->type = u.type;
	out->corr = u.corr;
	out->reason = (enum tp_undeliverable_reason)u.reason;
	out->error = undeliverable_error(&u);
	return 0;
}

bool tp_msg_is_delivered(const struct tp_msg *m)
{
	return from_daemon(m, TP_DELIVERED_MSGID);
}

int tp_delivered_decode(const struct tp_msg *m, struct tp_delivered *out)
{
	troupe_Delivered dv = troupe_Delivered_init_zero;
	int rc = daemon_decode(m, TP_DELIVERED_MSGID, troupe_Delivered_fields, &dv);
	if (rc)
		return rc;
	snprintf(out->dest, sizeof out->dest, "%s", dv.dest);
	out->type = dv.type;
	out->tag = dv.corr;
	out->confirmed = dv.confirmed;
	return 0;
}

int tp_delivered_local(tp_actor *self, const char *to, uint32_t type, uint64_t tag,
		       uint8_t *buf, size_t cap)
{
	troupe_Delivered dv = { .type = type, .corr = tag, .confirmed = true };
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = TP_PRIO_NORMAL,
			      .type = TP_DELIVERED_MSGID };
	snprintf(dv.dest, sizeof dv.dest, "%s", to);
	strcpy(env.sender, TP_DAEMON_NAME);
	strcpy(env.dest, self->name);
	int off = tp_env_encode_head(buf, cap, &env);
	if (off < 0)
		return off;
	pb_ostream_t os = pb_ostream_from_buffer(buf + off, cap - (size_t)off);
	if (!pb_encode(&os, troupe_Delivered_fields, &dv))
		return -TP_ETOOBIG;
	tp_env_set_len(buf, (uint32_t)os.bytes_written);
	return off + (int)os.bytes_written;
}

int tp_undeliverable_for_call(const struct tp_env *env, uint32_t type, uint64_t corr)
{
	troupe_Undeliverable u = troupe_Undeliverable_init_zero;
	if (env->type != TP_UNDELIVERABLE_MSGID || (env->flags & TP_ENV_F_KNOWN) ||
	    strcmp(env->sender, TP_DAEMON_NAME) != 0)
		return 0;
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	if (!pb_decode(&is, troupe_Undeliverable_fields, &u) || u.corr != corr ||
	    u.type != type)
		return 0;
	return undeliverable_error(&u);
}

const char *tp_undeliverable_reason_name(int reason)
{
	static const char *const names[] = {
		[TP_UNDELIVERABLE_NOPROC] = "noproc",
		[TP_UNDELIVERABLE_NOT_EXPORTED] = "not_exported",
		[TP_UNDELIVERABLE_MAILBOX_FULL] = "mailbox_full",
		[TP_UNDELIVERABLE_QUEUE_FULL] = "queue_full",
		[TP_UNDELIVERABLE_TOO_BIG] = "too_big",
		[TP_UNDELIVERABLE_LIMIT] = "limit",
		[TP_UNDELIVERABLE_FAILED] = "failed",
		[TP_UNDELIVERABLE_PEER_RESTARTED] = "peer_restarted",
	};
	return reason >= 0 && reason < (int)(sizeof names / sizeof names[0]) ?
	       names[reason] : "?";
}
