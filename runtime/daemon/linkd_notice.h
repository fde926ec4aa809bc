/* Undeliverable notices, the pure part: whether a lost message earns one,
 * the error each reason stands for, and the notice's payload (it goes
 * from TP_DAEMON_NAME: an Undeliverable message, monitor.proto).  Who
 * sends them, when: linkd_mail.c.  docs/RELIABILITY.md, "Never silence". */
#ifndef TROUPE_NOTICE_H
#define TROUPE_NOTICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "troupe/envelope.h"
#include "troupe/monitor.h"

/* Does the loss of env earn its sender a notice?  Not when it is itself a
 * notice or any other mail of a daemon (Down, monitor requests, troupectl
 * send): no notice about a notice, so no loops. */
bool tp_notice_wanted(const struct tp_env *env);

/* The -TP_E* code of a reason; err for TP_UNDELIVERABLE_FAILED. */
int tp_notice_error(enum tp_undeliverable_reason why, int err);

/* Encodes into buf (cap bytes) the Undeliverable payload saying that env,
 * meant for `dest` ("actor@node" as its sender named it), was lost for
 * reason why (err: the code, for TP_UNDELIVERABLE_FAILED).  Returns its
 * length, or -TP_ETOOBIG, -TP_EINVAL. */
int tp_notice_payload(uint8_t *buf, size_t cap, const struct tp_env *env,
		      const char *dest, enum tp_undeliverable_reason why, int err);

#endif
