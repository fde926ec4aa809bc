/* The supervision tree: what to do when an actor's process ends.  Pure
 * decisions, no processes: given who died, how, and when, the tree says
 * which actors to restart together, which to leave down, and whether the
 * node itself gives up.  sup.c carries the verdicts out.  The
 * semantics are OTP's, with the differences in docs/SUPERVISION.md. */
#ifndef TROUPE_TREE_H
#define TROUPE_TREE_H

#include <stdbool.h>
#include <stdint.h>
#include "topo.h"

/* Supervisor 0 is the node (the root, configured by [node]); 1..n are the
 * topology's [supervisor] sections, sups[k - 1]. */
#define TP_TREE_SUP_MAX (TP_TOPO_SUP_MAX + 1)
/* Children of one supervisor: at most every actor and supervisor. */
#define TP_TREE_CHILD_MAX (TP_REG_MAX + TP_TOPO_SUP_MAX)

enum tp_exit_kind {
	TP_EXIT_NORMAL = 0,    /* exit code 0 */
	TP_EXIT_ABNORMAL = 1,  /* non-zero code, a signal, or a supervisor that gave up */
	TP_EXIT_KIND_COUNT
};

struct tp_tree_child {
	bool is_sup;
	uint8_t idx;               /* actor index, or supervisor index */
};

struct tp_tree_sup {
	const char *name;
	int parent;                /* -1 for the node */
	enum tp_strategy strategy;
	enum tp_restart restart;   /* as a child of its parent */
	int limit;                 /* restart intensity: limit in window_ns */
	int64_t window_ns;
	unsigned backoff_ms, backoff_max_ms;
	unsigned n_child;
	struct tp_tree_child child[TP_TREE_CHILD_MAX];  /* start order */
	uint64_t leaves;           /* every actor below it */
	int64_t hist[TP_TOPO_RESTART_LIMIT_MAX + 1];    /* its recent restarts */
	unsigned hist_n;
	/* Backoff of this supervisor as a child of its parent. */
	unsigned backoff_cur_ms;
	int64_t restarted_ns;
};

struct tp_tree {
	unsigned n_sups, n_actors;
	struct tp_tree_sup sup[TP_TREE_SUP_MAX];
	int act_sup[TP_REG_MAX];           /* each actor's supervisor */
	enum tp_restart act_restart[TP_REG_MAX];
	uint64_t links[TP_REG_MAX];        /* symmetric */
	unsigned order[TP_REG_MAX];        /* actors in start order */
	unsigned rank[TP_REG_MAX];         /* position in order[] */
	unsigned backoff_cur_ms[TP_REG_MAX];
	int64_t restarted_ns[TP_REG_MAX];
};

/* What to do after an exit. */
struct tp_tree_verdict {
	uint64_t restart;      /* stop those still running, then start all, in order */
	uint64_t down;         /* stop those still running; do not restart */
	uint64_t failed;       /* of down: their supervisor gave up */
	unsigned delay_ms;     /* backoff before the restart */
	uint32_t gave_up;      /* supervisors that reached their restart limit */
	int restarted_by;      /* supervisor that restarts, -1 none */
	bool node_failed;      /* the node gave up: stop everything, exit non-zero */
};

/* Builds the tree of a valid topology (tp_topology_load returned 0).
 * Start order is depth first, children in file order. */
void tp_tree_init(struct tp_tree *t, const struct tp_topology *topo);

/* Actor i's process ended (kind) at now (CLOCK_MONOTONIC ns) without the
 * daemon asking it to: applies the restart types, strategies, links and
 * intensities, escalating as far as needed, and records the restart in
 * the intensity history.  Fills v. */
void tp_tree_exit(struct tp_tree *t, unsigned i, enum tp_exit_kind kind,
		  int64_t now, struct tp_tree_verdict *v);

/* Every actor in mask, in start order, into out; returns how many. */
unsigned tp_tree_ordered(const struct tp_tree *t, uint64_t mask, unsigned *out);

const char *tp_tree_sup_name(const struct tp_tree *t, int s);

#endif
