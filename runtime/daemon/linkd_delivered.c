/* Delivered notices across node links (troupe/monitor.h): mail sent with
 * a notify tag (TP_ENV_F_NOTIFY, corr = the tag) is answered by the
 * daemon of the node where it went into a mailbox, and ours passes the
 * answer on.  A peer before link version 5 would refuse the flag: its
 * mail goes without it, and the sender is told at once that the mail left
 * this node, unconfirmed.  The other answer, Undeliverable, is
 * linkd_mail.c's. */
#include <stdio.h>
#include <string.h>
#include <pb_decode.h>
#include <pb_encode.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "monitor.pb.h"
#include "ctlpath.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "linkd-internal.h"

/* Encodes the Delivered payload into buf; its length, or -TP_ETOOBIG. */
static int delivered_payload(uint8_t *buf, size_t cap, const char *dest, uint32_t type,
			     uint64_t tag, bool confirmed)
{
	troupe_Delivered dv = { .type = type, .corr = tag, .confirmed = confirmed };
	if (strlen(dest) >= sizeof dv.dest)
		return -TP_EINVAL;
	strcpy(dv.dest, dest);
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&os, troupe_Delivered_fields, &dv))
		return -TP_ETOOBIG;
	return (int)os.bytes_written;
}

void tp_linkd_delivered_remote(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	char to[TP_ENV_NAME_MAX + 1], dest[TP_ENV_NAME_MAX + 1];
	uint8_t pl[troupe_Delivered_size];
	if (!(env->flags & TP_ENV_F_NOTIFY) || !tp_notice_wanted(env))
		return;
	tp_linkd_far_names(d, env, to, dest);
	tp_linkd_tell_remote(d, p, to, troupe_Delivered_msgid, pl,
			     delivered_payload(pl, sizeof pl, dest, env->type, env->corr, true));
}

bool tp_linkd_delivered_held(struct tp_linkd *d, struct tp_lpeer *p, const uint8_t *m, size_t len)
{
	struct tp_env env;
	if (!(tp_env_flags(m) & TP_ENV_F_NOTIFY) || tp_env_decode(m, len, len, &env))
		return false;
	tp_linkd_delivered_remote(d, p, &env);
	return true;
}

void tp_linkd_delivered_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env)
{
	troupe_Delivered dv = troupe_Delivered_init_zero;
	pb_istream_t is = pb_istream_from_buffer(env->payload, env->payload_len);
	const char *at;
	int w = tp_deliver_find(d->node, env->dest), rc = -TP_EDECODE;
	/* Only about mail for that peer's actors: it speaks for no one else. */
	if (pb_decode(&is, troupe_Delivered_fields, &dv) &&
	    (at = strchr(dv.dest, '@')) && strcmp(at + 1, p->conf->name) == 0)
		rc = w < 0 ? -TP_ENOENT :
		     tp_deliver_bytes(d->node, (unsigned)w, TP_DAEMON_NAME,
				      troupe_Delivered_msgid, 0, 0, env->payload,
				      env->payload_len);
	if (rc && ++p->notices_lost <= 5)
		tp_dmsg("link %s: a delivered notice for %s is lost: %s",
			p->conf->name, env->dest, tp_strerror(rc));
}

void tp_linkd_delivered_out(struct tp_linkd *d, struct tp_lpeer *p, uint8_t *m, size_t len)
{
	uint8_t f = tp_env_flags(m), pl[troupe_Delivered_size];
	struct tp_env env;
	if (!(f & TP_ENV_F_NOTIFY) || p->c.link.version >= TP_LINK_VERSION_NOTIFY)
		return;
	/* In the queue's own bytes: a resend goes without it, untold twice. */
	tp_env_set_flags(m, f & ~TP_ENV_F_NOTIFY);
	if (tp_env_decode(m, len, len, &env) || !tp_notice_wanted(&env))
		return;
	tp_linkd_tell_local(d, p, env.sender, troupe_Delivered_msgid, pl,
			    delivered_payload(pl, sizeof pl, env.dest, env.type, env.corr, false));
}
