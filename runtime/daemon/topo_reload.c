/* Reload, carried out (see topo_reload.h).  Indices: an actor that stays
 * keeps its index when it can, so that running actors' cached indices
 * (counters) stay right; new actors take the indices removed ones leave;
 * only when the node shrinks do the last ones move down into the holes.
 * Actors learn of moved or removed entries from the registry's layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "troupe/error.h"
#include "log_dmsg.h"
#include "topo_exec.h"
#include "topo_reload.h"

#define BIT(i) ((uint64_t)1 << (i))

void tp_reloader_init(struct tp_reloader *r, struct tp_topology *live,
		      const char *path, const struct tp_topo_opts *opts,
		      struct tp_sup *s, struct tp_node *n, struct tp_monitors *m,
		      struct tp_linkd *ld)
{
	/* Not memset: next is a whole topology, resident only once used. */
	r->pending = false;
	r->wait = 0;
	r->live = live;
	r->path = path;
	if (opts)
		r->opts = *opts;
	r->sup = s;
	r->node = n;
	r->mon = m;
	r->links = ld;
}

/* Loads, resolves and plans the file; errors into f. */
static int reloader_check(struct tp_reloader *r, FILE *f)
{
	memset(&r->next, 0, sizeof r->next);
	int errs = tp_topology_load(r->path, &r->opts, &r->next, f);
	if (!errs)
		errs = tp_topology_resolve(&r->next, f);
	if (!errs)
		errs = tp_topology_check_execs(&r->next, f);
	if (!errs)
		errs = tp_topology_privs(&r->next, f);
	if (!errs)
		errs = tp_reload_plan(r->live, &r->next, &r->plan, f);
	if (!errs)
		errs += tp_node_check(&r->next, f);
	return errs;
}

int tp_reloader_request(struct tp_reloader *r, char *msg, size_t n)
{
	if (r->sup->stopping) {
		snprintf(msg, n, "reload: the node is stopping");
		return -TP_ESTATE;
	}
	if (r->pending) {
		snprintf(msg, n, "reload: a reload is under way");
		return -TP_EBUSY;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(msg, n, "reload: out of memory");
		return -TP_ENOMEM;
	}
	int errs = reloader_check(r, f);
	fclose(f);
	if (errs) {
		if (len && text[len - 1] == '\n')
			text[len - 1] = '\0';
		snprintf(msg, n, "reload: %s: %d error%s; the node runs on unchanged:\n%s",
			 r->path, errs, errs == 1 ? "" : "s", text ? text : "");
		tp_dwarn("reload: %s: %d error%s; the node runs on unchanged", r->path,
			 errs, errs == 1 ? "" : "s");
		free(text);
		return -TP_ECONFIG;
	}
	free(text);
	const struct tp_reload_plan *p = &r->plan;
	snprintf(msg, n, "reload: %s: %u kept, %u restarted, %u started, %u stopped",
		 r->path, p->n_keep, p->n_restart, p->n_start, p->n_stop);
	tp_dmsg("%s", msg);
	snprintf(r->result, sizeof r->result, "%s", msg);
	r->result_err = 0;
	r->wait = p->removed;
	for (unsigned i = 0; i < r->next.n_actors; i++)
		if (p->act[i] == TP_RELOAD_RESTART)
			r->wait |= BIT(p->old_ix[i]);
	for (unsigned o = 0; o < r->live->n_actors; o++)
		if (r->wait & BIT(o))
			tp_sup_ctl_stop(r->sup, o);   /* -TP_ESTATE: already down */
	r->pending = true;
	tp_reloader_tick(r);
	if (r->pending)
		return 0;
	snprintf(msg, n, "%s", r->result);
	return r->result_err;
}

bool tp_reloader_pending(const struct tp_reloader *r)
{
	return r->pending;
}

/* One actor the reload could not start, named in its result. */
static void reloader_failed(struct tp_reloader *r, unsigned i, int rc, const char *what)
{
	size_t len = strlen(r->result);
	snprintf(r->result + len, sizeof r->result - len, "%s%s (%s: %s)",
		 r->result_err ? ", " : "; failed: ", r->live->actors[i].name, what,
		 tp_strerror(rc));
	if (!r->result_err)
		r->result_err = rc;
}

/* slot[i]: where actor i of the file goes; from[slot]: its old index. */
static void reloader_slots(const struct tp_reloader *r, int *from)
{
	const struct tp_reload_plan *p = &r->plan;
	unsigned n = r->next.n_actors;
	bool taken[TP_REG_MAX] = { false };
	int slot[TP_REG_MAX];
	for (unsigned i = 0; i < n; i++) {
		slot[i] = -1;
		if (p->old_ix[i] >= 0 && (unsigned)p->old_ix[i] < n) {
			slot[i] = p->old_ix[i];
			taken[slot[i]] = true;
		}
	}
	unsigned free_ix = 0;
	for (unsigned i = 0; i < n; i++) {
		if (slot[i] >= 0)
			continue;
		while (taken[free_ix])
			free_ix++;
		slot[i] = (int)free_ix;
		taken[free_ix] = true;
	}
	for (unsigned i = 0; i < n; i++)
		from[slot[i]] = p->old_ix[i];
	static struct tp_topology t;
	t = r->next;
	for (unsigned i = 0; i < n; i++)
		t.actors[slot[i]] = r->next.actors[i];
	*r->live = t;
}

static void reloader_apply(struct tp_reloader *r)
{
	int from[TP_REG_MAX];
	unsigned old_actors = r->live->n_actors;
	reloader_slots(r, from);
	/* The links first, while the node's entries still name the actors
	 * that go. */
	if (r->links)
		tp_linkd_relayout(r->links, from, old_actors);
	int errs[TP_REG_MAX];
	uint64_t failed = tp_node_relayout(r->node, from, old_actors, r->plan.removed, errs);
	tp_sup_relayout(r->sup, from, r->plan.removed);
	tp_monitors_relayout(r->mon, from);
	unsigned reg_count = r->node->count;
	if (r->links) {
		tp_linkd_publish(r->links);
		reg_count = r->links->reg_count;
	}
	tp_node_relayout_done(r->node, reg_count);
	uint64_t start = 0;
	for (unsigned i = 0; i < r->live->n_actors; i++) {
		bool restart = from[i] < 0 || (r->wait & BIT(from[i]));
		if (!restart)
			continue;
		if (failed & BIT(i)) {
			tp_node_set(r->node, i, TP_STATE_FAILED, 0, 0);
			reloader_failed(r, i, errs[i], "cannot create its mailbox");
		} else {
			start |= BIT(i);
		}
	}
	unsigned order[TP_REG_MAX];
	unsigned n = tp_tree_ordered(&r->sup->tree, start, order);
	for (unsigned k = 0; k < n; k++) {
		int rc = tp_sup_ctl_start(r->sup, order[k]);   /* logs its own failure */
		if (rc)
			reloader_failed(r, order[k], rc, "cannot start it");
	}
	if (r->result_err)
		tp_dwarn("%s", r->result);
	tp_dmsg("reload: done; %u actor%s", r->live->n_actors,
		r->live->n_actors == 1 ? "" : "s");
}

void tp_reloader_tick(struct tp_reloader *r)
{
	if (!r->pending)
		return;
	if (r->sup->stopping) {
		r->pending = false;
		tp_dwarn("reload: abandoned, the node stops");
		return;
	}
	for (unsigned o = 0; o < r->live->n_actors; o++)
		if ((r->wait & BIT(o)) && r->sup->ch[o].pid)
			return;
	r->pending = false;
	reloader_apply(r);
	if (r->done)
		r->done(r->done_arg, r->result_err, r->result);
}
