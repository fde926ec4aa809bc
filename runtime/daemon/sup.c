/* Supervision of the node's actors (see sup.h): processes, and the
 * tree's verdicts carried out.  Actors to stop are terminated one at a
 * time, latest in start order first; a group restarts once none of its
 * actors runs any more. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "troupe/error.h"
#include "log_dmsg.h"
#include "node_deliver.h"
#include "topo_exec.h"
#include "sup.h"
#include "sup_privs.h"

#define MS 1000000LL
#define BIT(i) ((uint64_t)1 << (i))

static void sup_set(struct tp_sup *s, unsigned i, enum tp_actor_state st)
{
	struct tp_child *c = &s->ch[i];
	if (st == TP_STATE_UP && c->state != TP_STATE_UP) {   /* the watchdog starts */
		struct tp_ctr k;
		int64_t now = tp_now_ns();
		tp_counters_get(s->node->ctr, i, &k);
		tp_wd_reset(&c->wd, k.received, now);
		c->wd_due_ns = now + tp_wd_period_ns((int64_t)s->topo->actors[i].watchdog_ms * MS);
	}
	c->state = st;
	tp_node_set(s->node, i, st, c->pid, c->restarts);
}

static void sup_on_output(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	tp_sup_output(h->owner, h->ix);
}

static void sup_read_ready(struct tp_sup *s, unsigned i);
static bool sup_waits_ready(const struct tp_sup *s, unsigned i);
static int sup_ready_pipe(struct tp_sup *s, unsigned i, int r[2]);
static void sup_apply(struct tp_sup *s, const struct tp_tree_verdict *v);
static bool sup_watched(const struct tp_sup *s, unsigned i);

static void sup_on_ready(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	sup_read_ready(h->owner, h->ix);
}

int tp_sup_init(struct tp_sup *s, const struct tp_topology *t,
		struct tp_node *n, int epfd)
{
	memset(s, 0, offsetof(struct tp_sup, ch));
	s->topo = t;
	s->node = n;
	s->epfd = epfd;
	s->self = getpid();
	s->stop_cur = -1;
	s->awaiting = -1;
	s->started_ns = tp_now_ns();
	for (unsigned i = 0; i < TP_REG_MAX; i++) {
		tp_loop_fd_set(&s->out_h[i], sup_on_output, s, i);
		tp_loop_fd_set(&s->ready_h[i], sup_on_ready, s, i);
	}
	tp_tree_init(&s->tree, t);
	for (unsigned i = 0; i < t->n_actors; i++) {
		memset(&s->ch[i], 0, sizeof s->ch[i]);
		s->ch[i].out_fd = -1;
		s->ch[i].ready_fd = -1;
		int rc = tp_logcap_init(&s->ch[i].log, t->actors[i].name,
					t->node.log_dir, t->node.mode & 0666);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------------- spawn */

/* The argv of actor i: exec_prefix words, the executable, its args.
 * Returns 0 or -TP_ELIMIT; the words live in buf.  Note: argv must hold
 * 2 * TP_TOPO_ARGV_MAX pointers. */
static int sup_argv(const struct tp_sup *s, unsigned i, char *buf, size_t n,
		    char **argv)
{
	const struct tp_actor_conf *a = &s->topo->actors[i];
	const char *prefix = a->exec_prefix[0] ? a->exec_prefix
					       : s->topo->node.exec_prefix;
	int argc = 0;
	if (tp_topology_split(prefix, buf, n / 2, argv, &argc, TP_TOPO_ARGV_MAX - 2))
		return -TP_ELIMIT;
	argv[argc++] = s->ch[i].exec[0] ? (char *)s->ch[i].exec : (char *)a->path;
	if (tp_topology_split(a->args, buf + n / 2, n / 2, argv, &argc,
			      2 * TP_TOPO_ARGV_MAX - 1))
		return -TP_ELIMIT;
	return 0;
}

static void sup_setenv(const struct tp_sup *s, unsigned i)
{
	char v[16];
	snprintf(v, sizeof v, "%d", s->topo->node.send_timeout_ms);
	setenv("TROUPE_NODE", s->topo->node.name, 1);
	setenv("TROUPE_ACTOR", s->topo->actors[i].name, 1);
	setenv("TROUPE_SEND_TIMEOUT_MS", v, 1);
}

/* In the child, after fork: never returns.  It runs in its own process
 * group so that a terminal's Ctrl-C reaches only the daemon, which then
 * stops the actors in order; and dies with the daemon (PDEATHSIG). */
static void sup_child(const struct tp_sup *s, unsigned i, char **argv, int out, int ready)
{
	setpgid(0, 0);
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	sup_setenv(s, i);
	if (ready >= 0) {   /* the one descriptor it inherits for readiness */
		char v[16];
		snprintf(v, sizeof v, "%d", ready);
		if (fcntl(ready, F_SETFD, 0) == 0)
			setenv("TROUPE_READY_FD", v, 1);
	} else {
		unsetenv("TROUPE_READY_FD");
	}
	tp_node_handoff(s->node, i);
	/* Last, as it gives up what the steps above needed.  A failure is a
	 * failed start (exit 126 before it was ready), said on the actor's
	 * output, which is the log. */
	char why[TP_TOPO_PATH_MAX + 200];
	if (tp_privs_drop(&s->topo->actors[i].privs, why, sizeof why) < 0) {
		dprintf(2, "troupe: actor %s: cannot run as uid %u gid %u: %s\n",
			s->topo->actors[i].name, (unsigned)s->topo->actors[i].privs.uid,
			(unsigned)s->topo->actors[i].privs.gid, why);
		_exit(126);
	}
	/* The parent-death signal last: a change of credentials clears it,
	 * and an actor of another user would outlive a killed daemon.  A
	 * daemon that died before it took effect is seen here. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->self)
		_exit(1);
	/* A path is exec'd as is: execvp would run a file of another
	 * architecture through /bin/sh (its ENOEXEC fallback).  A bare name
	 * (an exec_prefix such as valgrind) is looked up in PATH. */
	if (strchr(argv[0], '/'))
		execv(argv[0], argv);
	else
		execvp(argv[0], argv);
	int e = errno;
	if (e == ENOEXEC && tp_exec_check(argv[0], why, sizeof why))
		dprintf(2, "troupe: actor %s: %s\n", s->topo->actors[i].name, why);
	else
		dprintf(2, "troupe: cannot exec %s for actor %s: %s\n", argv[0],
			s->topo->actors[i].name, strerror(e));
	_exit(127);
}

static int sup_pipe(struct tp_sup *s, unsigned i, int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -tp_err_from_errno(errno);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	int rc = tp_loop_ctl(s->epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, &s->out_h[i]);
	if (rc) {
		close(p[0]);
		close(p[1]);
		return rc;
	}
	return 0;
}

static int sup_spawn(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	const struct tp_actor_conf *a = &s->topo->actors[i];
	char buf[2 * TP_TOPO_STR_MAX + 16];
	char *argv[2 * TP_TOPO_ARGV_MAX];
	int p[2], r[2] = { -1, -1 };
	bool wait_ready = sup_waits_ready(s, i);
	int rc = sup_argv(s, i, buf, sizeof buf, argv);
	if (rc || (rc = sup_pipe(s, i, p))) {
		tp_derr("cannot start %s: %s", a->name, tp_strerror(rc));
		return rc;
	}
	if (wait_ready && (rc = sup_ready_pipe(s, i, r))) {
		close(p[0]);   /* closing removes it from epoll */
		close(p[1]);
		tp_derr("cannot start %s: %s", a->name, tp_strerror(rc));
		return rc;
	}
	sup_set(s, i, TP_STATE_STARTING);
	fflush(stdout);   /* the child must not inherit buffered output */
	pid_t pid = fork();
	if (pid == 0)
		sup_child(s, i, argv, p[1], r[1]);
	int e = errno;
	close(p[1]);
	if (r[1] >= 0)
		close(r[1]);
	if (pid < 0) {
		close(p[0]);   /* closing removes it from epoll */
		if (r[0] >= 0)
			close(r[0]);
		tp_derr("cannot start %s: fork: %s", a->name, strerror(e));
		return -tp_err_from_errno(e);
	}
	c->pid = pid;
	c->out_fd = p[0];
	c->ready_fd = r[0];
	c->log.pid = pid;
	c->killed = false;
	c->fail_on_exit = false;
	c->init_err = 0;
	c->start_timed_out = false;
	c->hung = false;
	tp_counters_busy(s->node->ctr, i, 0);   /* its last process may have died busy */
	c->up_ns = tp_now_ns();
	c->ready_due_ns = c->up_ns + (int64_t)a->start_timeout_ms * MS;
	/* Up once its init returned 0 (sup_ready); a program that is no
	 * Troupe actor (ready = exec) once it runs. */
	sup_set(s, i, wait_ready ? TP_STATE_STARTING : TP_STATE_UP);   /* with its pid */
	tp_dmsg("started %s (pid %d)", a->name, (int)pid);
	return 0;
}

/* A spawn that failed: at the node's first start the node fails (nothing
 * it was told to run may be missing); later it counts as a crash. */
static void sup_spawn_failed(struct tp_sup *s, unsigned i)
{
	if (s->booting) {
		s->failed = true;
		sup_set(s, i, TP_STATE_FAILED);
		tp_sup_stop(s);
		return;
	}
	struct tp_tree_verdict v;
	tp_tree_exit(&s->tree, i, TP_EXIT_ABNORMAL, tp_now_ns(), &v);
	if (!(v.restart & BIT(i)))
		sup_set(s, i, TP_STATE_FAILED);
	sup_apply(s, &v);
}

/* Starts what waits in the queue, in start order, one at a time: the next
 * only once the one before is ready. */
static void sup_pump(struct tp_sup *s)
{
	while (s->awaiting < 0 && s->queue && !s->stopping) {
		unsigned order[TP_REG_MAX];
		if (tp_tree_ordered(&s->tree, s->queue, order) == 0) {
			s->queue = 0;
			break;
		}
		unsigned i = order[0];
		s->queue &= ~BIT(i);
		if (s->ch[i].pid)
			continue;   /* started meanwhile (an operator's start) */
		if (sup_spawn(s, i))
			sup_spawn_failed(s, i);
		else if (s->ch[i].state == TP_STATE_STARTING)
			s->awaiting = (int)i;
	}
	if (!s->queue && s->awaiting < 0)
		s->booting = false;
}

void tp_sup_start(struct tp_sup *s)
{
	unsigned order[TP_REG_MAX];
	unsigned n = tp_tree_ordered(&s->tree, ~(uint64_t)0, order);
	for (unsigned k = 0; k < n; k++)
		s->queue |= BIT(order[k]);
	s->booting = true;
	sup_pump(s);
}

bool tp_sup_all_ready(const struct tp_sup *s)
{
	if (s->queue || s->awaiting >= 0)
		return false;
	for (unsigned i = 0; i < s->topo->n_actors; i++)
		if (s->ch[i].state == TP_STATE_STARTING)
			return false;
	return true;
}

/* ---------------------------------------------------------------- readiness */

static bool sup_waits_ready(const struct tp_sup *s, unsigned i)
{
	return strcmp(s->topo->actors[i].ready, "exec") != 0;
}

/* The pipe actor i tells its readiness on (libtroupe, TROUPE_READY_FD):
 * r[0] ours, in the loop; r[1] the child's. */
static int sup_ready_pipe(struct tp_sup *s, unsigned i, int r[2])
{
	if (pipe2(r, O_CLOEXEC) < 0)
		return -tp_err_from_errno(errno);
	fcntl(r[0], F_SETFL, O_NONBLOCK);
	int rc = tp_loop_ctl(s->epfd, EPOLL_CTL_ADD, r[0], EPOLLIN, &s->ready_h[i]);
	if (rc) {
		close(r[0]);
		close(r[1]);
		r[0] = r[1] = -1;
	}
	return rc;
}

static void sup_close_ready(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (c->ready_fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->ready_fd, NULL);
	close(c->ready_fd);
	c->ready_fd = -1;
}

/* Actor i's init returned 0: it is up, and the next start may go. */
static void sup_ready(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (c->state == TP_STATE_STARTING) {
		sup_set(s, i, TP_STATE_UP);
		tp_ddebug("%s ready after %lld ms", s->topo->actors[i].name,
			  (long long)((tp_now_ns() - c->up_ns) / MS));
	}
	if (s->awaiting == (int)i) {
		s->awaiting = -1;
		sup_pump(s);
	}
}

/* What libtroupe says on the pipe, one short write: "ready\n", or
 * "failed CODE\n" just before it exits. */
static void sup_read_ready(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	char buf[64];
	if (i >= s->topo->n_actors || c->ready_fd < 0)
		return;
	ssize_t n = read(c->ready_fd, buf, sizeof buf - 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		sup_close_ready(s, i);
		return;
	}
	buf[n] = '\0';
	int code;
	if (strncmp(buf, "ready", 5) == 0)
		sup_ready(s, i);
	else if (sscanf(buf, "failed %d", &code) == 1)
		c->init_err = code;
}

/* ---------------------------------------------------------------- output */

static void sup_close_output(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (c->out_fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->out_fd, NULL);
	close(c->out_fd);
	c->out_fd = -1;
	tp_logcap_flush(&c->log);
}

void tp_sup_output(struct tp_sup *s, unsigned i)
{
	if (i >= s->topo->n_actors || s->ch[i].out_fd < 0)
		return;
	if (tp_logcap_read(&s->ch[i].log, s->ch[i].out_fd) <= 0)
		sup_close_output(s, i);
}

/* Bounded: a grandchild that kept the pipe open may go on writing. */
static void sup_drain_output(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	for (int k = 0; c->out_fd >= 0 && k < 64; k++)
		if (tp_logcap_read(&c->log, c->out_fd) <= 0)
			break;
	sup_close_output(s, i);
}

/* ---------------------------------------------------------------- stopping */

static unsigned sup_shutdown_ms(const struct tp_sup *s, unsigned i)
{
	int ms = s->topo->actors[i].shutdown_ms;
	return (unsigned)(ms >= 0 ? ms : s->topo->node.shutdown_timeout_ms);
}

/* Begins terminating the next actor of stop_mask, latest in start order
 * first, unless one is being terminated already. */
static void sup_stop_next(struct tp_sup *s)
{
	if (s->stop_cur >= 0)
		return;
	for (int k = (int)s->tree.n_actors - 1; k >= 0; k--) {
		unsigned i = s->tree.order[k];
		struct tp_child *c = &s->ch[i];
		if (!(s->stop_mask & BIT(i)))
			continue;
		if (c->pid == 0) {
			s->stop_mask &= ~BIT(i);
			continue;
		}
		s->stop_cur = (int)i;
		sup_set(s, i, TP_STATE_STOPPING);
		if (c->killed) {
			c->due_ns = tp_now_ns() + TP_SUP_KILL_GRACE_MS * MS;
		} else {
			kill(c->pid, SIGTERM);
			c->due_ns = tp_now_ns() + (int64_t)sup_shutdown_ms(s, i) * MS;
		}
		return;
	}
}

static int sup_group_of(const struct tp_sup *s, unsigned i)
{
	for (unsigned g = 0; g < TP_REG_MAX; g++)
		if (s->grp[g].mask & BIT(i))
			return (int)g;
	return -1;
}

static void sup_ungroup(struct tp_sup *s, uint64_t mask)
{
	for (unsigned g = 0; g < TP_REG_MAX; g++)
		s->grp[g].mask &= ~mask;
}

/* Arms every group none of whose actors runs any more. */
static void sup_arm_groups(struct tp_sup *s)
{
	int64_t now = tp_now_ns();
	for (unsigned g = 0; g < TP_REG_MAX; g++) {
		struct tp_sup_group *gr = &s->grp[g];
		if (!gr->mask || gr->armed)
			continue;
		bool running = false;
		for (unsigned i = 0; i < s->tree.n_actors; i++)
			if ((gr->mask & BIT(i)) && s->ch[i].pid)
				running = true;
		if (running)
			continue;
		gr->armed = true;
		gr->due_ns = now + (int64_t)gr->delay_ms * MS;
	}
}

static void sup_progress(struct tp_sup *s)
{
	sup_stop_next(s);
	if (!s->stopping)
		sup_arm_groups(s);
}

/* Actors of mask are to be restarted together after delay_ms: merged with
 * any group they already belong to. */
static void sup_group(struct tp_sup *s, uint64_t mask, unsigned delay_ms)
{
	int free_g = -1;
	for (unsigned g = 0; g < TP_REG_MAX; g++) {
		struct tp_sup_group *gr = &s->grp[g];
		if (gr->mask & mask) {
			mask |= gr->mask;
			if (gr->delay_ms > delay_ms)
				delay_ms = gr->delay_ms;
			gr->mask = 0;
		}
		if (!gr->mask && free_g < 0)
			free_g = (int)g;
	}
	/* A free slot always exists: groups are disjoint and non-empty. */
	s->grp[free_g] = (struct tp_sup_group){ .mask = mask, .delay_ms = delay_ms };
	s->queue &= ~mask;   /* the group starts them, when it is due */
	for (unsigned i = 0; i < s->tree.n_actors; i++) {
		if (!(mask & BIT(i)))
			continue;
		if (s->ch[i].pid)
			s->stop_mask |= BIT(i);
		else
			sup_set(s, i, TP_STATE_BACKOFF);
	}
}

/* ---------------------------------------------------------------- verdicts */

static void sup_log_gave_up(struct tp_sup *s, const struct tp_tree_verdict *v)
{
	unsigned n = s->tree.n_sups < TP_TREE_SUP_MAX ? s->tree.n_sups : TP_TREE_SUP_MAX;
	for (unsigned k = n; k-- > 0;) {   /* inner ones first */
		if (!(v->gave_up & (1u << k)))
			continue;
		const struct tp_tree_sup *sp = &s->tree.sup[k];
		tp_dlog(k ? TP_DLOG_WARNING : TP_DLOG_ERROR, "%s%s reached its restart limit (%d in %lld s): stopping %s",
			k ? "supervisor " : "node ", sp->name, sp->limit,
			(long long)(sp->window_ns / 1000000000),
			k ? "its actors" : "the node");
	}
}

static void sup_apply(struct tp_sup *s, const struct tp_tree_verdict *v)
{
	sup_log_gave_up(s, v);
	if (v->node_failed) {
		s->failed = true;
		for (unsigned i = 0; i < s->tree.n_actors; i++) {
			s->ch[i].fail_on_exit = true;
			if (!s->ch[i].pid)
				sup_set(s, i, TP_STATE_FAILED);
		}
		tp_sup_stop(s);
		return;
	}
	uint64_t restart = v->restart;
	for (unsigned i = 0; i < s->tree.n_actors; i++) {
		struct tp_child *c = &s->ch[i];
		if (c->held)
			restart &= ~BIT(i);
		if (!(v->down & BIT(i)))
			continue;
		sup_ungroup(s, BIT(i));
		s->queue &= ~BIT(i);   /* not started yet, and now not at all */
		c->fail_on_exit = (v->failed & BIT(i)) != 0;
		if (c->pid)
			s->stop_mask |= BIT(i);
		else
			sup_set(s, i, c->fail_on_exit ? TP_STATE_FAILED : TP_STATE_DOWN);
	}
	if (restart) {
		for (unsigned i = 0; i < s->tree.n_actors; i++)
			if (restart & BIT(i))
				s->ch[i].restarts++;
		s->total_restarts++;
		sup_group(s, restart, v->delay_ms);
		tp_dmsg("supervisor %s restarts %u actor%s in %u ms",
			tp_tree_sup_name(&s->tree, v->restarted_by),
			(unsigned)__builtin_popcountll(restart),
			__builtin_popcountll(restart) == 1 ? "" : "s", v->delay_ms);
	}
}

/* ---------------------------------------------------------------- exits */

/* An actor that ended before it was ready failed to start: said so, with
 * init's error when libtroupe told it, rather than as a crash. */
static void sup_log_start_failure(const struct tp_sup *s, unsigned i, pid_t pid,
				  int status)
{
	const struct tp_child *c = &s->ch[i];
	const char *name = s->topo->actors[i].name;
	if (c->start_timed_out)
		tp_dwarn("%s (pid %d) failed to start: start_timeout (not ready within "
			 "%d ms)", name, (int)pid, s->topo->actors[i].start_timeout_ms);
	else if (c->init_err)
		tp_dwarn("%s (pid %d) failed to start: init: %s", name, (int)pid,
			 tp_strerror(c->init_err));
	else if (WIFSIGNALED(status))
		tp_dwarn("%s (pid %d) failed to start: killed by signal %d (%s) before "
			 "it was ready", name, (int)pid, WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		tp_dwarn("%s (pid %d) failed to start: exited with code %d before it "
			 "was ready", name, (int)pid, WEXITSTATUS(status));
}

static void sup_log_exit(const struct tp_sup *s, unsigned i, pid_t pid, int status)
{
	const char *name = s->topo->actors[i].name;
	if (s->ch[i].state == TP_STATE_STARTING && sup_waits_ready(s, i)) {
		sup_log_start_failure(s, i, pid, status);
		return;
	}
	/* A crash is a warning; an end the daemon asked for is not. */
	enum tp_dlevel lv = status == 0 || s->ch[i].state == TP_STATE_STOPPING ?
			    TP_DLOG_INFO : TP_DLOG_WARNING;
	if (WIFSIGNALED(status))
		tp_dlog(lv, "%s (pid %d) killed by signal %d (%s)", name, (int)pid,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		tp_dlog(lv, "%s (pid %d) exited with code %d", name, (int)pid,
			WEXITSTATUS(status));
}

/* An exit the daemon asked for (stop, group restart, node stop). */
static void sup_exited_expected(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (sup_group_of(s, i) >= 0 && !s->stopping)
		sup_set(s, i, TP_STATE_BACKOFF);
	else if (c->state != TP_STATE_FAILED)
		sup_set(s, i, c->fail_on_exit ? TP_STATE_FAILED : TP_STATE_DOWN);
}

static void sup_exited(struct tp_sup *s, unsigned i, int status)
{
	struct tp_child *c = &s->ch[i];
	sup_drain_output(s, i);
	for (int k = 0; c->ready_fd >= 0 && k < 4; k++)
		sup_read_ready(s, i);   /* "failed CODE", written before it exited */
	sup_close_ready(s, i);
	sup_log_exit(s, i, c->pid, status);
	tp_deliver_held(s->node, i, c->hung);
	c->pid = 0;
	c->status = status;
	bool expected = s->stopping || c->held || (s->stop_mask & BIT(i));
	c->start_failed = !expected && c->state == TP_STATE_STARTING && sup_waits_ready(s, i);
	s->stop_mask &= ~BIT(i);
	if (s->stop_cur == (int)i)
		s->stop_cur = -1;
	if (expected) {
		sup_exited_expected(s, i);
	} else {
		struct tp_tree_verdict v;
		bool normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		tp_tree_exit(&s->tree, i, normal ? TP_EXIT_NORMAL : TP_EXIT_ABNORMAL,
			     tp_now_ns(), &v);
		if (!(v.restart & BIT(i)))
			sup_set(s, i, (v.failed & BIT(i)) ? TP_STATE_FAILED : TP_STATE_DOWN);
		c->fail_on_exit = (v.failed & BIT(i)) != 0;
		sup_apply(s, &v);
	}
	if (s->awaiting == (int)i)
		s->awaiting = -1;   /* failed to start: the next one's turn */
	sup_progress(s);
	sup_pump(s);
	if (s->on_exit)
		s->on_exit(s->on_exit_arg, i, status, c->fail_on_exit);
}

void tp_sup_reap(struct tp_sup *s)
{
	int status;
	pid_t pid;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		tp_node_repair(s->node, pid);   /* e.g. a sender killed inside a ring */
		for (unsigned i = 0; i < s->topo->n_actors; i++)
			if (s->ch[i].pid == pid) {
				sup_exited(s, i, status);
				break;
			}
	}
}

/* ---------------------------------------------------------------- timers */

int64_t tp_sup_next_deadline(const struct tp_sup *s)
{
	int64_t next = INT64_MAX;
	if (s->stop_cur >= 0)
		next = s->ch[s->stop_cur].due_ns;
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		const struct tp_child *c = &s->ch[i];
		if (c->state == TP_STATE_STARTING && c->pid && !c->start_timed_out &&
		    sup_waits_ready(s, i) && c->ready_due_ns < next)
			next = c->ready_due_ns;
		if (sup_watched(s, i) && c->wd_due_ns < next)
			next = c->wd_due_ns;
	}
	if (s->stopping)
		return next;
	for (unsigned g = 0; g < TP_REG_MAX; g++)
		if (s->grp[g].mask && s->grp[g].armed && s->grp[g].due_ns < next)
			next = s->grp[g].due_ns;
	return next;
}

static void sup_escalate(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	const char *name = s->topo->actors[i].name;
	if (!c->killed) {
		tp_dwarn("%s (pid %d) did not stop within %u ms: sending SIGKILL", name,
			(int)c->pid, sup_shutdown_ms(s, i));
		kill(c->pid, SIGKILL);
		c->killed = true;
		c->due_ns = tp_now_ns() + TP_SUP_KILL_GRACE_MS * MS;
		return;
	}
	/* Uninterruptible sleep, most likely: it is ours to reap, never
	 * ours to signal again. */
	tp_dwarn("%s (pid %d) still not gone %d ms after SIGKILL; going on",
		name, (int)c->pid, TP_SUP_KILL_GRACE_MS);
	c->pid = 0;
	s->stop_mask &= ~BIT(i);
	s->stop_cur = -1;
	sup_exited_expected(s, i);
}

/* A due group joins the start queue: its actors start in start order,
 * each once the one before is ready.  One that cannot be spawned counts
 * as one that crashed at once (sup_spawn_failed). */
static void sup_start_group(struct tp_sup *s, unsigned g)
{
	s->queue |= s->grp[g].mask;
	s->grp[g].mask = 0;
	sup_pump(s);
}

/* An actor not ready within its start_timeout_ms is killed: its start
 * failed (reason start_timeout), which counts as a crash. */
static void sup_start_timeouts(struct tp_sup *s, int64_t now)
{
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		struct tp_child *c = &s->ch[i];
		if (c->state != TP_STATE_STARTING || !c->pid || c->start_timed_out ||
		    c->ready_due_ns > now || !sup_waits_ready(s, i))
			continue;
		c->start_timed_out = true;
		kill(c->pid, SIGKILL);
	}
}

/* An actor up, with a watchdog, whose process the watchdog has not
 * killed yet. */
static bool sup_watched(const struct tp_sup *s, unsigned i)
{
	const struct tp_child *c = &s->ch[i];
	return c->state == TP_STATE_UP && c->pid && !c->hung && !c->killed &&
	       s->topo->actors[i].watchdog_ms > 0;
}

/* Its mailbox's depth: the transport's, where it can tell, else what was
 * sent and not yet received. */
static uint64_t sup_waiting(const struct tp_sup *s, unsigned i, const struct tp_ctr *k)
{
	const struct tp_mailbox *m = &s->node->box[i];
	struct tp_mbox_stat st;
	if (m->t && (m->t->caps & TP_CAP_STAT_DEPTH) && tp_mailbox_stat(m, &st) == 0)
		return st.depth;
	return k->sent > k->received ? k->sent - k->received : 0;
}

/* A hung actor (sup_watchdog.h) is killed at once, without its stop
 * callback: its loop does not turn, so it could not run one.  Its exit
 * is a crash (its supervisor restarts it); the message it held is
 * counted as dropped and, if a call, answered (tp_deliver_held); its
 * monitors get Down with reason hung. */
static void sup_watchdogs(struct tp_sup *s, int64_t now)
{
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		struct tp_child *c = &s->ch[i];
		if (!sup_watched(s, i) || c->wd_due_ns > now)
			continue;
		int64_t limit = (int64_t)s->topo->actors[i].watchdog_ms * MS, held;
		struct tp_ctr k;
		tp_counters_get(s->node->ctr, i, &k);
		enum tp_wd_verdict v = tp_wd_check(&c->wd, now, limit,
						   tp_counters_busy_since(s->node->ctr, i),
						   k.received, sup_waiting(s, i, &k), &held);
		c->wd_due_ns = now + tp_wd_period_ns(limit);
		if (v == TP_WD_OK)
			continue;
		const char *name = s->topo->actors[i].name;
		if (v == TP_WD_HELD)
			tp_dwarn("%s (pid %d) hung: it has held one message for %lld ms "
				 "(watchdog_ms %d); killing it", name, (int)c->pid,
				 (long long)(held / MS), s->topo->actors[i].watchdog_ms);
		else
			tp_dwarn("%s (pid %d) hung: mail has waited %lld ms and its loop has "
				 "taken none (watchdog_ms %d); killing it", name, (int)c->pid,
				 (long long)(held / MS), s->topo->actors[i].watchdog_ms);
		if (v == TP_WD_HELD)
			tp_counters_drop(s->node->ctr, i);
		c->hung = true;
		kill(c->pid, SIGKILL);
	}
}

void tp_sup_timer(struct tp_sup *s)
{
	int64_t now = tp_now_ns();
	sup_start_timeouts(s, now);
	sup_watchdogs(s, now);
	if (s->stop_cur >= 0 && s->ch[s->stop_cur].due_ns <= now)
		sup_escalate(s, (unsigned)s->stop_cur);
	for (unsigned g = 0; g < TP_REG_MAX && !s->stopping; g++)
		if (s->grp[g].mask && s->grp[g].armed && s->grp[g].due_ns <= now)
			sup_start_group(s, g);
	sup_progress(s);
}

/* ---------------------------------------------------------------- stop */

void tp_sup_stop(struct tp_sup *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	memset(s->grp, 0, sizeof s->grp);
	s->queue = 0;
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		if (s->ch[i].pid)
			s->stop_mask |= BIT(i);
		else if (s->ch[i].state == TP_STATE_BACKOFF)
			sup_set(s, i, TP_STATE_DOWN);
	}
	sup_stop_next(s);
}

void tp_sup_kill_all(struct tp_sup *s)
{
	int64_t now = tp_now_ns();
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		struct tp_child *c = &s->ch[i];
		if (c->pid == 0 || c->killed)
			continue;
		kill(c->pid, SIGKILL);
		c->killed = true;
		c->due_ns = now + TP_SUP_KILL_GRACE_MS * MS;
	}
}

bool tp_sup_done(const struct tp_sup *s)
{
	if (!s->stopping)
		return false;
	for (unsigned i = 0; i < s->topo->n_actors; i++)
		if (s->ch[i].pid)
			return false;
	return true;
}

/* ---------------------------------------------------------------- operator */

int tp_sup_ctl_stop(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (s->stopping)
		return -TP_ESTATE;
	if (c->held && !c->pid)
		return -TP_ESTATE;
	c->held = true;
	sup_ungroup(s, BIT(i));
	s->queue &= ~BIT(i);
	if (c->pid)
		s->stop_mask |= BIT(i);
	else
		sup_set(s, i, TP_STATE_DOWN);
	sup_progress(s);
	return 0;
}

int tp_sup_ctl_start(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	if (s->stopping)
		return -TP_ESTATE;
	/* Being stopped (a stop that raced a restart, say): started again
	 * once it is down, as restart does, rather than "already running". */
	if (c->pid && c->state == TP_STATE_STOPPING)
		return tp_sup_ctl_restart(s, i, NULL);
	if (c->pid)
		return -TP_EBUSY;
	c->held = false;
	sup_ungroup(s, BIT(i));
	return sup_spawn(s, i);
}

int tp_sup_ctl_restart(struct tp_sup *s, unsigned i, const char *exec)
{
	struct tp_child *c = &s->ch[i];
	if (s->stopping)
		return -TP_ESTATE;
	if (exec) {
		if (strlen(exec) >= sizeof c->exec)
			return -TP_ETOOBIG;
		snprintf(c->exec, sizeof c->exec, "%s", exec);
	}
	c->held = false;
	sup_group(s, BIT(i), 0);
	sup_progress(s);
	return 0;
}

/* ---------------------------------------------------------------- reload */

static uint64_t sup_remap(uint64_t mask, const int *from, unsigned n)
{
	uint64_t out = 0;
	for (unsigned i = 0; i < n; i++)
		if (from[i] >= 0 && (mask & BIT(from[i])))
			out |= BIT(i);
	return out;
}

int tp_sup_relayout(struct tp_sup *s, const int *from, uint64_t removed)
{
	static struct tp_child old[TP_REG_MAX];
	const struct tp_topology *t = s->topo;
	int rc = 0;
	for (unsigned o = 0; o < TP_REG_ACTORS_MAX; o++)
		if (removed & BIT(o)) {
			sup_close_output(s, o);
			sup_close_ready(s, o);
			tp_logcap_fini(&s->ch[o].log);
		}
	for (unsigned i = 0; i < t->n_actors; i++)
		if (from[i] >= 0)
			old[from[i]] = s->ch[from[i]];
	for (unsigned i = 0; i < t->n_actors; i++) {
		struct tp_child *c = &s->ch[i];
		if (i < t->n_actors && from[i] >= 0) {
			*c = old[from[i]];
			if (c->out_fd >= 0 && (unsigned)from[i] != i &&
			    tp_loop_ctl(s->epfd, EPOLL_CTL_MOD, c->out_fd, EPOLLIN, &s->out_h[i]))
				tp_derr("reload: %s's output: %s", t->actors[i].name, strerror(errno));
			if (c->ready_fd >= 0 && (unsigned)from[i] != i &&
			    tp_loop_ctl(s->epfd, EPOLL_CTL_MOD, c->ready_fd, EPOLLIN, &s->ready_h[i]))
				tp_derr("reload: %s's readiness: %s", t->actors[i].name, strerror(errno));
			continue;
		}
		memset(c, 0, sizeof *c);
		c->out_fd = -1;
		c->ready_fd = -1;
		c->log.file_fd = -1;
		c->held = true;   /* until the reload starts it */
		int r = tp_logcap_init(&c->log, t->actors[i].name, t->node.log_dir,
				       t->node.mode & 0666);
		if (r && !rc)
			rc = r;
	}
	s->stop_mask = sup_remap(s->stop_mask, from, t->n_actors);
	s->queue = sup_remap(s->queue, from, t->n_actors);
	if (s->awaiting >= 0) {
		int cur = -1;
		for (unsigned i = 0; i < t->n_actors; i++)
			if (from[i] == s->awaiting)
				cur = (int)i;
		s->awaiting = cur;
	}
	if (s->stop_cur >= 0) {
		int cur = -1;
		for (unsigned i = 0; i < t->n_actors; i++)
			if (from[i] == s->stop_cur)
				cur = (int)i;
		s->stop_cur = cur;
	}
	for (unsigned g = 0; g < TP_REG_MAX; g++)
		s->grp[g].mask = sup_remap(s->grp[g].mask, from, t->n_actors);
	tp_tree_init(&s->tree, t);
	return rc;
}

void tp_sup_fini(struct tp_sup *s)
{
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		sup_close_output(s, i);
		sup_close_ready(s, i);
		tp_logcap_fini(&s->ch[i].log);
	}
}
