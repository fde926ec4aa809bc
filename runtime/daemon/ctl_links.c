/* The control socket's node-link commands (see ctl_socket.h): LINKS, and
 * SEND to an actor of another node, which goes out on the link like an
 * actor's mail (sender TP_DAEMON_NAME: a reply has nowhere to go). */
#include <stdio.h>
#include <string.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "control.pb.h"
#include "ctlpath.h"
#include "ctl_socket.h"
#include "linkd.h"
#include "node_topics.h"

static const char *ctl_lpeer_state(enum tp_lpeer_state s)
{
	static const char *const names[] = {
		[TP_LPEER_IDLE] = "idle", [TP_LPEER_BACKOFF] = "backoff",
		[TP_LPEER_CONNECTING] = "connecting", [TP_LPEER_UP] = "up",
	};
	return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

int tp_ctl_do_links(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		    troupe_CtlReply *r)
{
	(void)k; (void)q;
	const struct tp_linkd *d = c->links;
	for (unsigned i = 0; d && i < d->n && r->links_count < 16; i++) {
		const struct tp_lpeer *p = &d->peer[i];
		troupe_LinkInfo *li = &r->links[r->links_count++];
		snprintf(li->peer, sizeof li->peer, "%s", p->conf->name);
		snprintf(li->address, sizeof li->address, "%s", p->conf->address);
		snprintf(li->state, sizeof li->state, "%s", ctl_lpeer_state(p->state));
		snprintf(li->reason, sizeof li->reason, "%s", p->reason);
		li->rtt_us = p->state == TP_LPEER_UP ? (uint64_t)p->rtt_ns / 1000 : 0;
		li->queued = p->q.st.queued;
		li->queue_max = p->q.max_msgs;
		li->reconnects = p->ups > 1 ? (uint32_t)(p->ups - 1) : 0;
		if (p->c.fd >= 0) {
			li->mail_tx = p->c.link.stats.mail_tx;
			li->mail_rx = p->c.link.stats.mail_rx;
		}
		li->lost = p->undeliverable;
		li->refused = p->refused;
		li->topics_in = p->topics_in;
		li->topics_refused = p->topics_refused;
		li->topic_subs = tp_node_topics_remote_count(d->node, p->conf->name);
		li->notices = p->notices;
		li->monitors = p->n_imon;
		li->notices_lost = p->notices_lost;
		li->held = p->hold.st.held;
		li->held_max = p->hold.n_slots;
		li->held_window = p->hold.per_dest;
		li->held_expired = p->hold.st.expired;
		li->held_refused = p->hold.st.refused;
		li->unacked = p->q.st.unacked;
		li->resent = p->q.st.resent;
		li->duplicates = p->rx.dups;
		li->peer_epoch = p->epoch_peer;
		li->restarted = p->restarted;
		/* Each destination with mail waiting, once (at most 8 listed). */
		for (unsigned j = 0; j < p->hold.n_dests; j++) {
			const struct tp_link_hold_dest *hq = &p->hold.q[j];
			if (hq->dest < 0 ||
			    li->held_for_count == sizeof li->held_for / sizeof li->held_for[0])
				continue;
			troupe_HeldFor *hf = &li->held_for[li->held_for_count++];
			snprintf(hf->name, sizeof hf->name, "%s", c->node->ent[hq->dest].name);
			hf->held = hq->count;
		}
		for (unsigned m = 0; m < TP_LINKD_RMON; m++)
			li->watching += d->rmon[m].used && d->rmon[m].peer == i;
	}
	return 0;
}

int tp_ctl_send_remote(struct tp_ctl *c, int k, const troupe_CtlRequest *q,
		       troupe_CtlReply *r)
{
	static uint8_t buf[troupe_CtlRequest_size + 2 * TP_ENV_NAME_MAX + 64];
	const char *at = strchr(q->name, '@');
	bool call = q->cmd == troupe_CtlRequest_Cmd_CALL;
	int rc, j = -1;
	uint64_t corr = 0;
	if (!c->links || tp_linkd_find(c->links, at + 1) < 0) {
		rc = -TP_ENOENT;
		snprintf(r->msg, sizeof r->msg, "no link to node '%.40s'", at + 1);
	} else if (call && (j = tp_ctl_new_call(c, k, q->timeout_ms, q->name, &corr)) < 0) {
		rc = j;
		snprintf(r->msg, sizeof r->msg, "too many calls in flight");
	} else {
		/* A call's reply comes back to this daemon across the link,
		 * which lets it in as the answer to this call only
		 * (tp_linkd_send records it), then ctl_call_done relays it. */
		struct tp_env env = { .version = TP_ENV_VERSION, .prio = 1, .type = q->type,
				      .flags = call ? TP_ENV_F_REQUEST : 0, .corr = corr,
				      .sent_ns = (uint64_t)tp_now_ns() };
		snprintf(env.sender, sizeof env.sender, "%s", TP_DAEMON_NAME);
		snprintf(env.dest, sizeof env.dest, "%s", q->name);
		int off = tp_env_encode_head(buf, sizeof buf, &env);
		rc = off < 0 ? off : 0;
		if (!rc) {
			memcpy(buf + off, q->payload.bytes, q->payload.size);
			tp_env_set_len(buf, q->payload.size);
			rc = tp_linkd_send(c->links, at + 1, buf, (size_t)off + q->payload.size);
		}
		if (rc)
			snprintf(r->msg, sizeof r->msg, "cannot send to %.64s: %s", q->name,
				 tp_strerror(rc));
		if (rc && j >= 0)
			c->call[j].client = -1;
		if (!rc && call)
			return 1;
	}
	r->err = -rc;
	return 0;
}
