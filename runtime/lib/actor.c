/* The actor process: attach the mailbox, run init, then one epoll loop on
 * mail, timers, the actor's own fds and signals until stopped. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include "actor-internal.h"

static int env_name(const char *var, char *dst)
{
	const char *v = getenv(var);
	if (!v || !tp_name_is_valid(v)) {
		tp_log("%s is %s: an actor is started by the troupe daemon, "
		       "which sets TROUPE_NODE and TROUPE_ACTOR", var, v ? "invalid" : "not set");
		return -TP_ECONFIG;
	}
	strcpy(dst, v);
	return 0;
}

/* The key the daemon seals its mail to this mailbox with (seal.h).  Read
 * once, then wiped from the environment, so that the actor's own
 * children (a shell it runs, say) do not inherit it.  Without one (not
 * started by a daemon of this version), mail that needs the seal is
 * refused, and said once. */
static void actor_seal_key(tp_actor *self)
{
	char *v = getenv(TP_SEAL_KEY_ENV);
	if (v && tp_seal_key_parse(v, self->box.seal_key) == 0)
		self->box.seal = true;
	else
		tp_log("no key for the daemon's seal (%s): notices from the daemon and mail "
		       "from other nodes will be refused", TP_SEAL_KEY_ENV);
	if (v)
		memset(v, '0', strlen(v));   /* also what /proc/PID/environ shows */
	unsetenv(TP_SEAL_KEY_ENV);
}

static int actor_attach(tp_actor *self)
{
	struct tp_reg_entry e;
	int rc = tp_registry_open(self->node, &self->reg);
	if (rc) {
		tp_log("cannot open the registry of node '%s': %s", self->node, tp_strerror(rc));
		return rc;
	}
	self->layout = tp_registry_layout(self->reg);
	unsigned ix;
	for (ix = 0; (rc = tp_registry_get(self->reg, ix, &e)) == 0 &&
		     strcmp(e.name, self->name) != 0; ix++)
		;
	if (rc) {
		tp_log("node '%s' has no actor '%s'", self->node, self->name);
		return rc;
	}
	/* Counting is a help, not a need: without the segment, none.  One
	 * of another layout is never written into: said, and counting off. */
	rc = tp_counters_open(self->node, &self->ctr);
	if (rc == -TP_EVERSION)
		tp_log("the counters of node '%s' are not of version %d (a daemon of another "
		       "release?): this actor counts nothing", self->node, TP_CTR_VERSION);
	if (rc)
		self->ctr = NULL;
	/* Lazy: the loop calls arm before each sleep (actor_loop), where the
	 * transport has it. */
	rc = tp_mailbox_attach(&self->box, &e, ix, TP_MBOX_RECV | TP_MBOX_LAZY, self->ctr);
	if (rc == -TP_ECONFIG)
		tp_log("unknown transport '%s' for mailbox %s", e.transport, e.mailbox);
	else if (rc)
		tp_log("cannot attach mailbox %s: %s", e.mailbox, tp_strerror(rc));
	self->box.name = self->name;
	self->box.reg = self->reg;
	actor_seal_key(self);
	return rc;
}

static int actor_epoll_add(tp_actor *self, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };
	return epoll_ctl(self->epfd, EPOLL_CTL_ADD, fd, &ev) ? -tp_err_sys(errno) : 0;
}

static int actor_signals(tp_actor *self)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -tp_err_sys(errno);
	self->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return self->sigfd < 0 ? -tp_err_sys(errno) : actor_epoll_add(self, self->sigfd, TAG(TAG_SIGNAL, 0));
}

static void actor_on_signal(tp_actor *self)
{
	struct signalfd_siginfo si;
	while (read(self->sigfd, &si, sizeof si) == sizeof si)
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			self->stopping = true;   /* SIGHUP: reserved for reload */
}

/* Readiness: the daemon hands a pipe (TROUPE_READY_FD) that is told once
 * "ready" (init returned 0, or tp_actor_ready) or "failed CODE" (the
 * start failed), then closed.  Kept from the actor's own children. */
static void actor_ready_fd(tp_actor *self)
{
	self->ready_fd = -1;
	const char *v = getenv("TROUPE_READY_FD");
	if (!v)
		return;
	char *end;
	long fd = strtol(v, &end, 10);
	unsetenv("TROUPE_READY_FD");
	if (*end == '\0' && fd > 2 && fd < 65536 && fcntl((int)fd, F_SETFD, FD_CLOEXEC) == 0)
		self->ready_fd = (int)fd;
}

static void actor_tell(tp_actor *self, const char *line)
{
	if (self->ready_fd < 0)
		return;
	/* One write of a few bytes: atomic on a pipe; a daemon gone is EPIPE,
	 * which changes nothing here. */
	ssize_t w = write(self->ready_fd, line, strlen(line));
	(void)w;
	close(self->ready_fd);
	self->ready_fd = -1;
}

void tp_actor_ready_later(tp_actor *self)
{
	self->ready_later = true;
}

void tp_actor_ready(tp_actor *self)
{
	actor_tell(self, "ready\n");
}

static int actor_setup(tp_actor *self, const struct tp_actor_ops *ops)
{
	int rc;
	self->ops = ops;
	self->epfd = self->sigfd = -1;
	const char *to = getenv("TROUPE_SEND_TIMEOUT_MS");
	self->send_timeout_ms = to ? atoi(to) : 1000;
	if ((rc = env_name("TROUPE_NODE", self->node)) ||
	    (rc = env_name("TROUPE_ACTOR", self->name)))
		return rc;
	self->state = calloc(1, ops->state_size ? ops->state_size : 1);
	self->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!self->state || self->epfd < 0)
		return -TP_ENOMEM;
	tp_watch_init(self);
	if ((rc = actor_attach(self)) || (rc = tp_mail_init(self)) ||
	    (rc = actor_signals(self)))
		return rc;
	tp_topics_init(self);
	return actor_epoll_add(self, self->box.t->wait_fd(self->box.mb), TAG(TAG_MAIL, 0));
}

static void actor_teardown(tp_actor *self)
{
	if (self->ready_fd >= 0) {   /* never said ready: the daemon sees EOF */
		close(self->ready_fd);
		self->ready_fd = -1;
	}
	tp_watch_fini(self);
	tp_topics_fini(self);
	tp_mail_fini(self);
	tp_mailbox_close(&self->box);
	tp_registry_close(self->reg);
	tp_counters_close(self->ctr);
	if (self->sigfd >= 0)
		close(self->sigfd);
	if (self->epfd >= 0)
		close(self->epfd);
	free(self->state);
}

/* Mail taken per turn of the loop when the transport says cheaply whether
 * more waits (arm): a stream costs one epoll_wait per batch, and timers
 * and fds still get a turn every batch. */
#define MAIL_BATCH 32

/* After mail, how long the loop may wait for mail alone in the mailbox's
 * own wait (TP_CAP_RECV_WAIT) before it looks at epoll again.  Signals
 * come through the signalfd in epoll and cannot end that wait, so this is
 * how late a SIGTERM to an actor busy with mail may be seen; an idle actor
 * sleeps in epoll. */
#define MAIL_ONLY_NS (10 * 1000000LL)

/* The wait that costs what the primitive costs: an actor with no fds and
 * no timer due sleeps in its mailbox's recv (one futex wait on shm, woken
 * by one futex wake), not in epoll then a receive.  True if it handled a
 * message. */
static bool actor_wait_mail(tp_actor *self, int64_t mail_only)
{
	int64_t until = tp_watch_quiet_until(self, mail_only);
	return until > tp_now_ns() && tp_mail_wait(self, until);
}

static void actor_loop(tp_actor *self)
{
	struct epoll_event ev[16];
	bool recv_wait = (self->box.t->caps & TP_CAP_RECV_WAIT) != 0;
	int64_t mail_only = 0;   /* until when the loop may wait for mail alone */
	while (!self->stopping) {
		if (tp_mail_drain_stash(self))
			continue;   /* callbacks may have stopped us or stashed more */
		if (recv_wait && mail_only && actor_wait_mail(self, mail_only))
			continue;
		/* With mail waiting, only look at the other events (timeout 0). */
		bool mail = self->box.t->arm && self->box.t->arm(self->box.mb);
		int n = epoll_wait(self->epfd, ev, 16, mail ? 0 : -1);
		if (n < 0 && errno != EINTR) {
			tp_log("epoll_wait: %s", strerror(errno));
			self->exit_code = 1;
			return;
		}
		for (int i = 0; i < n && !self->stopping; i++) {
			uint32_t kind = ev[i].data.u64 >> 32, idx = (uint32_t)ev[i].data.u64;
			switch (kind) {
			case TAG_MAIL: mail = true; break;
			case TAG_SIGNAL: actor_on_signal(self); break;
			case TAG_TIMER: tp_watch_fire_timer(self, idx); break;
			case TAG_FD: tp_watch_fire_fd(self, idx, ev[i].events); break;
			}
		}
		/* Without arm, one message per turn: epoll is level-triggered, so
		 * a burst still costs one sleep and one wake-up, and ping-pong
		 * saves the receive that would fail. */
		if (mail && !self->stopping) {
			tp_mail_drain(self, self->box.t->arm ? MAIL_BATCH : 1);
			mail_only = tp_now_ns() + MAIL_ONLY_NS;
		}
	}
}

int tp_actor_main(const struct tp_actor_ops *ops, int argc, char **argv)
{
	static tp_actor actor;   /* one per process; static keeps it off the heap */
	tp_actor *self = &actor;
	setvbuf(stdout, NULL, _IOLBF, 0);
	actor_ready_fd(self);
	int rc = actor_setup(self, ops);
	if (rc == 0 && ops->init && (rc = ops->init(self, self->state, argc, argv)) < 0)
		tp_log("init failed: %s", tp_strerror(rc));
	if (rc) {
		char line[32];
		snprintf(line, sizeof line, "failed %d\n", rc < 0 ? -rc : rc);
		actor_tell(self, line);
		actor_teardown(self);
		return rc == -TP_ECONFIG ? 2 : 1;
	}
	if (!self->ready_later)
		tp_actor_ready(self);
	actor_loop(self);
	if (ops->stop)
		ops->stop(self, self->state);
	actor_teardown(self);
	return self->exit_code;
}

void tp_exit(tp_actor *self, int code)
{
	self->stopping = true;
	self->exit_code = code;
}

int tp_counter_add(tp_actor *self, const char *name, uint64_t n)
{
	int k = tp_counters_own(self->ctr, self->box.ix, name);
	if (k < 0)
		return k;
	tp_counters_own_add(self->ctr, self->box.ix, k, n);
	return 0;
}

int tp_counter_set(tp_actor *self, const char *name, uint64_t v)
{
	int k = tp_counters_own(self->ctr, self->box.ix, name);
	if (k < 0)
		return k;
	tp_counters_own_set(self->ctr, self->box.ix, k, v);
	return 0;
}

const char *tp_actor_name(const tp_actor *self)
{
	return self->name;
}

const char *tp_actor_node(const tp_actor *self)
{
	return self->node;
}

const char *tp_self_name(const tp_actor *self)
{
	return tp_actor_name(self);
}

const char *tp_node_name(const tp_actor *self)
{
	return tp_actor_node(self);
}
