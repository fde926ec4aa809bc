/* Node links inside the daemon: what linkd.c (connections, handshakes,
 * timers), linkd_mail.c (outboxes, incoming mail, notices), linkd_mon.c
 * (remote monitors) and linkd_reload.c share, and nothing else in the
 * daemon sees (it uses linkd.h).  The parts meet at three points: a link
 * comes up (publish, flush the queue, drain the outbox), goes down
 * (tp_linkd_link_down) and a frame comes in (tp_linkd_mail_in, which
 * hands daemon mail to tp_linkd_mon_in); the rest is writing. */
#ifndef TROUPE_LINKD_INTERNAL_H
#define TROUPE_LINKD_INTERNAL_H

#include "linkd.h"
#include "linkd_notice.h"

/* Does the peer export actor to us (its last list)? */
bool tp_linkd_knows(const struct tp_lpeer *p, const char *actor);
/* Mail that came in from p's link, read at now. */
void tp_linkd_mail_in(struct tp_linkd *d, struct tp_lpeer *p,
		      const struct tp_link_event *ev, int64_t now);
void tp_linkd_drain(struct tp_linkd *d, struct tp_lpeer *p);
void tp_linkd_flush_queue(struct tp_linkd *d, struct tp_lpeer *p);
/* Tries p's held mail that is due at now: into its mailbox, or given up
 * with a notice to its sender. */
void tp_linkd_held_retry(struct tp_linkd *d, struct tp_lpeer *p, int64_t now);
void tp_linkd_link_down(struct tp_linkd *d, struct tp_lpeer *p);
/* Remote monitors' watchers: old local index o is now to[o] (-1: gone);
 * before the node's entries move. */
void tp_linkd_mon_relayout(struct tp_linkd *d, const int *to, unsigned old_actors);
void tp_linkd_outbox_arm(struct tp_linkd *d, struct tp_lpeer *p, bool on);
/* Writes what p's link has pending; closes the link if the socket failed. */
void tp_linkd_write(struct tp_linkd *d, struct tp_lpeer *p);
void tp_linkd_queue_hooks(struct tp_lpeer *p);
/* Mail of this daemon to the peer's daemon or actors (link version 2):
 * queued and sealed as far as the link has room; the caller writes (never
 * from inside tp_link_feed).  0, -TP_ECLOSED (not up, or version 1),
 * -TP_EFULL, -TP_EENCODE. */
int tp_linkd_daemon_send(struct tp_linkd *d, struct tp_lpeer *p, const char *sender,
			 const char *dest, uint32_t type, const pb_msgdesc_t *fields,
			 const void *msg);
/* The same with a payload already encoded. */
int tp_linkd_daemon_send_bytes(struct tp_linkd *d, struct tp_lpeer *p, const char *sender,
			       const char *dest, uint32_t type, const uint8_t *pl, size_t len);
/* A notice of our daemon (type, payload pl of len bytes; len < 0: it did
 * not encode, and that error is counted) to our actor `to`, or across p's
 * link to the peer's actor `to`; counted (notices, notices_lost) either
 * way.  far_names: for mail env from the peer's actor (names as mail_in
 * made them), that actor's name there and our actor's as it named it. */
void tp_linkd_tell_local(struct tp_linkd *d, struct tp_lpeer *p, const char *to,
			 uint32_t type, const uint8_t *pl, int len);
void tp_linkd_tell_remote(struct tp_linkd *d, struct tp_lpeer *p, const char *to,
			  uint32_t type, const uint8_t *pl, int len);
void tp_linkd_far_names(const struct tp_linkd *d, const struct tp_env *env,
			char to[TP_ENV_NAME_MAX + 1], char dest[TP_ENV_NAME_MAX + 1]);
/* Delivered notices (linkd_delivered.c, link version 5).  remote: mail
 * from the peer's actor (env as mail_in made it) went into our actor's
 * mailbox; told across the link when it asked.  held: the same for held
 * mail m, len bytes (true when it told: the caller writes).  in: the peer daemon's Delivered, for our actor
 * env->dest: passed on.  out: queued mail m (len bytes) is sealed for p
 * now; a peer before version 5 gets it without the flag, and its sender
 * is told at once, unconfirmed. */
void tp_linkd_delivered_remote(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);
bool tp_linkd_delivered_held(struct tp_linkd *d, struct tp_lpeer *p, const uint8_t *m, size_t len);
void tp_linkd_delivered_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);
void tp_linkd_delivered_out(struct tp_linkd *d, struct tp_lpeer *p, uint8_t *m, size_t len);
/* Undeliverable notices (linkd_notice.h).  Local: mail from our actor
 * env->sender for dest ("actor@peer") was lost on this node.  Remote: mail
 * from the peer's actor env->sender ("actor@peer") for our actor env->dest
 * was lost here, told across the link (queued and sealed now, written by
 * the caller).  Neither is sent about a notice; both are counted. */
void tp_linkd_notice_local(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			   const char *dest, enum tp_undeliverable_reason why, int err);
void tp_linkd_notice_remote(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env,
			    enum tp_undeliverable_reason why, int err);
/* Mail from the peer's daemon (Down, Undeliverable) or to ours (Monitor,
 * Demonitor), env's names as mail_in made them; false when it is neither
 * and goes the ordinary way. */
bool tp_linkd_mon_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);

/* Delivery sequences (linkd_dseq.c, link version 4).  up: the link came
 * up (a RESUME to the peer; an older version answers what waits for an
 * acknowledgement); resume, ack: the peer's frames; mail: may the mail
 * of ev go in (false: a duplicate, dropped); tick: acknowledge what is
 * complete when a batch is full or due (force: now); next: when tick is
 * due. */
void tp_linkd_dseq_up(struct tp_linkd *d, struct tp_lpeer *p);
void tp_linkd_dseq_resume(struct tp_linkd *d, struct tp_lpeer *p,
			  const struct tp_link_event *ev);
void tp_linkd_dseq_ack(struct tp_linkd *d, struct tp_lpeer *p, uint64_t ack);
bool tp_linkd_dseq_mail(struct tp_lpeer *p, const struct tp_link_event *ev);
void tp_linkd_dseq_tick(struct tp_linkd *d, struct tp_lpeer *p, int64_t now, bool force);
int64_t tp_linkd_dseq_next(const struct tp_lpeer *p);

/* Topics across links (linkd_topics.c).  init: after the node and buf
 * exist (the node's topics_changed hook, the buffers); up: tells the peer
 * our interest (after a reset); down: ends the peer's subscriptions
 * here; timer: our interest again when the queue could not take it. */
int tp_linkd_topics_init(struct tp_linkd *d);
void tp_linkd_topics_fini(struct tp_linkd *d);
void tp_linkd_topics_up(struct tp_linkd *d, struct tp_lpeer *p);
void tp_linkd_topics_down(struct tp_linkd *d, struct tp_lpeer *p);
void tp_linkd_topics_timer(struct tp_linkd *d, struct tp_lpeer *p);
/* The peer daemon's troupe.Interest (env as mail_in made it). */
void tp_linkd_topics_interest(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);
/* Topic mail (envelope version 3) from the peer: fanned out to our
 * subscribers if import_topics allow it; env->sent_ns is still its age. */
void tp_linkd_topic_mail_in(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);
/* Drain: env, just taken from p's outbox, is topic mail for the peer
 * (version 3, to "troupe.daemon@peer")?  Then it is handled (queued for the peer's
 * daemon, or refused and discarded): true. */
bool tp_linkd_topic_out(struct tp_linkd *d, struct tp_lpeer *p, const struct tp_env *env);

#endif
