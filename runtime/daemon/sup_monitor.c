/* Monitors, daemon side (see sup_monitor.h).  A monitor lasts until the
 * watcher demonitors or its own process ends; it survives restarts of the
 * watched actor, which is reported at each end of its process. */
#include <string.h>
#include <sys/wait.h>
#include <pb_decode.h>
#include "troupe/error.h"
#include "monitor.pb.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "sup_monitor.h"

#define BIT(i) ((uint64_t)1 << (i))

void tp_monitors_init(struct tp_monitors *m, struct tp_sup *s)
{
	memset(m, 0, sizeof *m);
	m->sup = s;
}

static void monitors_send(struct tp_monitors *m, unsigned to, const troupe_Down *d)
{
	struct tp_node *n = m->sup->node;
	int rc = tp_deliver_msg(n, to, troupe_Down_msgid, troupe_Down_fields, d);
	if (rc) {
		m->dropped++;
		tp_dwarn("cannot tell %s that %s is down: %s", n->ent[to].name, d->name,
			tp_strerror(rc));
	}
}

int tp_monitors_request(struct tp_monitors *m, int from, uint32_t type,
			const uint8_t *payload, size_t len)
{
	troupe_Monitor req = troupe_Monitor_init_zero;
	pb_istream_t is = pb_istream_from_buffer(payload, len);
	if (type != troupe_Monitor_msgid && type != troupe_Demonitor_msgid)
		return -TP_ETYPE;
	/* Monitor and Demonitor have the same layout: one name. */
	if (!pb_decode(&is, troupe_Monitor_fields, &req))
		return -TP_EDECODE;
	if (from < 0 || from >= (int)m->sup->topo->n_actors)
		return -TP_EPERM;
	const char *at = strchr(req.name, '@');
	if (at && m->remote && strcmp(at + 1, m->sup->topo->node.name) != 0)
		return m->remote(m->remote_arg, (unsigned)from, req.name,
				 type == troupe_Demonitor_msgid);
	if (at && strcmp(at + 1, m->sup->topo->node.name) == 0)
		*(char *)at = '\0';   /* one of ours, by its full name */
	int t = tp_deliver_find(m->sup->node, req.name);
	if (type == troupe_Demonitor_msgid) {
		if (t >= 0)
			m->watchers[t] &= ~BIT(from);
		return 0;
	}
	if (t >= 0 && m->sup->ch[t].pid) {
		m->watchers[t] |= BIT(from);
		return 0;
	}
	/* As in Erlang: monitoring what is not there gives Down at once. */
	troupe_Down d = { .reason = troupe_Down_Reason_NOPROC };
	snprintf(d.name, sizeof d.name, "%s", req.name);
	if (t >= 0) {
		m->watchers[t] |= BIT(from);   /* it may come back */
		d.restarting = m->sup->ch[t].state == TP_STATE_BACKOFF;
	}
	monitors_send(m, (unsigned)from, &d);
	return 0;
}

void tp_monitors_reason(const struct tp_child *c, int status, bool failed,
			troupe_Down *d)
{
	d->code = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
	if (failed)
		d->reason = troupe_Down_Reason_RESTART_LIMIT;
	else if (c->start_failed)
		d->reason = troupe_Down_Reason_START_FAILED;
	else if (c->hung)
		d->reason = troupe_Down_Reason_HUNG;
	else if (c->state == TP_STATE_DOWN && (c->held || c->killed ||
		 (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)))
		d->reason = troupe_Down_Reason_STOPPED;
	else if (WIFSIGNALED(status))
		d->reason = troupe_Down_Reason_SIGNAL;
	else
		d->reason = troupe_Down_Reason_EXIT;
	/* A failed start says why: init's error, or its start_timeout. */
	if (d->reason == troupe_Down_Reason_HUNG)
		d->code = TP_ETIMEDOUT;
	else if (d->reason == troupe_Down_Reason_START_FAILED && c->start_timed_out)
		d->code = TP_ETIMEDOUT;
	else if (d->reason == troupe_Down_Reason_START_FAILED && c->init_err)
		d->code = c->init_err;
	d->restarting = c->state == TP_STATE_BACKOFF;
}

void tp_monitors_exit(void *arg, unsigned i, int status, bool failed)
{
	struct tp_monitors *m = arg;
	const struct tp_sup *s = m->sup;
	for (unsigned k = 0; k < s->topo->n_actors; k++)
		m->watchers[k] &= ~BIT(i);
	if (!m->watchers[i])
		return;
	troupe_Down d = troupe_Down_init_zero;
	snprintf(d.name, sizeof d.name, "%s", s->topo->actors[i].name);
	tp_monitors_reason(&s->ch[i], status, failed, &d);
	for (unsigned k = 0; k < s->topo->n_actors; k++)
		if ((m->watchers[i] & BIT(k)) && s->ch[k].pid)
			monitors_send(m, k, &d);
}

void tp_monitors_relayout(struct tp_monitors *m, const int *from)
{
	uint64_t old[TP_REG_ACTORS_MAX];
	unsigned n = m->sup->topo->n_actors;
	memcpy(old, m->watchers, sizeof old);
	memset(m->watchers, 0, sizeof m->watchers);
	for (unsigned i = 0; i < n; i++) {
		if (from[i] < 0)
			continue;
		for (unsigned k = 0; k < n; k++)
			if (from[k] >= 0 && (old[from[i]] & BIT(from[k])))
				m->watchers[i] |= BIT(k);
	}
}
