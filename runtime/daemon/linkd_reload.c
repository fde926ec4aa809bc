/* Node links across a reload (see linkd.h): the node's entries moved
 * (tp_node_relayout), so what the links hold by index follows them: each
 * peer's outbox, the local mailboxes held messages wait for, the
 * watchers of remote monitors; and the peers are told what they may now
 * send to.  The peers' actors are published again (tp_linkd_publish)
 * once the node's entries have moved. */
#include <stdio.h>
#include <string.h>
#include "troupe/error.h"
#include "log_dmsg.h"
#include "linkd-internal.h"
#include "linkd_notice.h"

void tp_linkd_relayout(struct tp_linkd *d, const int *from, unsigned old_actors)
{
	unsigned n_actors = d->topo->n_actors;
	int to[TP_REG_MAX];
	for (unsigned o = 0; o < TP_REG_MAX; o++)
		to[o] = -1;
	for (unsigned i = 0; i < n_actors; i++)
		if (from[i] >= 0)
			to[from[i]] = (int)i;
	/* The outboxes follow the daemon's entry, in peer order (prepare). */
	for (unsigned pi = 0; pi < d->n; pi++) {
		struct tp_lpeer *p = &d->peer[pi];
		p->obx = n_actors + 1 + pi;
		for (unsigned j = 0; j < p->hold.n_dests; j++) {
			struct tp_link_hold_dest *q = &p->hold.q[j];
			if (q->dest < 0)
				continue;
			int w = (unsigned)q->dest < old_actors ? to[q->dest] : -1;
			if (w >= 0) {
				q->dest = w;   /* renamed in place: each entry once */
				continue;
			}
			/* Its receiver left the node with the reload: its mail
			 * goes, oldest first, each with its notice. */
			tp_dmsg("link %s: %u message%s held for a removed actor dropped",
				p->conf->name, q->count, q->count == 1 ? "" : "s");
			int k;
			while ((k = q->head) >= 0) {
				struct tp_link_hold_slot *s = &p->hold.slot[k];
				struct tp_env env;
				if (tp_env_decode(s->buf, s->len, s->len, &env) == 0)
					tp_linkd_notice_remote(d, p, &env, TP_UNDELIVERABLE_NOPROC,
							       -TP_ENOENT);
				tp_link_hold_done(&p->hold, k, false);
			}
		}
	}
	tp_linkd_mon_relayout(d, to, old_actors);
	if (tp_linkd_access_load(&d->acc, d->topo))
		tp_dwarn("link: the new export rules could not be built; "
			 "peers may send to nothing");
	for (unsigned pi = 0; pi < d->n; pi++) {
		struct tp_lpeer *p = &d->peer[pi];
		if (p->state != TP_LPEER_UP)
			continue;
		const char *names[TP_REG_MAX];
		unsigned k = tp_link_access_exports(&d->acc, p->conf->name, names, TP_REG_MAX);
		if (tp_link_send_actors(&p->c.link, names, k))
			tp_dmsg("link %s: cannot send the actor list", p->conf->name);
		tp_linkd_write(d, p);
	}
}
