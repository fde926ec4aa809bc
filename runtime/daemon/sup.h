/* Supervision of a node's actors: spawning, exit handling, carrying out
 * the supervision tree's verdicts (sup_tree.h: stop a set in reverse order,
 * restart it in order after a backoff), operator commands, and the
 * ordered shutdown.  Driven by the daemon's event loop; never blocks. */
#ifndef TROUPE_SUPERVISOR_H
#define TROUPE_SUPERVISOR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "log_capture.h"
#include "node.h"
#include "topo.h"
#include "sup_tree.h"
#include "sup_watchdog.h"
#include "loop.h"

/* How long a SIGKILLed actor may take to be reaped before we go on. */
#define TP_SUP_KILL_GRACE_MS 1000

struct tp_child {
	pid_t pid;               /* 0 when none, or reaped */
	int out_fd;              /* read end of its output pipe, -1 when none */
	enum tp_actor_state state;
	unsigned restarts;
	int64_t due_ns;          /* STOPPING: when to escalate */
	int64_t up_ns;           /* when its process started */
	bool killed;             /* SIGKILL sent */
	bool held;               /* stopped by the operator: not restarted */
	bool fail_on_exit;       /* being stopped because its supervisor gave up */
	int status;              /* its last wait status */
	/* Readiness (ready = init): the read end of the pipe libtroupe
	 * tells "ready" or "failed CODE" on, -1 when none; when the start
	 * fails if not ready (start_timeout_ms); init's error, if it said. */
	int ready_fd;
	int64_t ready_due_ns;
	int init_err;
	bool start_timed_out;
	bool start_failed;       /* its last process ended before it was ready */
	/* Its watchdog (watchdog_ms): what it saw, when it looks next, and
	 * whether it killed this process as hung. */
	struct tp_wd wd;
	int64_t wd_due_ns;
	bool hung;
	char exec[TP_TOPO_PATH_MAX];  /* upgrade: replaces the topology's; "" */
	struct tp_logcap log;
};

/* Actors restarted together: once none of them runs, they start again in
 * start order after delay_ms. */
struct tp_sup_group {
	uint64_t mask;           /* 0: slot free */
	unsigned delay_ms;
	bool armed;              /* all stopped; due_ns set */
	int64_t due_ns;
};

/* Called once actor i's process has ended and been dealt with (its state
 * tells what comes next): status as from waitpid; failed when it ends
 * because its supervisor reached its restart limit. */
typedef void tp_sup_exit_fn(void *arg, unsigned i, int status, bool failed);

struct tp_sup {
	const struct tp_topology *topo;
	struct tp_node *node;
	struct tp_tree tree;
	int epfd;
	pid_t self;
	struct tp_sup_group grp[TP_REG_MAX];
	uint64_t stop_mask;      /* actors to terminate, one at a time */
	int stop_cur;            /* the one being terminated, -1 none */
	unsigned total_restarts;
	bool stopping;           /* the whole node stops */
	bool failed;             /* gave up, or could not start */
	int64_t started_ns;
	tp_sup_exit_fn *on_exit;
	void *on_exit_arg;
	struct tp_loop_fd out_h[TP_REG_MAX];   /* the loop's handle of ch[i]'s output */
	struct tp_loop_fd ready_h[TP_REG_MAX]; /* ... and of its readiness pipe */
	/* Starts in start order, one at a time: the next once the one
	 * started before it is ready (OTP's start_link). */
	uint64_t queue;          /* actors waiting for their turn */
	int awaiting;            /* started, not ready yet; -1 none */
	bool booting;            /* the node's first start: a spawn failure fails it */
	/* Last, and only slots below topo->n_actors are ever written: each is
	 * ~2.5 KiB (the output line buffer), and clearing all 64 at start made
	 * 150 KiB resident whatever the topology's size. */
	struct tp_child ch[TP_REG_MAX];
};

/* Prepares s; opens the log files.  Returns 0 or a negative code (reported
 * on stderr). */
int tp_sup_init(struct tp_sup *s, const struct tp_topology *t,
		struct tp_node *n, int epfd);

/* Spawns every actor in start order, each once the one before is ready
 * (its init returned 0; at once for ready = exec).  A failure to spawn one
 * stops the node (tp_sup_done becomes true, s->failed is set). */
void tp_sup_start(struct tp_sup *s);

/* Is every actor that should run started and ready (none starting, none
 * waiting for its turn)?  For systemd's READY=1. */
bool tp_sup_all_ready(const struct tp_sup *s);

/* SIGCHLD: reaps every exited child and applies the tree's verdicts. */
void tp_sup_reap(struct tp_sup *s);

/* Actor i's output pipe is readable. */
void tp_sup_output(struct tp_sup *s, unsigned i);

/* The timer fired: starts due groups, escalates a slow stop, kills a
 * hung actor (its watchdog_ms). */
void tp_sup_timer(struct tp_sup *s);

/* When tp_sup_timer must run next (CLOCK_MONOTONIC ns), INT64_MAX if never. */
int64_t tp_sup_next_deadline(const struct tp_sup *s);

/* Starts the ordered shutdown (reverse start order, SIGTERM, then SIGKILL
 * after the actor's shutdown time).  Idempotent. */
void tp_sup_stop(struct tp_sup *s);

/* Second interrupt: SIGKILL to every actor not yet reaped. */
void tp_sup_kill_all(struct tp_sup *s);

bool tp_sup_done(const struct tp_sup *s);

/* Operator commands on actor i.  They do not count toward restart
 * intensity.  stop: -TP_ESTATE if already stopped for good.  start:
 * -TP_EBUSY if it runs (one being stopped is restarted instead, as by
 * restart).  restart: stops it (if running) and starts it
 * again.  exec (may be NULL) replaces its executable from now on
 * (upgrade); its mailbox and queued mail stay.  -TP_ESTATE while the node
 * stops. */
int tp_sup_ctl_stop(struct tp_sup *s, unsigned i);
int tp_sup_ctl_start(struct tp_sup *s, unsigned i);
int tp_sup_ctl_restart(struct tp_sup *s, unsigned i, const char *exec);

/* Reload: s->topo now holds the new topology; actor i is the old actor
 * from[i] (-1: new, left down and held until started).  The old actors in
 * removed must have no process any more.  Processes keep running; the
 * tree is built anew (restart histories start empty).  Returns 0, or the
 * first error opening a new actor's log file (logged). */
int tp_sup_relayout(struct tp_sup *s, const int *from, uint64_t removed);

/* Closes the pipes and log files. */
void tp_sup_fini(struct tp_sup *s);

#endif
