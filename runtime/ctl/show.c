/* troupectl's output of actor rows: a table for people, JSON for
 * scripts (one object per actor). */
#include <stdio.h>
#include "ctl.h"

void ctl_show_header(void)
{
	printf("%-16s %7s %-9s %-5s %11s %8s %9s %8s\n", "NAME", "PID", "STATE",
	       "TRANS", "DEPTH", "RESTARTS", "UPTIME_S", "BUSY_MS");
}

void ctl_show_actor(const troupe_ActorInfo *a, bool json, bool first, bool verbose)
{
	/* Uptime is its process's: empty (-, null) when it has none. */
	char up[24] = "-", busy[24] = "-";
	if (a->has_uptime)
		snprintf(up, sizeof up, "%.1f", (double)a->uptime_ms / 1000);
	/* How long it has held the message it handles now: "-" when none. */
	if (a->busy)
		snprintf(busy, sizeof busy, "%llu", (unsigned long long)a->busy_ms);
	if (json) {
		printf("%s{\"name\":\"%s\",\"pid\":%d,\"state\":\"%s\",\"transport\":\"%s\","
		       "\"depth\":%u,\"capacity\":%u,\"msg_max\":%u,\"restarts\":%u,"
		       "\"uptime_s\":%s,\"supervisor\":\"%s\",\"restart\":\"%s\","
		       "\"busy_ms\":%s}",
		       first ? "" : ",", a->name, a->pid, a->state, a->transport,
		       a->depth, a->capacity, a->msg_max, a->restarts,
		       a->has_uptime ? up : "null", a->supervisor, a->restart,
		       a->busy ? busy : "null");
		return;
	}
	printf("%-16s %7d %-9s %-5s %5u/%-5u %8u %9s %8s", a->name, a->pid, a->state,
	       a->transport, a->depth, a->capacity, a->restarts, up, busy);
	if (verbose)
		printf("  supervisor=%s restart=%s msg_max=%u", a->supervisor,
		       a->restart, a->msg_max);
	putchar('\n');
}
