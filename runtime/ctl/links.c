/* troupectl links: the node's links to other nodes, one row each. */
#include <stdio.h>
#include <string.h>
#include "ctl.h"

static void links_row(const troupe_LinkInfo *l, bool json, bool first)
{
	if (json) {
		printf("%s{\"peer\":\"%s\",\"address\":\"%s\",\"state\":\"%s\","
		       "\"rtt_us\":%llu,\"queued\":%u,\"queue_max\":%u,\"reconnects\":%u,"
		       "\"mail_tx\":%llu,\"mail_rx\":%llu,\"lost\":%llu,\"refused\":%llu,"
		       "\"notices\":%llu,\"monitors\":%u,\"watching\":%u,"
		       "\"notices_lost\":%llu,\"held\":%u,\"held_max\":%u,"
		       "\"held_window\":%u,\"held_expired\":%llu,\"held_refused\":%llu,"
		       "\"topics_in\":%llu,\"topics_refused\":%llu,\"topic_subs\":%u,"
		       "\"unacked\":%u,\"resent\":%llu,\"duplicates\":%llu,"
		       "\"peer_epoch\":\"%08llx\",\"restarted\":%llu,"
		       "\"held_for\":[",
		       first ? "" : ",", l->peer, l->address, l->state,
		       (unsigned long long)l->rtt_us, l->queued, l->queue_max, l->reconnects,
		       (unsigned long long)l->mail_tx, (unsigned long long)l->mail_rx,
		       (unsigned long long)l->lost, (unsigned long long)l->refused,
		       (unsigned long long)l->notices, l->monitors, l->watching,
		       (unsigned long long)l->notices_lost, l->held, l->held_max,
		       l->held_window, (unsigned long long)l->held_expired,
		       (unsigned long long)l->held_refused, (unsigned long long)l->topics_in,
		       (unsigned long long)l->topics_refused, l->topic_subs,
		       l->unacked, (unsigned long long)l->resent,
		       (unsigned long long)l->duplicates,
		       (unsigned long long)(l->peer_epoch >> 32),
		       (unsigned long long)l->restarted);
		for (pb_size_t k = 0; k < l->held_for_count; k++)
			printf("%s{\"name\":\"%s\",\"held\":%u}", k ? "," : "",
			       l->held_for[k].name, l->held_for[k].held);
		printf("]}");
		return;
	}
	char rtt[24] = "-";
	if (l->rtt_us)
		snprintf(rtt, sizeof rtt, "%.2f", (double)l->rtt_us / 1000.0);
	char queued[24], held[24];
	snprintf(queued, sizeof queued, "%u/%u", l->queued, l->queue_max);
	snprintf(held, sizeof held, "%u/%u", l->held, l->held_max);
	printf("%-16s %-22s %-10s %8s %9s %10llu %6llu %7llu %7s %7u %7llu %6llu %8.8llx  %s\n",
	       l->peer, l->address,
	       l->state, rtt, queued, (unsigned long long)l->reconnects,
	       (unsigned long long)l->lost, (unsigned long long)l->refused, held,
	       l->unacked, (unsigned long long)l->resent,
	       (unsigned long long)l->duplicates, (unsigned long long)(l->peer_epoch >> 32),
	       strcmp(l->state, "up") ? l->reason : "");
	/* Where incoming mail waits: the slow receivers, by name. */
	for (pb_size_t k = 0; k < l->held_for_count; k++)
		printf("  held for %s: %u/%u\n", l->held_for[k].name, l->held_for[k].held,
		       l->held_window);
}

int ctl_links_run(struct ctl_opts *o)
{
	static troupe_CtlRequest q = { .cmd = troupe_CtlRequest_Cmd_LINKS };
	static troupe_CtlReply r;
	int code = ctl_request(o, &q, &r);
	if (code || (code = ctl_check(o, &r)))
		return code;
	if (o->json)
		printf("[");
	else
		printf("%-16s %-22s %-10s %8s %9s %10s %6s %7s %7s %7s %7s %6s %8s  %s\n",
		       "PEER", "ADDRESS", "STATE", "RTT_MS", "QUEUED", "RECONNECTS", "LOST",
		       "REFUSED", "HELD", "UNACKED", "RESENT", "DUPS", "EPOCH", "LAST_CLOSE");
	for (pb_size_t k = 0; k < r.links_count; k++)
		links_row(&r.links[k], o->json, k == 0);
	if (o->json)
		printf("]\n");
	return CTL_OK;
}
