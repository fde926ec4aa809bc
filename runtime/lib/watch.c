/* Timers (one timerfd each) and the actor's own descriptors, waited on in
 * the actor's one epoll loop. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "actor-internal.h"
#include "clock.h"

void tp_watch_init(tp_actor *self)
{
	for (unsigned i = 0; i < TP_TIMERS_MAX; i++)
		self->timers[i].fd = -1;
	for (unsigned i = 0; i < TP_FDS_MAX; i++)
		self->watches[i].fd = -1;
}

void tp_watch_fini(tp_actor *self)
{
	for (unsigned i = 0; i < TP_TIMERS_MAX; i++)
		tp_timer_stop(self, (int)i);
}

static void ms_to_ts(unsigned ms, struct timespec *ts)
{
	ts->tv_sec = ms / 1000;
	ts->tv_nsec = (long)(ms % 1000) * 1000000;
}

int tp_timer_start(tp_actor *self, unsigned first_ms, unsigned period_ms,
		   tp_timer_fn *fn, void *arg)
{
	unsigned i;
	for (i = 0; i < TP_TIMERS_MAX && self->timers[i].fd >= 0; i++)
		;
	if (i == TP_TIMERS_MAX)
		return -TP_ELIMIT;
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	/* Read before the kernel's: never later than the real expiry. */
	int64_t due = tp_now_ns() + (int64_t)first_ms * 1000000;
	struct itimerspec its = { 0 };
	/* An all-zero it_value disarms the timer: 0 ms means "at once". */
	ms_to_ts(first_ms ? first_ms : 0, &its.it_value);
	if (!first_ms)
		its.it_value.tv_nsec = 1;
	ms_to_ts(period_ms, &its.it_interval);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG(TAG_TIMER, i) };
	if (timerfd_settime(fd, 0, &its, NULL) ||
	    epoll_ctl(self->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int rc = -tp_err_from_errno(errno);
		close(fd);
		return rc;
	}
	self->timers[i] = (struct tp_timer){ .fd = fd, .due = due, .fn = fn, .arg = arg };
	return (int)i;
}

int tp_timer_stop(tp_actor *self, int id)
{
	if (id < 0 || id >= TP_TIMERS_MAX || self->timers[id].fd < 0)
		return -TP_EINVAL;
	close(self->timers[id].fd);   /* closing also leaves the epoll set */
	self->timers[id].fd = -1;
	return 0;
}

void tp_watch_fire_timer(tp_actor *self, unsigned i)
{
	struct tp_timer *t = &self->timers[i];
	uint64_t expirations;
	if (i >= TP_TIMERS_MAX || t->fd < 0 ||
	    read(t->fd, &expirations, sizeof expirations) != sizeof expirations)
		return;
	struct itimerspec its;
	int64_t now = tp_now_ns();
	bool known = timerfd_gettime(t->fd, &its) == 0;
	bool oneshot = known && its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 0;
	/* it_value is what is left until the next expiry, read after now. */
	t->due = known ? now + (int64_t)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec
		       : 0;
	tp_timer_fn *fn = t->fn;
	void *arg = t->arg;
	if (oneshot)
		tp_timer_stop(self, (int)i);
	/* Missed periods are not replayed: a late actor catches up, it does
	 * not burst. */
	fn(self, self->state, arg);
}

int tp_fd_watch(tp_actor *self, int fd, unsigned events, tp_fd_fn *fn, void *arg)
{
	unsigned i;
	if (fd < 0 || !fn || !(events & (TP_FD_READ | TP_FD_WRITE)))
		return -TP_EINVAL;
	for (i = 0; i < TP_FDS_MAX && self->watches[i].fd >= 0; i++)
		if (self->watches[i].fd == fd)
			return -TP_EBUSY;
	for (i = 0; i < TP_FDS_MAX && self->watches[i].fd >= 0; i++)
		;
	if (i == TP_FDS_MAX)
		return -TP_ELIMIT;
	struct epoll_event ev = {
		.events = (events & TP_FD_READ ? EPOLLIN : 0) | (events & TP_FD_WRITE ? EPOLLOUT : 0),
		.data.u64 = TAG(TAG_FD, i),
	};
	if (epoll_ctl(self->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -tp_err_from_errno(errno);
	self->watches[i] = (struct tp_watch){ .fd = fd, .fn = fn, .arg = arg };
	return 0;
}

int tp_fd_unwatch(tp_actor *self, int fd)
{
	for (unsigned i = 0; i < TP_FDS_MAX; i++)
		if (self->watches[i].fd == fd && fd >= 0) {
			epoll_ctl(self->epfd, EPOLL_CTL_DEL, fd, NULL);
			self->watches[i].fd = -1;
			return 0;
		}
	return -TP_ENOENT;
}

void tp_watch_fire_fd(tp_actor *self, unsigned i, uint32_t events)
{
	if (i >= TP_FDS_MAX || self->watches[i].fd < 0)
		return;
	struct tp_watch *w = &self->watches[i];
	unsigned ev = (events & (EPOLLIN | EPOLLHUP | EPOLLERR) ? TP_FD_READ : 0) |
		      (events & EPOLLOUT ? TP_FD_WRITE : 0);
	w->fn(self, self->state, w->fd, ev, w->arg);
}

int64_t tp_watch_quiet_until(const tp_actor *self, int64_t until)
{
	for (unsigned i = 0; i < TP_FDS_MAX; i++)
		if (self->watches[i].fd >= 0)
			return 0;
	for (unsigned i = 0; i < TP_TIMERS_MAX; i++)
		if (self->timers[i].fd >= 0 && self->timers[i].due < until)
			until = self->timers[i].due;
	return until;
}
