/* The daemon's one epoll loop dispatches on handles, as libubox's uloop
 * does: every descriptor is registered with a struct tp_loop_fd, embedded
 * in its owner's state, whose callback runs when the descriptor is ready.
 * No numeric tag ranges: a subsystem adds descriptors without telling
 * main.c, and a handle says by itself whose it is (owner) and which of its
 * descriptors (ix). */
#ifndef TROUPE_LOOP_H
#define TROUPE_LOOP_H

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include "troupe/error.h"

struct tp_loop_fd;
typedef void tp_loop_fn(struct tp_loop_fd *h, uint32_t events);

struct tp_loop_fd {
	tp_loop_fn *cb;      /* called with the ready events (EPOLLIN, ...) */
	void *owner;         /* the subsystem's state */
	unsigned ix;         /* which of its descriptors */
};

static inline void tp_loop_fd_set(struct tp_loop_fd *h, tp_loop_fn *cb, void *owner,
				  unsigned ix)
{
	*h = (struct tp_loop_fd){ .cb = cb, .owner = owner, .ix = ix };
}

/* Registers fd with handle h (which must outlive the registration) for
 * events; op is EPOLL_CTL_ADD or EPOLL_CTL_MOD.  0 or a negative code. */
static inline int tp_loop_ctl(int epfd, int op, int fd, uint32_t events,
			      struct tp_loop_fd *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };
	return epoll_ctl(epfd, op, fd, &ev) ? -tp_err_from_errno(errno) : 0;
}

/* Runs the callback of each of n ready events. */
static inline void tp_loop_dispatch(const struct epoll_event *ev, int n)
{
	for (int k = 0; k < n; k++) {
		struct tp_loop_fd *h = ev[k].data.ptr;
		h->cb(h, ev[k].events);
	}
}

#endif
