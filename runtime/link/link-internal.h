/* Shared between link.c (framing, sealed frames) and link_hs.c (the
 * handshake); tests and the fuzz entry point use link_seal too. */
#ifndef TROUPE_LINK_INTERNAL_H
#define TROUPE_LINK_INTERNAL_H

#include "link.h"

/* Closes the link with reason (printf format) and queues one generic ERROR
 * frame for the peer, replacing anything pending.  Returns -err. */
int link_fail(struct tp_link *l, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Queues len raw bytes (a handshake frame): 0 or -TP_EFULL. */
int link_queue_raw(struct tp_link *l, const uint8_t *f, size_t len);

/* Seals and queues a session frame of any type byte; tp_link_send is this
 * restricted to the session types.  Tests and fuzzing use it to send what
 * a misbehaving key holder could. */
int link_seal(struct tp_link *l, uint8_t type, const void *payload, size_t len);

/* Handshake side (link_hs.c). */
void link_hs_start(struct tp_link *l);
int link_hs_frame(struct tp_link *l, const uint8_t *f, size_t len, int64_t now,
		  struct tp_link_event *ev);

const char *link_type_name(unsigned type);

#endif
