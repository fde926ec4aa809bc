/* troupectl trace: turns the node's tracing on for -t seconds (TRACE),
 * then prints the trace ring of its counters segment (counters.h) as
 * events arrive: time since the start, sender -> destination, type by
 * name, payload size, and the send's error if it failed.  Latency is not
 * shown: version 1 of the envelope carries no send time. */
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

static void trace_print(const struct tp_trace_ev *e, int64_t t0, bool json)
{
	const struct mt_msg *m = pbt_find_id(e->type);
	char type[64];
	if (m)
		snprintf(type, sizeof type, "%s", m->name);
	else
		snprintf(type, sizeof type, "type %u", e->type);
	double t = (double)(e->t_ns - t0) / 1e9;
	if (json)
		printf("{\"t\":%.6f,\"from\":\"%s\",\"to\":\"%s\",\"type\":\"%s\",\"msgid\":%u,"
		       "\"size\":%u,\"err\":%d}\n", t, e->from, e->to, type, e->type,
		       e->len, -e->rc);
	else
		printf("%10.6f  %-16s -> %-20s %-20s %5u B%s%s\n", t, e->from, e->to,
		       type, e->len, e->rc ? "  failed: " : "",
		       e->rc ? tp_strerror(e->rc) : "");
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
