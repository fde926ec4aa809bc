/* Supervision of a node's actors, one_for_one: spawning, exit handling,
 * restart policy with intensity limit and backoff, and the ordered
 * shutdown.  Driven by the daemon's event loop; never blocks. */
#ifndef TROUPE_SUPERVISOR_H
#define TROUPE_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "logcap.h"
#include "node.h"
#include "topology.h"

/* epoll tag of actor i's output pipe: TP_SUP_TAG + i. */
#define TP_SUP_TAG 0x100u
/* How long a SIGKILLed actor may take to be reaped before we go on. */
#define TP_SUP_KILL_GRACE_MS 1000

struct tp_child {
	pid_t pid;               /* 0 when none, or reaped */
	int out_fd;              /* read end of its output pipe, -1 when none */
	enum tp_actor_state state;
	unsigned restarts;
	unsigned backoff_ms;     /* delay before its latest restart */
	int64_t restarted_ns;    /* when it was last restarted, 0 never */
	int64_t due_ns;          /* BACKOFF: restart time; STOPPING: escalation */
	bool killed;             /* SIGKILL sent */
	struct tp_logcap log;
};

struct tp_sup {
	const struct tp_topology *topo;
	struct tp_node *node;
	int epfd;
	pid_t self;
	struct tp_child ch[TP_REG_MAX];
	int64_t hist[TP_TOPO_RESTART_LIMIT_MAX + 1];  /* restarts in the window */
	unsigned hist_n;
	unsigned total_restarts;
	bool stopping;
	bool failed;             /* gave up, or could not start */
	int stop_at;             /* actor being stopped, -1 when all are */
	int64_t started_ns;
};

/* Prepares s; opens the log files.  Returns 0 or a negative code (reported
 * on stderr). */
int tp_sup_init(struct tp_sup *s, const struct tp_topology *t,
		struct tp_node *n, int epfd);

/* Spawns every actor in topology order.  A failure to spawn one stops the
 * node (tp_sup_done becomes true, s->failed is set). */
void tp_sup_start(struct tp_sup *s);

/* SIGCHLD: reaps every exited child and applies the restart policy. */
void tp_sup_reap(struct tp_sup *s);

/* Actor i's output pipe is readable. */
void tp_sup_output(struct tp_sup *s, unsigned i);

/* The timer fired: restarts due actors, escalates a slow stop. */
void tp_sup_timer(struct tp_sup *s);

/* When tp_sup_timer must run next (CLOCK_MONOTONIC ns), INT64_MAX if never. */
int64_t tp_sup_next_deadline(const struct tp_sup *s);

/* Starts the ordered shutdown (reverse start order, SIGTERM, then SIGKILL
 * after shutdown_timeout_ms).  Idempotent. */
void tp_sup_stop(struct tp_sup *s);

/* Second interrupt: SIGKILL to every actor not yet reaped. */
void tp_sup_kill_all(struct tp_sup *s);

bool tp_sup_done(const struct tp_sup *s);

/* Closes the pipes and log files. */
void tp_sup_fini(struct tp_sup *s);

#endif
