/* The node's IPC objects: lock, stale-object sweep, mailboxes, registry
 * (see node.h).  Every name is under "/troupe.<node>.", and node names hold
 * no '.', so nothing here can touch another node's objects. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>
#include "troupe/error.h"
#include "common.h"
#include "rundir.h"
#include "log_dmsg.h"
#include "ctlpath.h"
#include "node.h"
#include "node_topics.h"

/* transport = auto: the first transport of the list (transports/list.h)
 * that the kernel has, among those an actor opens by name on this board
 * (not connection-oriented, no descriptors to hand over): mq where the
 * kernel has it, else shm.  Said once when it is not the first. */
static const struct tp_transport *node_auto(void)
{
	static const struct tp_transport *pick;
	if (pick)
		return pick;
	const struct tp_transport *first = NULL;
	char err[256] = "", why[256] = "";
	for (size_t i = 0; tp_transports[i] && !pick; i++) {
		const struct tp_transport *t = tp_transports[i];
		if ((t->caps & TP_CAP_CONNECTED) || t->recv_fds || !tp_transport_find(t->name))
			continue;
		if (!first)
			first = t;
		err[0] = '\0';
		if (t->check(NULL, 0, err, sizeof err) == 0)
			pick = t;
		else if (t == first)
			snprintf(why, sizeof why, "%s", err);
	}
	if (!pick)
		pick = first;   /* its create then says what is missing */
	else if (pick != first)
		tp_dwarn("transport = auto: using %s, not %s: %s", pick->name, first->name, why);
	return pick;
}

/* The mailbox attributes of entry i, as the topology sets them; the
 * daemon's own mailbox (after the actors) blocks when full, like the
 * default. */
static struct tp_mbox_attr node_attr(const struct tp_node *n, unsigned i)
{
	const struct tp_node_conf *nd = &n->topo->node;
	if (i >= n->topo->n_actors) {
		/* With actors of other users, the daemon's mailbox and the
		 * links' outboxes take mail from every actor: the node's group
		 * writes them (a shm sender maps the ring: read too). */
		struct tp_mbox_attr at = { .depth = n->ent[i].depth,
			.msg_max = n->ent[i].msg_max, .mode = nd->mode };
		if (nd->privs)
			at = (struct tp_mbox_attr){ .depth = at.depth, .msg_max = at.msg_max,
				.mode = n->box[i].t && strcmp(n->box[i].t->name, "mq") == 0 ?
					0620 : 0660,
				.owned = true, .uid = geteuid(), .gid = nd->node_gid };
		return at;
	}
	const struct tp_actor_conf *a = &n->topo->actors[i];
	const struct tp_actor_privs *p = &a->privs;
	return (struct tp_mbox_attr){ .depth = a->depth, .msg_max = a->msg_max,
		.mode = p->owned ? p->box_mode : nd->mode, .when_full = a->when_full,
		.spin_us = a->spin_us, .owned = p->owned, .uid = p->box_uid,
		.gid = p->box_gid };
}

int tp_node_share(const struct tp_node *n, const char *obj, mode_t bits)
{
	const struct tp_node_conf *nd = &n->topo->node;
	char path[64];
	if (!nd->privs)
		return 0;
	if (tp_ipc_name(path, sizeof path, nd->name, obj))
		return -TP_ETOOBIG;
	int fd = shm_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -tp_err_from_errno(errno);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
		rc = -TP_EPERM;   /* not what we just made */
	else if (fchown(fd, (uid_t)-1, nd->node_gid) < 0 ||
		 fchmod(fd, (nd->mode | bits) & 0660) < 0)
		rc = -tp_err_from_errno(errno);
	close(fd);
	if (rc)
		tp_derr("cannot give %s to the node's group %u: %s", path,
			(unsigned)nd->node_gid, tp_strerror(rc));
	return rc;
}

/* The run dir holds the mq mailboxes' policy files, which senders of
 * every user read: the node's group may search it (not list-and-write). */
static int node_share_rundir(const struct tp_node *n)
{
	const struct tp_node_conf *nd = &n->topo->node;
	char dir[256], err[256];
	if (!nd->privs)
		return 0;
	int rc = tp_rundir_make(nd->mode | 0040, err, sizeof err);
	if (rc) {
		tp_derr("%s", err);
		return rc;
	}
	if (tp_rundir(dir, sizeof dir) || chown(dir, (uid_t)-1, nd->node_gid) < 0 ||
	    chmod(dir, 0750) < 0) {
		rc = -tp_err_from_errno(errno);
		tp_derr("cannot give the run dir %s to the node's group: %s", dir,
			tp_strerror(rc));
	}
	return rc;
}

void tp_node_own_entry(struct tp_node *n, unsigned i, const struct tp_transport *tr,
		       const char *name, const char *obj, uint32_t msg_max)
{
	struct tp_reg_entry *e = &n->ent[i];
	n->box[i].t = tr;
	snprintf(e->name, sizeof e->name, "%s", name);
	snprintf(e->transport, sizeof e->transport, "%s", tr->name);
	tp_ipc_name(e->mailbox, sizeof e->mailbox, n->topo->node.name, obj);
	e->depth = TP_TOPO_DEPTH_DEFAULT;
	e->msg_max = msg_max;
	e->pid = getpid();
	e->uid = (uint32_t)geteuid();
	e->state = TP_STATE_UP;
	tp_node_bind(n);
}

void tp_node_bind(struct tp_node *n)
{
	for (unsigned i = 0; i < TP_REG_MAX; i++) {
		struct tp_mailbox *m = &n->box[i];
		m->ix = i;
		m->ctr = n->ctr;
		m->name = n->ent[i].node[0] ? NULL : n->ent[i].name;
		m->reg = n->reg;
	}
}

/* The daemon's mailbox takes the transport of the actor with the largest
 * messages, so that any reply fits. */
static void node_init_daemon(struct tp_node *n)
{
	const struct tp_topology *topo = n->topo;
	unsigned d = topo->n_actors, big = 0;
	for (unsigned i = 1; i < topo->n_actors; i++)
		if (topo->actors[i].msg_max > topo->actors[big].msg_max)
			big = i;
	tp_node_own_entry(n, d, n->box[big].t, TP_DAEMON_NAME, TP_DAEMON_NAME,
			  topo->actors[big].msg_max);
	n->count = d + 1;
}

static void node_init_actor(struct tp_node *n, unsigned i)
{
	const struct tp_actor_conf *a = &n->topo->actors[i];
	struct tp_reg_entry *e = &n->ent[i];
	memset(e, 0, sizeof *e);
	const struct tp_transport *tr = strcmp(a->transport, "auto") == 0 ? node_auto()
					: tp_transport_find(a->transport);
	n->box[i] = (struct tp_mailbox){ .t = tr };
	snprintf(e->name, sizeof e->name, "%s", a->name);
	snprintf(e->transport, sizeof e->transport, "%s", tr->name);
	tp_ipc_name(e->mailbox, sizeof e->mailbox, n->topo->node.name, a->name);
	e->depth = a->depth;
	e->msg_max = a->msg_max;
	e->uid = (uint32_t)(a->privs.drop ? a->privs.uid : geteuid());
	e->state = TP_STATE_DOWN;
}

void tp_node_init(struct tp_node *n, const struct tp_topology *topo)
{
	memset(n, 0, sizeof *n);
	n->topo = topo;
	n->lock_fd = -1;
	/* Actors inherit it: they find the sockets of unix/tcp mailboxes there. */
	if (topo->node.run_dir[0])
		setenv(TP_RUN_DIR_ENV, topo->node.run_dir, 1);
	for (unsigned i = 0; i < topo->n_actors; i++)
		node_init_actor(n, i);
	node_init_daemon(n);
}

static bool node_same_object(int fd, const char *path)
{
	struct stat a, b;
	int fd2 = shm_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd2 < 0)
		return false;
	bool same = fstat(fd, &a) == 0 && fstat(fd2, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	close(fd2);
	return same;
}

/* Opens the lock object, creating it if absent.  Only an object this
 * daemon's uid owns and that is a regular file is used: anything else
 * under the name was planted (another user can create it in the
 * world-writable /dev/shm and hold a flock on it to keep the node from
 * starting), so it is removed, said, and the name created afresh with
 * O_EXCL.  A daemon that may not remove it (not root: /dev/shm is
 * sticky) refuses with the reason.  shm_open adds O_NOFOLLOW. */
static int node_lock_open(const char *path, mode_t mode)
{
	for (int tries = 0; tries < 3; tries++) {
		int fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC, mode);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			break;
		fd = shm_open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC, 0);
		struct stat st = { 0 };   /* a failed fstat: "not a regular file" */
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid())
			return fd;
		char why[96];
		if (fd < 0 && errno == ENOENT)
			continue;   /* gone meanwhile: create it */
		if (fd < 0)
			snprintf(why, sizeof why, "%s", strerror(errno));
		else if (!S_ISREG(st.st_mode))
			snprintf(why, sizeof why, "not a regular file");
		else
			snprintf(why, sizeof why, "owned by uid %u, not %u",
				 (unsigned)st.st_uid, (unsigned)geteuid());
		if (fd >= 0)
			close(fd);
		if (shm_unlink(path) < 0 && errno != ENOENT) {
			int e = errno;
			tp_derr("refusing lock %s (%s) and cannot remove it: %s", path, why,
				strerror(e));
			errno = e;
			return -1;
		}
		tp_dwarn("removed lock %s that this node did not make (%s)", path, why);
	}
	tp_derr("cannot open lock %s: %s", path, strerror(errno));
	return -1;
}

/* A daemon that stops unlinks the lock before closing it; one that raced us
 * to open the old object could hold a lock on an unlinked file.  Holding
 * the lock counts only if the name still leads to our object. */
int tp_node_lock(struct tp_node *n)
{
	const struct tp_node_conf *nd = &n->topo->node;
	if (tp_ipc_name(n->lock_path, sizeof n->lock_path, nd->name, "lock"))
		return -TP_ETOOBIG;
	for (int tries = 0; tries < 5; tries++) {
		int fd = node_lock_open(n->lock_path, nd->mode);
		if (fd < 0)
			return -tp_err_from_errno(errno);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			if (e == EWOULDBLOCK)
				return -TP_EBUSY;
			tp_derr("cannot lock %s: %s", n->lock_path, strerror(e));
			return -tp_err_from_errno(e);
		}
		if (node_same_object(fd, n->lock_path)) {
			n->lock_fd = fd;
			return 0;
		}
		close(fd);
	}
	tp_derr("cannot lock %s: it keeps being replaced", n->lock_path);
	return -TP_EBUSY;
}

static bool node_shm_exists(const char *path)
{
	int fd = shm_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return errno != ENOENT;
	close(fd);
	return true;
}

/* Unlinks the mailboxes an old registry names.  Its contents came from a
 * dead process: each name is checked against our prefix before use.  A
 * registry this uid did not write is not read at all (another user can
 * plant one naming objects it controls); the transports' sweeps below
 * remove what lies under the prefix by name, without opening it. */
static int node_sweep_registry(const char *node, const char *prefix)
{
	struct tp_registry *old;
	struct tp_reg_entry e;
	int removed = 0;
	int rc = tp_registry_open_mine(node, &old);
	if (rc == -TP_EPERM)
		tp_dwarn("not reading stale registry /troupe.%s.registry: this node's "
			 "user did not write it", node);
	if (rc)
		return 0;
	unsigned count = tp_registry_count(old);
	for (unsigned i = 0; i < count; i++) {
		if (tp_registry_get(old, i, &e))
			continue;
		const struct tp_transport *tr = tp_transport_find(e.transport);
		if (!tr || strncmp(e.mailbox, prefix, strlen(prefix)) != 0 ||
		    strchr(e.mailbox + 1, '/'))
			continue;
		struct tp_mbox *mb;
		bool exists = tr->attach(e.mailbox, TP_MBOX_SEND, &mb) == 0;
		if (exists)
			tr->close(mb);
		if (tr->unlink(e.mailbox) == 0 && exists)
			removed++;
	}
	tp_registry_close(old);
	return removed;
}

int tp_node_sweep(struct tp_node *n)
{
	const char *node = n->topo->node.name;
	char prefix[64], reg[64];
	tp_ipc_name(prefix, sizeof prefix, node, "");
	tp_ipc_name(reg, sizeof reg, node, "registry");
	int removed = node_sweep_registry(node, prefix);
	for (size_t i = 0; tp_transports[i]; i++) {
		int rc = tp_transports[i]->sweep(prefix);
		if (rc > 0)
			removed += rc;
	}
	char ctr[64];
	tp_ipc_name(ctr, sizeof ctr, node, "counters");
	if (node_shm_exists(ctr) && tp_counters_unlink(node) == 0)
		removed++;
	tp_ipc_name(ctr, sizeof ctr, node, "topics");
	if (node_shm_exists(ctr) && tp_topictab_unlink(node) == 0)
		removed++;
	if (node_shm_exists(reg)) {
		int rc = tp_registry_unlink(node);
		if (rc)
			tp_derr("cannot remove stale registry %s: %s", reg, tp_strerror(rc));
		else
			removed++;
	}
	return removed;
}

/* One problem of mailbox i on transport tr, located in the file. */
static void node_say(const struct tp_node *n, unsigned i, const struct tp_transport *tr,
		     int rc, const char *err, FILE *errs)
{
	const struct tp_topology *t = n->topo;
	const char *why = err[0] ? err : tp_strerror(rc);
	if (i < t->n_actors)
		fprintf(errs, "%s:%d: [actor %s]: transport %s: %s\n", t->file,
			t->actors[i].line, t->actors[i].name, tr->name, why);
	else
		fprintf(errs, "%s:%d: [node]: the mailbox %s (transport %s): %s\n", t->file,
			t->node.line, n->ent[i].name, tr->name, why);
}

/* Every problem of the transports with their mailboxes, one line each in
 * errs: each mailbox alone first (a depth over msg_max, say, named at its
 * actor), then, once per transport, those that passed alone together (the
 * limits per user or per system: RLIMIT_MSGQUEUE, queues_max, /dev/shm's
 * space), named at the first of them.  Returns how many. */
static int node_check(struct tp_node *n, FILE *errs)
{
	struct tp_mbox_attr attrs[TP_REG_MAX];
	char err[512];
	int bad = 0;
	for (size_t k = 0; tp_transports[k]; k++) {
		const struct tp_transport *tr = tp_transports[k];
		size_t cnt = 0;
		int first = -1, alone = 0;
		for (unsigned i = 0; i < n->count; i++) {
			if (n->box[i].t != tr)
				continue;
			struct tp_mbox_attr a = node_attr(n, i);
			err[0] = '\0';
			int rc = tr->check(&a, 1, err, sizeof err);
			/* The daemon's mailbox takes the largest actor's msg_max:
			 * that actor's line says it. */
			if (rc && (i < n->topo->n_actors || !alone)) {
				node_say(n, i, tr, rc, err, errs);
				bad++;
				alone++;
			}
			if (rc)
				continue;
			if (first < 0)
				first = (int)i;
			attrs[cnt++] = a;
		}
		if (cnt < 2)
			continue;   /* one alone was checked already */
		err[0] = '\0';
		int rc = tr->check(attrs, cnt, err, sizeof err);
		if (rc) {
			const struct tp_topology *t = n->topo;
			bool actor = (unsigned)first < t->n_actors;
			fprintf(errs, "%s:%d: [%s%s] and %zu more mailboxes of transport %s, "
				"together: %s\n", t->file,
				actor ? t->actors[first].line : t->node.line,
				actor ? "actor " : "node", actor ? t->actors[first].name : "",
				cnt - 1, tr->name, err[0] ? err : tp_strerror(rc));
			bad++;
		}
	}
	return bad;
}

int tp_node_check(const struct tp_topology *topo, FILE *errs)
{
	static struct tp_node tmp;
	tp_node_init(&tmp, topo);
	return node_check(&tmp, errs);
}

static int node_create(struct tp_node *n, unsigned i)
{
	struct tp_mbox_attr at = node_attr(n, i);
	char err[512] = "";
	int rc = tp_mailbox_create(&n->box[i], n->box[i].t, n->ent[i].mailbox, &at, i,
				   err, sizeof err);
	if (rc)
		tp_derr("cannot create mailbox %s: %s", n->ent[i].mailbox,
			err[0] ? err : tp_strerror(rc));
	/* An actor's mailbox gets the key of the daemon's seal (seal.h) for
	 * the node's life: mail queued for an actor between its processes
	 * is still taken by the next one. */
	else if (i < n->topo->n_actors && (rc = tp_seal_key_new(n->box[i].seal_key)))
		tp_derr("no key for the seal of mailbox %s: %s", n->ent[i].mailbox,
			tp_strerror(rc));
	else if (i < n->topo->n_actors)
		n->box[i].seal = true;
	tp_node_bind(n);
	return rc;
}

/* Closes and unlinks mailbox m (object mailbox), if it was created. */
static void node_remove(struct tp_mailbox *m, const char *mailbox)
{
	if (!m->mb)
		return;
	tp_mailbox_close(m);
	int rc = m->t->unlink(mailbox);
	if (rc)
		tp_derr("cannot remove mailbox %s: %s", mailbox, tp_strerror(rc));
}

/* The old arrays are copied aside first: entries move between indices.
 * Counters move with their mailboxes (a count racing the move may be
 * lost: they are statistics).  Readers learn of the move from the
 * registry's layout, bumped last. */
uint64_t tp_node_relayout(struct tp_node *n, const int *from, unsigned old_actors,
			  uint64_t removed, int *errs)
{
	static struct tp_mailbox box[TP_REG_MAX];
	static struct tp_reg_entry ent[TP_REG_MAX];
	static struct tp_ctr ctr[TP_REG_MAX];
	unsigned old_count = n->count, d_old = old_actors;
	uint64_t failed = 0;
	memcpy(box, n->box, sizeof box);
	memcpy(ent, n->ent, sizeof ent);
	for (unsigned i = 0; i < TP_REG_MAX; i++)
		tp_counters_get(n->ctr, i, &ctr[i]);
	for (unsigned o = 0; o < d_old; o++)
		if (removed & ((uint64_t)1 << o))
			node_remove(&box[o], ent[o].mailbox);
	const struct tp_topology *t = n->topo;
	for (unsigned i = 0; i < t->n_actors; i++) {
		if (from[i] >= 0) {
			n->box[i] = box[from[i]];
			n->ent[i] = ent[from[i]];
			continue;
		}
		node_init_actor(n, i);
		if ((errs[i] = node_create(n, i)))
			failed |= (uint64_t)1 << i;
	}
	/* The daemon's entry and what follows it (the links' outboxes) move
	 * as a block after the actors. */
	unsigned d = t->n_actors, tail = old_count - d_old;
	for (unsigned k = 0; k < tail; k++) {
		n->box[d + k] = box[d_old + k];
		n->ent[d + k] = ent[d_old + k];
	}
	n->count = d + tail;
	for (unsigned i = n->count; i < TP_REG_MAX; i++) {
		n->box[i] = (struct tp_mailbox){ 0 };
		memset(&n->ent[i], 0, sizeof n->ent[i]);
	}
	tp_node_bind(n);
	/* Counters past the count (the peers' actors, published by the
	 * links after these) move with the block too. */
	if (n->ctr)
		for (unsigned i = 0; i < TP_REG_MAX; i++) {
			int f = i < d ? from[i] : (int)(i - d + d_old);
			if (f >= 0 && f < TP_REG_MAX)
				n->ctr->c[i] = ctr[f];
			else
				memset(&n->ctr->c[i], 0, sizeof n->ctr->c[i]);
		}
	if (n->reg)
		for (unsigned i = 0; i < n->count; i++)
			tp_registry_put(n->reg, i, &n->ent[i]);
	return failed;
}

void tp_node_relayout_done(struct tp_node *n, unsigned reg_count)
{
	if (!n->reg)
		return;
	tp_registry_set_count(n->reg, reg_count);
	tp_registry_relayout(n->reg);
}

int tp_node_mailboxes(struct tp_node *n)
{
	/* Every problem, each a line of the log, before anything is made. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return -TP_ENOMEM;
	int bad = node_check(n, f);
	fclose(f);
	for (char *line = strtok(text, "\n"); bad && line; line = strtok(NULL, "\n"))
		tp_derr("%s", line);
	free(text);
	if (bad)
		return -TP_ELIMIT;
	int rc = node_share_rundir(n);
	for (unsigned i = 0; !rc && i < n->count; i++)
		rc = node_create(n, i);
	return rc;
}

int tp_node_publish(struct tp_node *n)
{
	const struct tp_topology *t = n->topo;
	int rc = tp_registry_create(t->node.name, t->node.mode, &n->reg);
	if (rc) {
		char reg[64];
		tp_ipc_name(reg, sizeof reg, t->node.name, "registry");
		tp_derr("cannot create registry %s: %s", reg, tp_strerror(rc));
		n->reg = NULL;
		return rc;
	}
	for (unsigned i = 0; i < n->count; i++) {
		n->ent[i].since_ns = tp_now_ns();
		tp_registry_put(n->reg, i, &n->ent[i]);
	}
	tp_registry_set_count(n->reg, n->count);
	tp_registry_set_daemon(n->reg, getpid());
	/* Actors of other users read the registry (never write it) and
	 * count in the counters. */
	if ((rc = tp_node_share(n, "registry", 0040)))
		return rc;
	/* Without counters the node runs; troupectl counters says so. */
	if ((rc = tp_counters_create(t->node.name, t->node.mode, &n->ctr))) {
		tp_dwarn("cannot create the counters: %s; counting nothing", tp_strerror(rc));
		n->ctr = NULL;
	} else if (tp_node_share(n, "counters", 0060)) {
		tp_dwarn("counting nothing in other users' actors");
	}
	tp_node_bind(n);
	return 0;
}

void tp_node_set(struct tp_node *n, unsigned i, enum tp_actor_state state,
		 pid_t pid, unsigned restarts)
{
	struct tp_reg_entry *e = &n->ent[i];
	e->state = state;
	/* Only states set after a start: a node's actors are published DOWN
	 * before they start, and a call to one not started yet waits. */
	e->flags = state == TP_STATE_DOWN || state == TP_STATE_FAILED ? TP_REG_F_CLOSED : 0;
	e->pid = pid;
	e->restarts = restarts;
	e->since_ns = tp_now_ns();
	if (n->reg)
		tp_registry_put(n->reg, i, e);
}

void tp_node_fini(struct tp_node *n)
{
	const struct tp_topology *t = n->topo;
	tp_node_topics_fini(n);
	for (unsigned i = 0; i < n->count; i++)
		node_remove(&n->box[i], n->ent[i].mailbox);
	if (n->ctr) {
		tp_counters_close(n->ctr);
		n->ctr = NULL;
		tp_node_bind(n);
		tp_counters_unlink(t->node.name);
	}
	if (n->reg) {
		tp_registry_close(n->reg);
		n->reg = NULL;
		int rc = tp_registry_unlink(t->node.name);
		if (rc)
			tp_derr("cannot remove registry: %s", tp_strerror(rc));
	}
	if (n->lock_fd >= 0) {
		shm_unlink(n->lock_path);
		close(n->lock_fd);
		n->lock_fd = -1;
	}
}

void tp_node_repair(struct tp_node *n, pid_t pid)
{
	tp_node_topics_exit(n, pid);
	for (unsigned i = 0; i < n->topo->n_actors; i++)
		if (n->box[i].mb && n->box[i].t->repair)
			n->box[i].t->repair(n->box[i].mb, pid);
}

void tp_node_handoff(struct tp_node *n, unsigned i)
{
	tp_transport_handoff(n->box[i].t, n->box[i].mb);
	char hex[2 * TP_SEAL_KEY_LEN + 1];
	if (n->box[i].seal) {
		tp_seal_key_hex(n->box[i].seal_key, hex);
		setenv(TP_SEAL_KEY_ENV, hex, 1);
	} else {
		unsetenv(TP_SEAL_KEY_ENV);
	}
}
