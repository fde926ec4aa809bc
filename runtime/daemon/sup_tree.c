/* The supervision tree's decisions (see sup_tree.h).  Sets of actors are
 * bitmasks: a node has at most TP_REG_MAX (64) actors. */
#include <stdlib.h>
#include <string.h>
#include "sup_tree.h"

#define BIT(i) ((uint64_t)1 << (i))

/* Restart type x exit kind: is the child restarted? */
static const bool tree_policy[TP_RESTART_COUNT][TP_EXIT_KIND_COUNT] = {
	[TP_RESTART_PERMANENT] = { [TP_EXIT_NORMAL] = true, [TP_EXIT_ABNORMAL] = true },
	[TP_RESTART_TRANSIENT] = { [TP_EXIT_NORMAL] = false, [TP_EXIT_ABNORMAL] = true },
	[TP_RESTART_TEMPORARY] = { [TP_EXIT_NORMAL] = false, [TP_EXIT_ABNORMAL] = false },
};

/* ---------------------------------------------------------------- build */

static int tree_sup_index(const struct tp_topology *topo, const char *name)
{
	if (!name[0])
		return 0;
	for (unsigned k = 0; k < topo->n_sups; k++)
		if (strcmp(topo->sups[k].name, name) == 0)
			return (int)k + 1;
	return 0;   /* cannot happen in a valid topology */
}

static int tree_actor_index(const struct tp_topology *topo, const char *name)
{
	for (unsigned i = 0; i < topo->n_actors; i++)
		if (strcmp(topo->actors[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void tree_links(struct tp_tree *t, const struct tp_topology *topo, unsigned i)
{
	char buf[TP_TOPO_STR_MAX];
	char *argv[TP_TOPO_ARGV_MAX];
	int argc = 0;
	if (tp_topology_split(topo->actors[i].restart_with, buf, sizeof buf, argv, &argc,
			      TP_TOPO_ARGV_MAX - 2))
		return;
	for (int k = 0; k < argc; k++) {
		int j = tree_actor_index(topo, argv[k]);
		if (j >= 0 && (unsigned)j != i) {
			t->links[i] |= BIT(j);
			t->links[j] |= BIT(i);
		}
	}
}

/* Appends the children of every supervisor in file order. */
static void tree_children(struct tp_tree *t, const struct tp_topology *topo)
{
	unsigned total = topo->n_actors + topo->n_sups;
	for (unsigned o = 0, seen = 0; seen < total && o < 4 * TP_TREE_CHILD_MAX; o++) {
		for (unsigned i = 0; i < topo->n_actors; i++)
			if (topo->actors[i].order == (int)o) {
				struct tp_tree_sup *s = &t->sup[t->act_sup[i]];
				s->child[s->n_child++] = (struct tp_tree_child){ false, (uint8_t)i };
				seen++;
			}
		for (unsigned k = 0; k < topo->n_sups; k++)
			if (topo->sups[k].order == (int)o) {
				struct tp_tree_sup *s = &t->sup[t->sup[k + 1].parent];
				s->child[s->n_child++] = (struct tp_tree_child){ true, (uint8_t)(k + 1) };
				seen++;
			}
	}
}

/* Depth first from supervisor s: start order and leaves. */
static uint64_t tree_walk(struct tp_tree *t, int s, unsigned *n, unsigned depth)
{
	struct tp_tree_sup *sp = &t->sup[s];
	sp->leaves = 0;
	for (unsigned k = 0; k < sp->n_child && depth <= TP_TREE_SUP_MAX; k++) {
		const struct tp_tree_child *c = &sp->child[k];
		if (c->is_sup) {
			sp->leaves |= tree_walk(t, c->idx, n, depth + 1);
		} else {
			t->rank[c->idx] = *n;
			t->order[(*n)++] = c->idx;
			sp->leaves |= BIT(c->idx);
		}
	}
	return sp->leaves;
}

static void tree_sup_set(struct tp_tree_sup *sp, const char *name, int parent,
			 enum tp_strategy st, enum tp_restart r, int limit,
			 int window_s, int backoff, int backoff_max)
{
	sp->name = name;
	sp->parent = parent;
	sp->strategy = st;
	sp->restart = r;
	sp->limit = limit;
	sp->window_ns = (int64_t)window_s * 1000000000;
	sp->backoff_ms = (unsigned)backoff;
	sp->backoff_max_ms = (unsigned)(backoff_max < backoff ? backoff : backoff_max);
}

void tp_tree_init(struct tp_tree *t, const struct tp_topology *topo)
{
	const struct tp_node_conf *nd = &topo->node;
	memset(t, 0, sizeof *t);
	t->n_sups = topo->n_sups + 1;
	t->n_actors = topo->n_actors;
	tree_sup_set(&t->sup[0], nd->name, -1, nd->strategy, TP_RESTART_PERMANENT,
		     nd->restart_limit, nd->restart_window_s, nd->backoff_ms,
		     nd->backoff_max_ms);
	for (unsigned k = 0; k < topo->n_sups; k++) {
		const struct tp_sup_conf *c = &topo->sups[k];
		tree_sup_set(&t->sup[k + 1], c->name, tree_sup_index(topo, c->supervisor),
			     c->strategy, c->restart, c->restart_limit,
			     c->restart_window_s, c->backoff_ms, c->backoff_max_ms);
	}
	for (unsigned i = 0; i < topo->n_actors; i++) {
		t->act_sup[i] = tree_sup_index(topo, topo->actors[i].supervisor);
		t->act_restart[i] = topo->actors[i].restart;
		tree_links(t, topo, i);
	}
	tree_children(t, topo);
	unsigned n = 0;
	tree_walk(t, 0, &n, 0);
}

/* ---------------------------------------------------------------- decide */

static uint64_t tree_child_leaves(const struct tp_tree *t, struct tp_tree_child c)
{
	return c.is_sup ? t->sup[c.idx].leaves : BIT(c.idx);
}

static enum tp_restart tree_child_restart(const struct tp_tree *t, struct tp_tree_child c)
{
	return c.is_sup ? t->sup[c.idx].restart : t->act_restart[c.idx];
}

/* Drops restarts that left the window; true if one more is allowed. */
static bool tree_intensity_ok(struct tp_tree_sup *sp, int64_t now)
{
	unsigned k = 0;
	for (unsigned j = 0; j < sp->hist_n; j++)
		if (now - sp->hist[j] < sp->window_ns)
			sp->hist[k++] = sp->hist[j];
	sp->hist_n = k;
	return sp->hist_n < (unsigned)sp->limit;
}

/* The first restart in a window waits backoff_ms; each further one in the
 * same window twice as long as the one before, up to backoff_max_ms. */
static unsigned tree_backoff(const struct tp_tree_sup *sp, unsigned *cur,
			     int64_t *last, int64_t now)
{
	if (!*last || now - *last >= sp->window_ns)
		*cur = sp->backoff_ms;
	else
		*cur = *cur * 2 > sp->backoff_max_ms ? sp->backoff_max_ms : *cur * 2;
	*last = now;
	return *cur;
}

/* The children the strategy restarts along with child p, as leaves;
 * temporary siblings are stopped for good instead (as in OTP). */
static uint64_t tree_strategy_set(const struct tp_tree *t, const struct tp_tree_sup *sp,
				  unsigned p, uint64_t *down)
{
	unsigned from = sp->strategy == TP_STRATEGY_ONE_FOR_ALL ? 0 : p;
	unsigned to = sp->strategy == TP_STRATEGY_ONE_FOR_ONE ? p + 1 : sp->n_child;
	uint64_t set = 0;
	for (unsigned k = from; k < to; k++) {
		uint64_t l = tree_child_leaves(t, sp->child[k]);
		if (k != p && tree_child_restart(t, sp->child[k]) == TP_RESTART_TEMPORARY)
			*down |= l;
		else
			set |= l;
	}
	return set;
}

/* Linked actors go with the set, transitively; temporary ones go down. */
static uint64_t tree_link_closure(const struct tp_tree *t, uint64_t set, uint64_t *down)
{
	uint64_t all = set, prev;
	do {
		prev = all;
		for (unsigned i = 0; i < t->n_actors; i++)
			if (all & BIT(i))
				all |= t->links[i];
	} while (all != prev);
	for (unsigned i = 0; i < t->n_actors; i++)
		if ((all & ~set & BIT(i)) && t->act_restart[i] == TP_RESTART_TEMPORARY) {
			all &= ~BIT(i);
			*down |= BIT(i);
		}
	return all;
}

static bool tree_is_below(const struct tp_tree *t, int k, int s)
{
	for (int p = t->sup[k].parent, n = 0; p >= 0 && n < TP_TREE_SUP_MAX;
	     p = t->sup[p].parent, n++)
		if (p == s)
			return true;
	return false;
}

/* A supervisor restarted as a whole starts afresh, as a new OTP
 * supervisor process would: no restarts in its history. */
static void tree_fresh(struct tp_tree *t, int s, uint64_t set)
{
	for (unsigned k = 1; k < t->n_sups; k++)
		if (t->sup[k].leaves && !(t->sup[k].leaves & ~set) &&
		    tree_is_below(t, (int)k, s))
			t->sup[k].hist_n = 0;
}

static unsigned tree_position(const struct tp_tree_sup *sp, struct tp_tree_child c)
{
	for (unsigned k = 0; k < sp->n_child; k++)
		if (sp->child[k].is_sup == c.is_sup && sp->child[k].idx == c.idx)
			return k;
	return 0;   /* cannot happen: c is a child of sp */
}

/* Supervisor s restarts its child c: the strategy's set, its links, and
 * the backoff of c. */
static void tree_restart(struct tp_tree *t, int s, struct tp_tree_child c,
			 int64_t now, struct tp_tree_verdict *v)
{
	struct tp_tree_sup *sp = &t->sup[s];
	sp->hist[sp->hist_n++] = now;
	uint64_t set = tree_strategy_set(t, sp, tree_position(sp, c), &v->down);
	set = tree_link_closure(t, set, &v->down);
	v->restart = set;
	v->down &= ~set;
	v->failed &= ~set;
	v->restarted_by = s;
	if (c.is_sup)
		v->delay_ms = tree_backoff(sp, &t->sup[c.idx].backoff_cur_ms,
					   &t->sup[c.idx].restarted_ns, now);
	else
		v->delay_ms = tree_backoff(sp, &t->backoff_cur_ms[c.idx],
					   &t->restarted_ns[c.idx], now);
	tree_fresh(t, s, set);
}

void tp_tree_exit(struct tp_tree *t, unsigned i, enum tp_exit_kind kind,
		  int64_t now, struct tp_tree_verdict *v)
{
	memset(v, 0, sizeof *v);
	v->restarted_by = -1;
	struct tp_tree_child c = { false, (uint8_t)i };
	int s = t->act_sup[i];
	for (unsigned hops = 0; hops < TP_TREE_SUP_MAX; hops++) {
		if (!tree_policy[tree_child_restart(t, c)][kind]) {
			v->down |= tree_child_leaves(t, c);
			return;
		}
		struct tp_tree_sup *sp = &t->sup[s];
		if (tree_intensity_ok(sp, now)) {
			tree_restart(t, s, c, now, v);
			return;
		}
		/* s gives up: its children go, then it exits, abnormally. */
		v->gave_up |= (uint32_t)1 << s;
		v->down |= sp->leaves;
		v->failed |= sp->leaves;
		if (sp->parent < 0) {
			v->node_failed = true;
			return;
		}
		c = (struct tp_tree_child){ true, (uint8_t)s };
		s = sp->parent;
		kind = TP_EXIT_ABNORMAL;
	}
}

unsigned tp_tree_ordered(const struct tp_tree *t, uint64_t mask, unsigned *out)
{
	unsigned n = 0;
	for (unsigned k = 0; k < t->n_actors; k++)
		if (mask & BIT(t->order[k]))
			out[n++] = t->order[k];
	return n;
}

const char *tp_tree_sup_name(const struct tp_tree *t, int s)
{
	return s >= 0 && (unsigned)s < t->n_sups ? t->sup[s].name : "?";
}
