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

/* The running dynamic children go on under a reload, made anew from
 * their template in the new file (changed with it, or restarted by the
 * plan); the children of a template the file no longer has are stopped. */
static int reloader_keep_children(struct tp_reloader *r, FILE *f)
{
	int errs = 0;
	for (unsigned i = 0; i < r->live->n_actors; i++) {
		const struct tp_actor_conf *a = &r->live->actors[i];
		if (!a->template_of[0])
			continue;
		const struct tp_actor_conf *tmpl = tp_topology_template(&r->next, a->template_of);
		if (!tmpl) {
			tp_dwarn("reload: template %s is gone: its child %s stops",
				 a->template_of, a->name);
			continue;
		}
		char why[160];
		if (r->next.n_actors >= TP_REG_ACTORS_MAX) {
			fprintf(f, "%s: the new topology leaves no room for the dynamic child %s "
				"(at most %d actors)\n", r->path, a->name, TP_REG_ACTORS_MAX);
			errs++;
		} else if (tp_topology_child(tmpl, a->name, a->spawn_args,
					     &r->next.actors[r->next.n_actors], why, sizeof why)) {
			fprintf(f, "%s: dynamic child %s: %s\n", r->path, a->name, why);
			errs++;
		} else {
			r->next.n_actors++;
		}
	}
	tp_topology_renumber(&r->next);
	return errs;
}

/* Checks and plans r->next against the live topology; errors into f. */
static int reloader_plan(struct tp_reloader *r, FILE *f)
{
	int errs = tp_topology_check_execs(&r->next, f);
	if (!errs)
		errs = tp_topology_privs(&r->next, f);
	if (!errs)
		errs = tp_reload_plan(r->live, &r->next, &r->plan, f);
	if (!errs)
		errs += tp_node_check(&r->next, f);
	return errs;
}

/* Loads, resolves and plans the file; errors into f. */
static int reloader_check(struct tp_reloader *r, FILE *f)
{
	memset(&r->next, 0, sizeof r->next);
	int errs = tp_topology_load(r->path, &r->opts, &r->next, f);
	if (!errs)
		errs = tp_topology_resolve(&r->next, f);
	if (!errs)
		errs = reloader_keep_children(r, f);
	return errs ? errs : reloader_plan(r, f);
}

static int reloader_begin(struct tp_reloader *r, const char *what, char *msg, size_t n);
static int reloader_busy(const struct tp_reloader *r, const char *op, char *msg, size_t n);

int tp_reloader_request(struct tp_reloader *r, char *msg, size_t n)
{
	int rc = reloader_busy(r, "reload", msg, n);
	if (rc)
		return rc;
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
	r->op = "reload";
	return reloader_begin(r, msg, msg, n);
}

/* Carries out r->plan: stops what it must first, then applies (at once
 * when nothing has to stop).  what: the line that says what it does. */
static int reloader_begin(struct tp_reloader *r, const char *what, char *msg, size_t n)
{
	const struct tp_reload_plan *p = &r->plan;
	if (what != msg)
		snprintf(msg, n, "%s", what);
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

static int reloader_busy(const struct tp_reloader *r, const char *op, char *msg, size_t n)
{
	if (r->sup->stopping) {
		snprintf(msg, n, "%s: the node is stopping", op);
		return -TP_ESTATE;
	}
	if (r->pending) {
		snprintf(msg, n, "%s: a reload, spawn or despawn is under way; try again",
			 op);
		return -TP_EBUSY;
	}
	return 0;
}

/* Plans r->next (the live topology and a change); on errors, none made. */
static int reloader_change(struct tp_reloader *r, const char *op, const char *what,
			   char *msg, size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(msg, n, "%s: out of memory", op);
		return -TP_ENOMEM;
	}
	tp_topology_renumber(&r->next);
	int errs = reloader_plan(r, f);
	fclose(f);
	if (errs) {
		if (len && text[len - 1] == '\n')
			text[len - 1] = '\0';
		snprintf(msg, n, "%s: %s", op, text ? text : "refused");
		free(text);
		return -TP_ECONFIG;
	}
	free(text);
	r->op = op;
	return reloader_begin(r, what, msg, n);
}

static unsigned reloader_children(const struct tp_topology *t, const char *tmpl)
{
	unsigned k = 0;
	for (unsigned i = 0; i < t->n_actors; i++)
		k += strcmp(t->actors[i].template_of, tmpl) == 0;
	return k;
}

/* A child that could not start (no mailbox, no process) is not left
 * behind as a failed actor: the spawn failed, and it goes at once. */
static void reloader_undo_spawn(struct tp_reloader *r, const char *name)
{
	char junk[256];
	for (unsigned i = 0; i < r->live->n_actors; i++)
		if (strcmp(r->live->actors[i].name, name) == 0 &&
		    tp_reloader_despawn(r, name, junk, sizeof junk) == 0 && r->pending)
			tp_dwarn("spawn: %s is being removed", name);
}

int tp_reloader_spawn(struct tp_reloader *r, const char *tmpl, const char *name,
		      const char *args, char *msg, size_t n)
{
	int rc = reloader_busy(r, "spawn", msg, n);
	if (rc)
		return rc;
	const struct tp_actor_conf *t = tp_topology_template(r->live, tmpl);
	if (!t) {
		snprintf(msg, n, "spawn: no [template %s] in %s", tmpl, r->path);
		return -TP_ENOENT;
	}
	for (unsigned i = 0; i < r->live->n_actors; i++)
		if (strcmp(r->live->actors[i].name, name) == 0) {
			snprintf(msg, n, "spawn: an actor %s exists already", name);
			return -TP_EBUSY;
		}
	if (reloader_children(r->live, tmpl) >= (unsigned)t->max_children) {
		snprintf(msg, n, "spawn: template %s has its %d children (max_children)",
			 tmpl, t->max_children);
		return -TP_ELIMIT;
	}
	if (r->live->n_actors >= TP_REG_ACTORS_MAX) {
		snprintf(msg, n, "spawn: the node has %d actors, its most", TP_REG_ACTORS_MAX);
		return -TP_ELIMIT;
	}
	r->next = *r->live;
	char why[160];
	rc = tp_topology_child(t, name, args, &r->next.actors[r->next.n_actors], why, sizeof why);
	if (rc) {
		snprintf(msg, n, "spawn: %s", why);
		return rc;
	}
	r->next.n_actors++;
	char what[128];
	snprintf(what, sizeof what, "spawn: %s from template %s", name, tmpl);
	rc = reloader_change(r, "spawn", what, msg, n);
	if (rc && !r->pending)
		reloader_undo_spawn(r, name);
	return rc;
}

int tp_reloader_despawn(struct tp_reloader *r, const char *name, char *msg, size_t n)
{
	int rc = reloader_busy(r, "despawn", msg, n);
	if (rc)
		return rc;
	int k = -1;
	for (unsigned i = 0; i < r->live->n_actors; i++)
		if (strcmp(r->live->actors[i].name, name) == 0)
			k = (int)i;
	if (k < 0) {
		snprintf(msg, n, "despawn: no actor %s", name);
		return -TP_ENOENT;
	}
	if (!r->live->actors[k].template_of[0]) {
		snprintf(msg, n, "despawn: %s is no dynamic child (stop it, or remove it "
			 "from %s and reload)", name, r->path);
		return -TP_EPERM;
	}
	r->next = *r->live;
	memmove(&r->next.actors[k], &r->next.actors[k + 1],
		(r->next.n_actors - (unsigned)k - 1) * sizeof r->next.actors[0]);
	r->next.n_actors--;
	char what[128];
	snprintf(what, sizeof what, "despawn: %s", name);
	return reloader_change(r, "despawn", what, msg, n);
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
	tp_dmsg("%s: done; %u actor%s", r->op, r->live->n_actors,
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
