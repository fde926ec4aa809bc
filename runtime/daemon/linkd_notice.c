/* Undeliverable notices, the pure part (see linkd_notice.h). */
#include <string.h>
#include <pb_encode.h>
#include "troupe/error.h"
#include "ctlpath.h"
#include "monitor.pb.h"
#include "linkd_notice.h"

bool tp_notice_wanted(const struct tp_env *env)
{
	size_t dl = strlen(TP_DAEMON_NAME);
	bool daemon = strncmp(env->sender, TP_DAEMON_NAME, dl) == 0 &&
		      (env->sender[dl] == '\0' || env->sender[dl] == '@');
	return !daemon && env->type != troupe_Undeliverable_msgid;
}

int tp_notice_error(enum tp_undeliverable_reason why, int err)
{
	switch (why) {
	case TP_UNDELIVERABLE_NOPROC: return -TP_ENOENT;
	case TP_UNDELIVERABLE_NOT_EXPORTED: return -TP_EPERM;
	case TP_UNDELIVERABLE_MAILBOX_FULL:
	case TP_UNDELIVERABLE_QUEUE_FULL: return -TP_EFULL;
	case TP_UNDELIVERABLE_TOO_BIG: return -TP_ETOOBIG;
	case TP_UNDELIVERABLE_LIMIT: return -TP_ELIMIT;
	case TP_UNDELIVERABLE_PEER_RESTARTED: return -TP_ECLOSED;
	default: return err < 0 && err > -TP_ERR_COUNT ? err : -TP_ESYS;
	}
}

int tp_notice_payload(uint8_t *buf, size_t cap, const struct tp_env *env,
		      const char *dest, enum tp_undeliverable_reason why, int err)
{
	troupe_Undeliverable u = {
		.type = env->type, .corr = env->corr,
		.reason = (troupe_Undeliverable_Reason)why,
		.error = -tp_notice_error(why, err),
	};
	if (strlen(dest) >= sizeof u.dest)
		return -TP_EINVAL;
	strcpy(u.dest, dest);
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&os, troupe_Undeliverable_fields, &u))
		return -TP_ETOOBIG;
	return (int)os.bytes_written;
}
