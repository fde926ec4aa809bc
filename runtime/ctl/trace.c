/* troupectl trace: turns the node's tracing on for -t seconds (TRACE),
 * then prints the trace ring of its counters segment (counters.h) as
 * events arrive: time since the start, the event (a send, a receive by
 * the actor, mail sealed into or arrived from a node link), sender ->
 * destination, type by name, payload size, latency where known (from the
 * envelope's send time; on a link, the message's age), and the send's
 * error if it failed. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "troupe/error.h"
#include "counters.h"
#include "pbtext.h"
#include "ctl.h"

static bool trace_match(const struct tp_trace_ev *e, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return !name || strcmp(e->from, name) == 0 || strcmp(e->to, name) == 0 ||
	       (strncmp(e->to, name, n) == 0 && e->to[n] == '@');
}

static const char *const kind_names[] = {
	[TP_TRACE_SEND] = "send", [TP_TRACE_RECV] = "recv",
	[TP_TRACE_LINK_OUT] = "link-out", [TP_TRACE_LINK_IN] = "link-in",
};

static void trace_print(const struct tp_trace_ev *e, int64_t t0, bool json)
{
	const struct mt_msg *m = pbt_find_id(e->type);
	const char *kind = e->kind < sizeof kind_names / sizeof kind_names[0] ?
			   kind_names[e->kind] : "?";
	char type[64], lat[32] = "";
	if (m)
		snprintf(type, sizeof type, "%s", m->name);
	else
		snprintf(type, sizeof type, "type %u", e->type);
	double t = (double)(e->t_ns - t0) / 1e9, us = (double)e->lat_ns / 1e3;
	if (json) {
		if (e->lat_ns >= 0)
			snprintf(lat, sizeof lat, "%.3f", us);
		printf("{\"t\":%.6f,\"event\":\"%s\",\"from\":\"%s\",\"to\":\"%s\","
		       "\"type\":\"%s\",\"msgid\":%u,\"size\":%u,\"latency_us\":%s,"
		       "\"err\":%d}\n", t, kind, e->from, e->to, type, e->type, e->len,
		       e->lat_ns >= 0 ? lat : "null", -e->rc);
	} else {
		if (e->lat_ns >= 0 && us < 10000)
			snprintf(lat, sizeof lat, "  latency %.1f us", us);
		else if (e->lat_ns >= 0)
			snprintf(lat, sizeof lat, "  latency %.1f ms", us / 1e3);
		printf("%10.6f  %-8s %-16s -> %-20s %-20s %5u B%s%s%s\n", t, kind, e->from,
		       e->to, type, e->len, lat, e->rc ? "  failed: " : "",
		       e->rc ? tp_strerror(e->rc) : "");
	}
	fflush(stdout);
}

int ctl_trace_run(struct ctl_opts *o, const char *name)
{
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	struct tp_counters *ctr;
	if (!o->node) {
		fprintf(stderr, "troupectl: trace needs the node's name (-n or TROUPE_NODE)\n");
		return CTL_USAGE;
	}
	int rc = tp_counters_open(o->node, &ctr);
	if (rc) {
		if (!o->quiet)
			fprintf(stderr, "troupectl: trace: cannot open the counters of node %s: %s\n",
				o->node, tp_strerror(rc));
		return rc == -TP_ENOENT ? CTL_NO_NODE : CTL_FAILED;
	}
	uint64_t next = tp_trace_head(ctr), lost = 0;
	memset(&q, 0, sizeof q);
	q.cmd = troupe_CtlRequest_Cmd_TRACE;
	q.timeout_ms = (uint32_t)o->timeout_ms;
	int code = ctl_request(o, &q, &r);
	if (code || (code = ctl_check(o, &r))) {
		tp_counters_close(ctr);
		return code;
	}
	int64_t t0 = tp_now_ns(), end = t0 + (int64_t)o->timeout_ms * 1000000;
	if (!o->quiet)
		fprintf(stderr, "troupectl: tracing node %s for %.1f s\n", o->node,
			o->timeout_ms / 1000.0);
	struct timespec nap = { 0, 20 * 1000000 };
	for (bool last = false; !last;) {
		last = tp_now_ns() >= end;   /* one more pass after the end */
		uint64_t head = tp_trace_head(ctr);
		for (; next < head; next++) {
			struct tp_trace_ev e;
			rc = tp_trace_get(ctr, next, &e);
			if (rc == -TP_EEMPTY)
				break;   /* being written: next pass */
			if (rc)
				lost++;
			else if (trace_match(&e, name))
				trace_print(&e, t0, o->json);
		}
		if (!last)
			nanosleep(&nap, NULL);
	}
	tp_counters_close(ctr);
	if (lost && !o->quiet)
		fprintf(stderr, "troupectl: trace: %llu event%s lost (more than %d "
			"between two reads)\n", (unsigned long long)lost,
			lost == 1 ? "" : "s", TP_TRACE_SLOTS);
	return CTL_OK;
}
