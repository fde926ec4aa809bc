/* Node links, delivery sequences (link version 4; docs/WIRE.md,
 * "Delivery sequences"; docs/RELIABILITY.md, "Node links").  Each
 * direction numbers its mail; the receiver acknowledges what it has
 * completed (put in a mailbox, refused with a notice, dropped by policy
 * and counted; held mail only once it goes in or is given up),
 * cumulatively and in batches.  After a reconnect each side tells the
 * other its epoch and where it stands: the sender frees what was
 * completed and sends the rest again, in order, and the receiver drops
 * what it already took in.  A peer with a new epoch restarted: every
 * message it never acknowledged is answered with Undeliverable
 * (peer_restarted) and the numbering starts afresh. */
#include <string.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "log_dmsg.h"
#include "linkd-internal.h"

/* The peer has no record of this incarnation of us: what it never
 * acknowledged may or may not have arrived, so its senders are told. */
static void dseq_answer_unacked(struct tp_linkd *d, struct tp_lpeer *p)
{
	const uint8_t *m;
	uint64_t seq;
	size_t len;
	uint64_t n = 0;
	while ((len = tp_link_queue_unacked(&p->q, &m, &seq)) > 0) {
		struct tp_env env;
		if (tp_env_decode(m, len, len, &env) == 0)
			tp_linkd_notice_local(d, p, &env, env.dest,
					      TP_UNDELIVERABLE_PEER_RESTARTED, -TP_ECLOSED);
		tp_link_queue_pop(&p->q);
		n++;
	}
	p->restarted += n;
	if (n)
		tp_dmsg("link %s: the peer restarted: %llu unacknowledged message%s "
			"answered undeliverable", p->conf->name, (unsigned long long)n,
			n == 1 ? "" : "s");
}

static uint64_t dseq_done(const struct tp_lpeer *p)
{
	return tp_link_rxseq_done(&p->rx, tp_link_hold_min_seq(&p->hold));
}

void tp_linkd_dseq_up(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_link *l = &p->c.link;
	if (l->version < TP_LINK_VERSION_DSEQ) {
		/* An older peer keeps no record: a different incarnation from
		 * the one that had our numbered mail. */
		p->resumed = true;
		dseq_answer_unacked(d, p);
		tp_link_queue_renumber(&p->q, 1);
		return;
	}
	p->resumed = false;
	uint64_t done = dseq_done(p);
	if (tp_link_send_resume(l, d->epoch, p->rx.epoch, done) == 0)
		tp_link_rxseq_acked(&p->rx, done);
	else
		tp_dmsg("link %s: cannot send the resume frame", p->conf->name);
}

void tp_linkd_dseq_resume(struct tp_linkd *d, struct tp_lpeer *p,
			  const struct tp_link_event *ev)
{
	/* Receiving: a new incarnation of the peer numbers from 1 again. */
	if (tp_link_rxseq_epoch(&p->rx, ev->epoch))
		tp_link_hold_forget_seqs(&p->hold);
	/* Sending: does the peer's record belong to this incarnation of us? */
	if (ev->your_epoch == d->epoch) {
		tp_link_queue_ack(&p->q, ev->ack);
		tp_link_queue_rewind(&p->q);
	} else if (p->epoch_peer && ev->epoch != p->epoch_peer) {
		dseq_answer_unacked(d, p);   /* it restarted: lost its record */
		tp_link_queue_renumber(&p->q, 1);
	} else {
		/* The same peer with no record of us: it never read our resume
		 * (a cut before it arrived), and mail comes only after it, so
		 * it took none of ours.  All of it again, numbered afresh. */
		tp_link_queue_rewind(&p->q);
		tp_link_queue_renumber(&p->q, 1);
	}
	p->epoch_peer = ev->epoch;
	p->resumed = true;
	tp_linkd_flush_queue(d, p);
}

void tp_linkd_dseq_ack(struct tp_linkd *d, struct tp_lpeer *p, uint64_t ack)
{
	if (tp_link_queue_ack(&p->q, ack))
		tp_linkd_flush_queue(d, p);   /* room: more goes, the outbox rearmed */
}

bool tp_linkd_dseq_mail(struct tp_lpeer *p, const struct tp_link_event *ev)
{
	return !ev->dseq || tp_link_rxseq_take(&p->rx, ev->dseq);
}

void tp_linkd_dseq_tick(struct tp_linkd *d, struct tp_lpeer *p, int64_t now, bool force)
{
	uint64_t ack;
	(void)d;
	if (p->state != TP_LPEER_UP || !p->resumed ||
	    p->c.link.version < TP_LINK_VERSION_DSEQ)
		return;
	if (tp_link_rxseq_ack_due(&p->rx, dseq_done(p), now, force, &ack) &&
	    tp_link_send_ack(&p->c.link, ack) == 0)
		tp_link_rxseq_acked(&p->rx, ack);
}

int64_t tp_linkd_dseq_next(const struct tp_lpeer *p)
{
	return p->state == TP_LPEER_UP && p->rx.due ? p->rx.due : INT64_MAX;
}
