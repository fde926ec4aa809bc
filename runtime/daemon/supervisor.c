/* one_for_one supervision of the node's actors (see supervisor.h).  What
 * happens after an exit is one table: restart type x exit kind -> action. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "troupe/error.h"
#include "dmsg.h"
#include "supervisor.h"

#define MS 1000000LL

enum sup_exit { SUP_EXIT_NORMAL, SUP_EXIT_ABNORMAL, SUP_EXIT_COUNT };

typedef void sup_action_fn(struct tp_sup *s, unsigned i);
static sup_action_fn sup_act_restart, sup_act_down;

static sup_action_fn *const sup_policy[TP_RESTART_COUNT][SUP_EXIT_COUNT] = {
	[TP_RESTART_PERMANENT] = { sup_act_restart, sup_act_restart },
	[TP_RESTART_TRANSIENT] = { sup_act_down, sup_act_restart },
	[TP_RESTART_TEMPORARY] = { sup_act_down, sup_act_down },
};

static void sup_set(struct tp_sup *s, unsigned i, enum tp_actor_state st)
{
	struct tp_child *c = &s->ch[i];
	c->state = st;
	tp_node_set(s->node, i, st, c->pid, c->restarts);
}

int tp_sup_init(struct tp_sup *s, const struct tp_topology *t,
		struct tp_node *n, int epfd)
{
	memset(s, 0, sizeof *s);
	s->topo = t;
	s->node = n;
	s->epfd = epfd;
	s->self = getpid();
	s->stop_at = -1;
	s->started_ns = tp_now_ns();
	for (unsigned i = 0; i < TP_REG_MAX; i++)
		s->ch[i].out_fd = -1;
	for (unsigned i = 0; i < t->n_actors; i++) {
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
	argv[argc++] = (char *)a->path;
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
static void sup_child(const struct tp_sup *s, unsigned i, char **argv, int out)
{
	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != s->self)
		_exit(1);   /* the daemon died before prctl took effect */
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
	tp_node_handoff(s->node, i);
	execvp(argv[0], argv);
	dprintf(2, "troupe: cannot exec %s for actor %s: %s\n", argv[0],
		s->topo->actors[i].name, strerror(errno));
	_exit(127);
}

static int sup_pipe(struct tp_sup *s, unsigned i, int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -tp_err_from_errno(errno);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TP_SUP_TAG + i };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, p[0], &ev) < 0) {
		int rc = -tp_err_from_errno(errno);
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
	int p[2];
	int rc = sup_argv(s, i, buf, sizeof buf, argv);
	if (rc || (rc = sup_pipe(s, i, p))) {
		tp_dmsg("cannot start %s: %s", a->name, tp_strerror(rc));
		return rc;
	}
	sup_set(s, i, TP_STATE_STARTING);
	fflush(stdout);   /* the child must not inherit buffered output */
	pid_t pid = fork();
	if (pid == 0)
		sup_child(s, i, argv, p[1]);
	int e = errno;
	close(p[1]);
	if (pid < 0) {
		close(p[0]);   /* closing removes it from epoll */
		tp_dmsg("cannot start %s: fork: %s", a->name, strerror(e));
		return -tp_err_from_errno(e);
	}
	c->pid = pid;
	c->out_fd = p[0];
	c->killed = false;
	sup_set(s, i, TP_STATE_UP);
	tp_dmsg("started %s (pid %d)", a->name, (int)pid);
	return 0;
}

void tp_sup_start(struct tp_sup *s)
{
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		if (sup_spawn(s, i) == 0)
			continue;
		s->failed = true;
		sup_set(s, i, TP_STATE_FAILED);
		tp_sup_stop(s);
		return;
	}
}

/* ---------------------------------------------------------------- exits */

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

/* Drops restarts that left the window; true if one more is allowed. */
static bool sup_intensity_ok(struct tp_sup *s, int64_t now)
{
	int64_t window = (int64_t)s->topo->node.restart_window_s * 1000 * MS;
	unsigned k = 0;
	for (unsigned j = 0; j < s->hist_n; j++)
		if (now - s->hist[j] < window)
			s->hist[k++] = s->hist[j];
	s->hist_n = k;
	return s->hist_n < (unsigned)s->topo->node.restart_limit;
}

static unsigned sup_backoff(const struct tp_sup *s, const struct tp_child *c,
			    int64_t now)
{
	const struct tp_node_conf *nd = &s->topo->node;
	int64_t window = (int64_t)nd->restart_window_s * 1000 * MS;
	if (!c->restarted_ns || now - c->restarted_ns >= window)
		return (unsigned)nd->backoff_ms;
	unsigned b = c->backoff_ms * 2;
	return b > TP_TOPO_BACKOFF_CAP_MS ? TP_TOPO_BACKOFF_CAP_MS : b;
}

static void sup_act_restart(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	const struct tp_node_conf *nd = &s->topo->node;
	int64_t now = tp_now_ns();
	if (!sup_intensity_ok(s, now)) {
		tp_dmsg("giving up: %s died and the node already had %d restarts in "
			"%d s (restart_limit = %d); stopping the node",
			s->topo->actors[i].name, s->hist_n, nd->restart_window_s,
			nd->restart_limit);
		s->failed = true;
		sup_set(s, i, TP_STATE_FAILED);
		tp_sup_stop(s);
		return;
	}
	s->hist[s->hist_n++] = now;
	c->backoff_ms = sup_backoff(s, c, now);
	c->restarted_ns = now;
	c->due_ns = now + (int64_t)c->backoff_ms * MS;
	c->restarts++;
	s->total_restarts++;
	sup_set(s, i, TP_STATE_BACKOFF);
	tp_dmsg("restarting %s in %u ms (restart %u of %d in %d s)",
		s->topo->actors[i].name, c->backoff_ms, s->hist_n,
		nd->restart_limit, nd->restart_window_s);
}

static void sup_act_down(struct tp_sup *s, unsigned i)
{
	sup_set(s, i, TP_STATE_DOWN);
	tp_dmsg("%s is down and will not be restarted (restart = %s)",
		s->topo->actors[i].name, tp_restart_name(s->topo->actors[i].restart));
}

static void sup_stop_next(struct tp_sup *s);

static void sup_exited(struct tp_sup *s, unsigned i, int status)
{
	struct tp_child *c = &s->ch[i];
	const char *name = s->topo->actors[i].name;
	sup_drain_output(s, i);
	if (WIFSIGNALED(status))
		tp_dmsg("%s (pid %d) killed by signal %d (%s)", name, (int)c->pid,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		tp_dmsg("%s (pid %d) exited with code %d", name, (int)c->pid,
			WEXITSTATUS(status));
	c->pid = 0;
	if (s->stopping) {
		if (c->state != TP_STATE_FAILED)
			sup_set(s, i, TP_STATE_DOWN);
		if ((int)i == s->stop_at)
			sup_stop_next(s);
		return;
	}
	bool normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	sup_policy[s->topo->actors[i].restart][normal ? SUP_EXIT_NORMAL
						      : SUP_EXIT_ABNORMAL](s, i);
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
	if (s->stopping)
		return s->stop_at >= 0 ? s->ch[s->stop_at].due_ns : INT64_MAX;
	for (unsigned i = 0; i < s->topo->n_actors; i++)
		if (s->ch[i].state == TP_STATE_BACKOFF && s->ch[i].due_ns < next)
			next = s->ch[i].due_ns;
	return next;
}

static void sup_escalate(struct tp_sup *s, unsigned i)
{
	struct tp_child *c = &s->ch[i];
	const char *name = s->topo->actors[i].name;
	if (!c->killed) {
		tp_dmsg("%s (pid %d) did not stop within %d ms: sending SIGKILL", name,
			(int)c->pid, s->topo->node.shutdown_timeout_ms);
		kill(c->pid, SIGKILL);
		c->killed = true;
		c->due_ns = tp_now_ns() + TP_SUP_KILL_GRACE_MS * MS;
		return;
	}
	/* Uninterruptible sleep, most likely: it is ours to reap, never
	 * ours to signal again. */
	tp_dmsg("%s (pid %d) still not gone %d ms after SIGKILL; going on",
		name, (int)c->pid, TP_SUP_KILL_GRACE_MS);
	c->pid = 0;
	sup_set(s, i, TP_STATE_DOWN);
	sup_stop_next(s);
}

void tp_sup_timer(struct tp_sup *s)
{
	int64_t now = tp_now_ns();
	if (s->stopping) {
		if (s->stop_at >= 0 && s->ch[s->stop_at].due_ns <= now)
			sup_escalate(s, (unsigned)s->stop_at);
		return;
	}
	for (unsigned i = 0; i < s->topo->n_actors && !s->stopping; i++) {
		struct tp_child *c = &s->ch[i];
		if (c->state != TP_STATE_BACKOFF || c->due_ns > now)
			continue;
		if (sup_spawn(s, i))
			sup_act_restart(s, i);   /* counts as one more failure */
	}
}

/* ---------------------------------------------------------------- stop */

/* Moves the shutdown to the next actor down the start order. */
static void sup_stop_next(struct tp_sup *s)
{
	while (--s->stop_at >= 0) {
		unsigned i = (unsigned)s->stop_at;
		struct tp_child *c = &s->ch[i];
		if (c->pid == 0) {
			if (c->state != TP_STATE_FAILED && c->state != TP_STATE_DOWN)
				sup_set(s, i, TP_STATE_DOWN);
			continue;
		}
		sup_set(s, i, TP_STATE_STOPPING);
		if (c->killed) {
			c->due_ns = tp_now_ns() + TP_SUP_KILL_GRACE_MS * MS;
		} else {
			kill(c->pid, SIGTERM);
			c->due_ns = tp_now_ns() + (int64_t)s->topo->node.shutdown_timeout_ms * MS;
		}
		return;
	}
	s->stop_at = -1;
}

void tp_sup_stop(struct tp_sup *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	s->stop_at = (int)s->topo->n_actors;
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
	return s->stopping && s->stop_at < 0;
}

void tp_sup_fini(struct tp_sup *s)
{
	for (unsigned i = 0; i < s->topo->n_actors; i++) {
		sup_close_output(s, i);
		tp_logcap_fini(&s->ch[i].log);
	}
}
