/* Node links, the connections (see linkd.h): listening, dialling with
 * backoff, feeding bytes through each link's state machine, writing what
 * it has pending, and the link's life: up, closed, replaced.  Mail is in
 * linkd_mail.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "troupe/error.h"
#include "clock.h"
#include "log_dmsg.h"
#include "link_crypto.h"
#include "link_sock.h"
#include "linkd-internal.h"

#define MS 1000000LL
#define BACKOFF_BASE_MS 100
#define BACKOFF_CAP_MS 5000

bool tp_linkd_wanted(const struct tp_topology *t)
{
	return t->n_peers > 0 || t->node.listen[0];
}

int tp_linkd_find(const struct tp_linkd *d, const char *name)
{
	for (unsigned i = 0; i < d->n; i++)
		if (strcmp(d->peer[i].conf->name, name) == 0)
			return (int)i;
	return -1;
}

int tp_linkd_access_load(struct tp_link_access *acc, const struct tp_topology *t)
{
	tp_link_access_init(acc);
	for (unsigned i = 0; i < t->n_actors; i++) {
		int rc = tp_link_access_add(acc, t->actors[i].name, t->actors[i].export);
		if (rc)
			return rc;
	}
	return 0;
}

static tp_loop_fn linkd_on_peer, linkd_on_pending, linkd_on_outbox;

static bool linkd_peer_ok(void *ctx, const char *node)
{
	return tp_linkd_find(ctx, node) >= 0;
}

int tp_linkd_init(struct tp_linkd *d, const struct tp_topology *t)
{
	memset(d, 0, sizeof *d);
	d->topo = t;
	d->lfd = -1;
	for (unsigned k = 0; k < TP_LINKD_PENDING; k++)
		d->pend[k].fd = -1;
	char path[TP_TOPO_PATH_MAX * 2 + 2], err[256];
	const char *kf = t->node.key_file;
	snprintf(path, sizeof path, "%s%s%s", kf[0] == '/' ? "" : t->dir,
		 kf[0] == '/' ? "" : "/", kf);
	int rc = tp_link_key_load(path, geteuid(), &d->key, err, sizeof err);
	if (rc) {
		fprintf(stderr, "troupe: %s: refusing to start\n", err);
		return rc;
	}
	if ((rc = tp_linkd_access_load(&d->acc, t))) {
		fprintf(stderr, "troupe: %s: bad export rules\n", t->file);
		return rc;
	}
	/* This incarnation: peers tell a restart from a reconnect by it. */
	while (!d->epoch)
		if (tp_random_bytes(&d->epoch, sizeof d->epoch)) {
			fprintf(stderr, "troupe: no random bytes for the link epoch\n");
			return -TP_ESYS;
		}
	d->lconf = (struct tp_link_conf){
		.key = &d->key, .self = t->node.name, .peer_ok = linkd_peer_ok,
		.peer_ok_ctx = d, .frame_max = (uint32_t)t->node.link_frame_max,
		.heartbeat_ms = (uint32_t)t->node.link_heartbeat_ms,
		.dead_ms = (uint32_t)t->node.link_dead_ms,
	};
	return 0;
}

/* ---------------------------------------------------------------- epoll */

static void conn_arm(struct tp_linkd *d, struct tp_lconn *c)
{
	const uint8_t *p;
	uint32_t want = EPOLLIN | (c->connecting || tp_link_pending(&c->link, &p) ? EPOLLOUT : 0);
	if (want == c->events)
		return;
	if (tp_loop_ctl(d->epfd, EPOLL_CTL_MOD, c->fd, want, &c->h) == 0)
		c->events = want;
}

/* Connection c on fd, whose readiness calls cb with (d, ix). */
static int conn_attach(struct tp_linkd *d, struct tp_lconn *c, int fd, tp_loop_fn *cb,
		       unsigned ix)
{
	tp_loop_fd_set(&c->h, cb, d, ix);
	int rc = tp_loop_ctl(d->epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLOUT, &c->h);
	if (rc)
		return rc;
	c->fd = fd;
	c->events = EPOLLIN | EPOLLOUT;
	c->roff = c->rlen = 0;
	return 0;
}

static void conn_close(struct tp_lconn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);   /* also leaves the epoll set */
	c->fd = -1;
	c->connecting = false;
	tp_link_fini(&c->link);
}

/* Writes what the link has pending; false when the socket failed. */
static bool conn_flush(struct tp_linkd *d, struct tp_lconn *c)
{
	const uint8_t *p;
	size_t n;
	if (c->connecting)
		return true;
	while ((n = tp_link_pending(&c->link, &p)) > 0) {
		ssize_t w = write(c->fd, p, n);
		if (w < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			return false;
		}
		tp_link_sent(&c->link, (size_t)w);
	}
	conn_arm(d, c);
	return true;
}

/* ---------------------------------------------------------------- peers */

static const char *linkd_addr(const struct tp_lpeer *p)
{
	return p->conf->address;
}

void tp_linkd_outbox_arm(struct tp_linkd *d, struct tp_lpeer *p, bool on)
{
	if (on == p->outbox_on)
		return;
	struct tp_node *n = d->node;
	int fd = n->box[p->obx].t->wait_fd(n->box[p->obx].mb);
	if (on ? tp_loop_ctl(d->epfd, EPOLL_CTL_ADD, fd, EPOLLIN, &p->h_outbox) == 0
	       : epoll_ctl(d->epfd, EPOLL_CTL_DEL, fd, NULL) == 0)
		p->outbox_on = on;
}

static void linkd_schedule(struct tp_lpeer *p, int64_t now)
{
	if (!p->dialer) {
		p->state = TP_LPEER_IDLE;
		return;
	}
	p->state = TP_LPEER_BACKOFF;
	p->retry_at = now + (int64_t)tp_link_backoff_next_ms(p->attempt++,
					BACKOFF_BASE_MS, BACKOFF_CAP_MS) * MS;
}

/* The link of peer p failed or said bye: log, close, tell the monitors,
 * and plan the next connection. */
static void linkd_closed(struct tp_linkd *d, struct tp_lpeer *p)
{
	bool was_up = p->state == TP_LPEER_UP;
	snprintf(p->reason, sizeof p->reason, "%s", p->c.link.reason[0] ?
		 p->c.link.reason : "connection failed");
	/* A peer that is down is said twice, then quietly retried; every
	 * other reason (a refusal, a timeout) is always worth a line. */
	if (was_up || p->attempt < 2 || strncmp(p->reason, "cannot connect", 14) != 0)
		tp_dmsg("link %s (%s): closed: %s", p->conf->name, linkd_addr(p),
			p->reason);
	conn_close(&p->c);
	p->resumed = false;
	linkd_schedule(p, tp_now_ns());
	if (was_up)
		tp_linkd_link_down(d, p);
}

static void linkd_up(struct tp_linkd *d, struct tp_lpeer *p)
{
	const char *names[TP_REG_MAX];
	unsigned k = tp_link_access_exports(&d->acc, p->conf->name, names, TP_REG_MAX);
	p->state = TP_LPEER_UP;
	p->attempt = 0;
	p->ups++;
	p->rtt_ns = 0;
	/* An older peer is worth a word: its calls carry 32-bit ids. */
	uint8_t v = p->c.link.version;
	char old[64] = "";
	if (v < TP_LINK_VERSION_CORR64)
		snprintf(old, sizeof old, " (link version %u: 32-bit correlation ids)", v);
	tp_dmsg("link %s (%s): up%s%s", p->conf->name, linkd_addr(p),
		p->ups > 1 ? " again" : "", old);
	if (tp_link_send_actors(&p->c.link, names, k))
		tp_dmsg("link %s: cannot send the actor list", p->conf->name);
	tp_linkd_dseq_up(d, p);
	tp_linkd_flush_queue(d, p);
	tp_linkd_drain(d, p);
	tp_linkd_topics_up(d, p);
}

static void linkd_dial(struct tp_linkd *d, struct tp_lpeer *p, int64_t now)
{
	char err[256];
	int fd = tp_link_sock_connect(linkd_addr(p), err, sizeof err);
	struct tp_link_conf lc = d->lconf;
	lc.initiator = true;
	lc.peer = p->conf->name;
	if (fd < 0) {
		if (p->attempt < 2)
			tp_dmsg("link %s: %s", p->conf->name, err);
		linkd_schedule(p, now);
		return;
	}
	if (tp_link_init(&p->c.link, &lc, now)) {
		close(fd);
		linkd_schedule(p, now);
		return;
	}
	if (conn_attach(d, &p->c, fd, linkd_on_peer, (unsigned)(p - d->peer))) {
		close(fd);
		tp_link_fini(&p->c.link);
		linkd_schedule(p, now);
		return;
	}
	p->c.connecting = true;
	p->state = TP_LPEER_CONNECTING;
}

void tp_linkd_write(struct tp_linkd *d, struct tp_lpeer *p)
{
	if (p->c.fd >= 0 && !conn_flush(d, &p->c)) {
		snprintf(p->c.link.reason, sizeof p->c.link.reason, "write: %s",
			 strerror(errno));
		linkd_closed(d, p);
	}
}

/* ---------------------------------------------------------------- input */

/* Handles one event of p's link; false when the link closed. */
static bool linkd_on_event(struct tp_linkd *d, struct tp_lpeer *p,
			   const struct tp_link_event *ev, int64_t now)
{
	switch (ev->kind) {
	case TP_LINK_EV_UP:
		linkd_up(d, p);
		break;
	case TP_LINK_EV_MAIL:
		if (tp_linkd_dseq_mail(p, ev))
			tp_linkd_mail_in(d, p, ev, now);
		break;
	case TP_LINK_EV_RESUME:
		tp_linkd_dseq_resume(d, p, ev);
		break;
	case TP_LINK_EV_ACK:
		tp_linkd_dseq_ack(d, p, ev->ack);
		break;
	case TP_LINK_EV_ACTORS:
		p->n_actors = p->c.link.n_peer_actors > TP_REG_ACTORS_MAX ?
			      TP_REG_ACTORS_MAX : p->c.link.n_peer_actors;
		for (unsigned i = 0; i < p->n_actors; i++)
			memcpy(p->actors[i], p->c.link.peer_actors[i], TP_NAME_MAX + 1);
		tp_linkd_publish(d);
		break;
	case TP_LINK_EV_RTT:
		p->rtt_ns = ev->rtt_ns;
		break;
	case TP_LINK_EV_BYE:
	case TP_LINK_EV_CLOSED:
		return false;
	default:
		break;
	}
	return true;
}

/* Feeds the bytes read so far, all of them: mail for a full mailbox
 * waits in its own window (p->hold), never in the link.  One clock
 * reading for all the frames of a read, which came together: a reading
 * per frame was a fifth of the receiving daemon's time in a stream here
 * (a VM's clock).  false when the link closed. */
static bool linkd_feed(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_lconn *c = &p->c;
	int64_t now = c->roff < c->rlen ? tp_now_ns() : 0;
	while (c->roff < c->rlen) {
		struct tp_link_event ev;
		size_t used;
		int rc = tp_link_feed(&c->link, c->rbuf + c->roff, c->rlen - c->roff,
				      now, &used, &ev);
		c->roff += used;
		if (!linkd_on_event(d, p, &ev, now) || rc)
			return false;
	}
	/* Once per read, not per message: a batch's acknowledgement. */
	if (now)
		tp_linkd_dseq_tick(d, p, now, false);
	return true;
}

/* Reads and feeds, a bounded number of reads per wake-up so that one
 * busy link cannot starve the loop.  A read that did not fill the buffer
 * emptied the socket: the next would only say EAGAIN, one system call per
 * wake-up for nothing (the socket is level-triggered: bytes that come
 * meanwhile wake the loop again). */
static bool linkd_read(struct tp_linkd *d, struct tp_lpeer *p)
{
	struct tp_lconn *c = &p->c;
	for (int turn = 0; turn < 8; turn++) {
		bool drained = turn > 0 && c->rlen < sizeof c->rbuf;
		if (!linkd_feed(d, p))
			return false;
		if (drained)
			return true;
		ssize_t r = read(c->fd, c->rbuf, sizeof c->rbuf);
		if (r == 0) {
			tp_link_eof(&c->link);
			return false;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return true;
			snprintf(c->link.reason, sizeof c->link.reason, "read: %s",
				 strerror(errno));
			return false;
		}
		c->roff = 0;
		c->rlen = (size_t)r;
	}
	return true;
}

static void linkd_peer_io(struct tp_linkd *d, struct tp_lpeer *p, uint32_t events)
{
	struct tp_lconn *c = &p->c;
	if (c->fd < 0)
		return;
	if (c->connecting) {
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		int e = tp_link_sock_error(c->fd);
		if (e) {
			snprintf(c->link.reason, sizeof c->link.reason,
				 "cannot connect: %s", strerror(e));
			linkd_closed(d, p);
			return;
		}
		c->connecting = false;
	}
	bool ok = true;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ok = linkd_read(d, p);
	if (ok && p->state == TP_LPEER_UP)
		tp_linkd_flush_queue(d, p);
	if (!conn_flush(d, c) && ok) {
		snprintf(c->link.reason, sizeof c->link.reason, "write: %s",
			 strerror(errno));
		ok = false;
	}
	if (!ok) {
		conn_flush(d, c);   /* the generic error frame, if it fits */
		linkd_closed(d, p);
	}
}

/* ---------------------------------------------------------------- inbound */

/* What a connection still in its handshake did: anyone can connect, so
 * these lines share one bounded log site. */
static void linkd_stranger(struct tp_linkd *d, const char *what, const char *reason)
{
	char note[64];
	if (tp_log_limit(&d->stranger_log, tp_now_ns(), note, sizeof note))
		tp_dmsg("link: %s: %s%s", what, reason, note);
}

static void linkd_accept(struct tp_linkd *d)
{
	char note[64];
	int fd;
	int64_t now = tp_now_ns();
	while ((fd = tp_link_sock_accept(d->lfd)) >= 0) {
		unsigned k = 0, oldest = 0;
		while (k < TP_LINKD_PENDING && d->pend[k].fd >= 0)
			k++;
		if (k == TP_LINKD_PENDING) {
			/* Strangers cannot hold every slot: the oldest goes. */
			for (unsigned j = 1; j < TP_LINKD_PENDING; j++)
				if (d->pend_since[j] < d->pend_since[oldest])
					oldest = j;
			if (tp_log_limit(&d->stranger_log, now, note, sizeof note))
				tp_dmsg("link: dropped a connection still in its handshake "
					"(too many at once)%s", note);
			conn_close(&d->pend[oldest]);
			k = oldest;
		}
		struct tp_link_conf lc = d->lconf;
		lc.initiator = false;
		if (tp_link_init(&d->pend[k].link, &lc, now)) {
			close(fd);
			continue;
		}
		if (conn_attach(d, &d->pend[k], fd, linkd_on_pending, k)) {
			close(fd);
			tp_link_fini(&d->pend[k].link);
			continue;
		}
		d->pend_since[k] = now;
	}
}

/* An inbound link authenticated: it becomes its peer's connection,
 * replacing any older one (the peer restarted, or we both dialled). */
static void linkd_adopt(struct tp_linkd *d, unsigned k)
{
	struct tp_lconn *c = &d->pend[k];
	int i = tp_linkd_find(d, c->link.peer);
	if (i < 0) {   /* peer_ok let it through: cannot happen */
		conn_close(c);
		return;
	}
	struct tp_lpeer *p = &d->peer[i];
	if (p->c.fd >= 0) {
		if (p->state == TP_LPEER_UP) {
			tp_link_send_bye(&p->c.link, TP_LINK_BYE_SHUTDOWN);
			conn_flush(d, &p->c);
			snprintf(p->c.link.reason, sizeof p->c.link.reason,
				 "replaced by a new connection from the peer");
		}
		linkd_closed(d, p);
	}
	memcpy(&p->c, c, sizeof *c);
	c->fd = -1;
	tp_loop_fd_set(&p->c.h, linkd_on_peer, d, (unsigned)i);
	tp_loop_ctl(d->epfd, EPOLL_CTL_MOD, p->c.fd, p->c.events, &p->c.h);
	linkd_up(d, p);
	/* Bytes after the handshake, already read, belong to the link now. */
	if (!linkd_feed(d, p) || !conn_flush(d, &p->c))
		linkd_closed(d, p);
}

static void linkd_pending_io(struct tp_linkd *d, unsigned k, uint32_t events)
{
	struct tp_lconn *c = &d->pend[k];
	if (c->fd < 0 || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLOUT)))
		return;
	for (int turn = 0; turn < 4; turn++) {
		while (c->roff < c->rlen) {
			struct tp_link_event ev;
			size_t used;
			int rc = tp_link_feed(&c->link, c->rbuf + c->roff, c->rlen - c->roff,
					      tp_now_ns(), &used, &ev);
			c->roff += used;
			if (rc || ev.kind == TP_LINK_EV_CLOSED) {
				linkd_stranger(d, "refused a connection", c->link.reason);
				conn_flush(d, c);
				conn_close(c);
				return;
			}
			if (ev.kind == TP_LINK_EV_UP) {
				conn_flush(d, c);
				linkd_adopt(d, k);
				return;
			}
		}
		ssize_t r = read(c->fd, c->rbuf, sizeof c->rbuf);
		if (r <= 0) {
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (r == 0)
				tp_link_eof(&c->link);
			linkd_stranger(d, "inbound connection closed in its handshake",
				       c->link.reason[0] ? c->link.reason : strerror(errno));
			conn_close(c);
			return;
		}
		c->roff = 0;
		c->rlen = (size_t)r;
	}
	if (!conn_flush(d, c))
		conn_close(c);
}

/* ---------------------------------------------------------------- loop */

/* The loop's callbacks: h->owner is the linkd, h->ix the peer or the
 * pending slot. */
static void linkd_on_listen(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	linkd_accept(h->owner);
}

static void linkd_on_peer(struct tp_loop_fd *h, uint32_t events)
{
	struct tp_linkd *d = h->owner;
	linkd_peer_io(d, &d->peer[h->ix], events);
}

static void linkd_on_outbox(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	struct tp_linkd *d = h->owner;
	tp_linkd_drain(d, &d->peer[h->ix]);
}

static void linkd_on_pending(struct tp_loop_fd *h, uint32_t events)
{
	linkd_pending_io(h->owner, h->ix, events);
}

static void linkd_peer_timer(struct tp_linkd *d, struct tp_lpeer *p, int64_t now)
{
	int64_t next;
	tp_linkd_held_retry(d, p, now);
	tp_linkd_topics_timer(d, p);
	if (p->state == TP_LPEER_BACKOFF && now >= p->retry_at)
		linkd_dial(d, p, now);
	else if (p->c.fd >= 0) {
		/* What is complete goes with the timer (heartbeats, or due). */
		if (p->state == TP_LPEER_UP)
			tp_linkd_dseq_tick(d, p, now, true);
		if (tp_link_tick(&p->c.link, now, &next) || !conn_flush(d, &p->c)) {
			conn_flush(d, &p->c);
			linkd_closed(d, p);
		}
	}
}

void tp_linkd_timer(struct tp_linkd *d)
{
	int64_t now = tp_now_ns(), next;
	for (unsigned i = 0; i < d->n; i++)
		linkd_peer_timer(d, &d->peer[i], now);
	for (unsigned k = 0; k < TP_LINKD_PENDING; k++)
		if (d->pend[k].fd >= 0 && tp_link_tick(&d->pend[k].link, now, &next)) {
			linkd_stranger(d, "refused a connection", d->pend[k].link.reason);
			conn_flush(d, &d->pend[k]);
			conn_close(&d->pend[k]);
		}
}

static int64_t linkd_min(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t tp_linkd_next_deadline(const struct tp_linkd *d)
{
	int64_t next = INT64_MAX;
	for (unsigned i = 0; i < d->n; i++) {
		const struct tp_lpeer *p = &d->peer[i];
		const struct tp_link *l = &p->c.link;
		next = linkd_min(next, tp_link_hold_next(&p->hold));
		next = linkd_min(next, tp_linkd_dseq_next(p));
		if (p->state == TP_LPEER_BACKOFF)
			next = linkd_min(next, p->retry_at);
		else if (p->c.fd >= 0 && l->state == TP_LINK_UP)
			next = linkd_min(next, tp_link_beat_next(&l->beat));
		else if (p->c.fd >= 0)
			next = linkd_min(next, l->hs_deadline);
	}
	for (unsigned k = 0; k < TP_LINKD_PENDING; k++)
		if (d->pend[k].fd >= 0)
			next = linkd_min(next, d->pend[k].link.hs_deadline);
	return next;
}

/* ---------------------------------------------------------------- life */

int tp_linkd_prepare(struct tp_linkd *d, struct tp_node *n)
{
	const struct tp_topology *t = d->topo;
	unsigned dm = TP_NODE_DAEMON(n);
	d->node = n;
	d->n = t->n_peers;
	/* Entries: actors, the daemon, an outbox and a "*" entry per peer. */
	if (n->count + 2 * t->n_peers > TP_REG_MAX) {
		tp_dmsg("too many actors and peers for the registry (%u actors, %u "
			"peers; at most %d entries, each peer takes 2)", t->n_actors,
			t->n_peers, TP_REG_MAX);
		return -TP_ELIMIT;
	}
	d->buf_cap = n->ent[dm].msg_max + 2 * TP_ENV_NAME_MAX + 64;
	d->buf = malloc(d->buf_cap);
	if (!d->buf || tp_linkd_topics_init(d))
		return -TP_ENOMEM;
	for (unsigned i = 0; i < d->n; i++) {
		struct tp_lpeer *p = &d->peer[i];
		p->conf = &t->peers[i];
		p->c.fd = -1;
		p->dialer = strcmp(t->node.name, p->conf->name) < 0;
		p->obx = n->count++;
		tp_loop_fd_set(&p->h_outbox, linkd_on_outbox, d, i);
		char obj[TP_NAME_MAX + 8];
		snprintf(obj, sizeof obj, "link.%s", p->conf->name);
		tp_node_own_entry(n, p->obx, n->box[dm].t, "*", obj, n->ent[dm].msg_max);
		struct tp_reg_entry *e = &n->ent[p->obx];
		/* A stream to the peer wakes this daemon once per outbox-full
		 * at most: deeper is fewer wake-ups (docs/PERFORMANCE.md). */
		e->depth = p->conf->depth;
		snprintf(e->node, sizeof e->node, "%s", p->conf->name);
		tp_node_bind(n);   /* an outbox: traced by each mail's destination */
		int64_t hold_ms = t->node.link_hold_ms ? t->node.link_hold_ms : TP_LINKD_HOLD_MS;
		if (tp_link_hold_init(&p->hold, TP_LINKD_HOLD, TP_LINKD_HOLD_DESTS,
				      TP_LINKD_HOLD_DEST, d->buf_cap, hold_ms * MS) ||
		    tp_link_queue_init(&p->q, p->conf->queue, e->msg_max, p->conf->when_full))
			return -TP_ENOMEM;
		tp_linkd_queue_hooks(p);
	}
	return 0;
}

int tp_linkd_open(struct tp_linkd *d, struct tp_monitors *m, int epfd)
{
	char err[256];
	d->mon = m;
	d->epfd = epfd;
	m->remote = tp_linkd_monitor;
	m->remote_arg = d;
	d->reg_count = d->node->count;
	tp_linkd_publish(d);
	d->lfd = tp_link_sock_listen(d->topo->node.listen, err, sizeof err);
	if (d->lfd < 0) {
		tp_dmsg("link: %s", err);
		return d->lfd;
	}
	tp_loop_fd_set(&d->h_listen, linkd_on_listen, d, 0);
	int rc = tp_loop_ctl(epfd, EPOLL_CTL_ADD, d->lfd, EPOLLIN, &d->h_listen);
	if (rc)
		return rc;
	tp_dmsg("link: listening on %s for %u peer%s", d->topo->node.listen, d->n,
		d->n == 1 ? "" : "s");
	int64_t now = tp_now_ns();
	for (unsigned i = 0; i < d->n; i++) {
		struct tp_lpeer *p = &d->peer[i];
		tp_linkd_outbox_arm(d, p, true);
		if (p->dialer)
			linkd_dial(d, p, now);
		else
			p->state = TP_LPEER_IDLE;
	}
	return 0;
}

void tp_linkd_close(struct tp_linkd *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		struct tp_lpeer *p = &d->peer[i];
		if (p->state == TP_LPEER_UP) {
			tp_link_send_bye(&p->c.link, TP_LINK_BYE_SHUTDOWN);
			conn_flush(d, &p->c);
		}
		conn_close(&p->c);
		tp_link_queue_fini(&p->q);
		tp_link_hold_fini(&p->hold);
	}
	for (unsigned k = 0; k < TP_LINKD_PENDING; k++)
		conn_close(&d->pend[k]);
	if (d->lfd >= 0)
		close(d->lfd);
	d->lfd = -1;
	tp_linkd_topics_fini(d);
	free(d->buf);
	d->buf = NULL;
	free(d->down);
	d->down = NULL;
	d->down_cap = 0;
	tp_link_key_wipe(&d->key);
}
