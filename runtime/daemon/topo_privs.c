/* Least privilege per actor, worked out before anything starts (see
 * topo.h, tp_topology_privs): who each actor runs as, and who owns its
 * mailbox so that exactly the actors of its accept_from can write it.
 *
 * The kernel gives an IPC object one owner, one group and a mode, so
 * accept_from is kept that way: the mailbox belongs to the receiver's
 * uid, and its group is one that every allowed sender of another uid has
 * and no other actor has.  When no such group exists, or an actor to be
 * kept out runs as root, as the receiver's uid or as an allowed sender's
 * (owner or root pass any mode; one uid can use another process of that
 * uid's descriptors), the topology is refused with the reason and the
 * fix: never a mailbox more open than written.  Names are looked up in the system's
 * databases here, once; the child only makes the system calls
 * (sup_privs.c). */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "topo.h"

/* login.defs' UID_MIN and UID_MAX on Debian and most others: regular
 * users, the ones logind cleans up after (below, system users; above,
 * nobody and dynamic users). */
#define PRIVS_FIRST_REGULAR_UID 1000
#define PRIVS_LAST_REGULAR_UID 60000

struct privs_ctx {
	struct tp_topology *t;
	FILE *errs;
	int errors;
};

static void privs_err(struct privs_ctx *c, int line, const char *label,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void privs_err(struct privs_ctx *c, int line, const char *label,
		      const char *fmt, ...)
{
	c->errors++;
	va_list ap;
	va_start(ap, fmt);
	tp_topology_verr(c->errs, c->t->file, line, label, fmt, ap);
	va_end(ap);
}

static bool privs_number(const char *s, unsigned long *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v >= 0xFFFFFFFFul)
		return false;
	*out = v;
	return true;
}

/* May this daemon give its children other credentials and their mailboxes
 * to them?  setuid, setgid (and setgroups), chown, and unlinking objects
 * of other owners in the sticky /dev/shm and /dev/mqueue at stop. */
static bool privs_capable(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return geteuid() == 0;
	static const int need[] = { CAP_SETUID, CAP_SETGID, CAP_CHOWN, CAP_FOWNER };
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (!(d[need[i] >> 5].effective & (1u << (need[i] & 31))))
			return false;
	return true;
}

/* ---------------------------------------------------------------- lookups
 * Through NSS where the C library can load its modules; a static build
 * (a board's bundle) reads /etc/passwd and /etc/group itself, as glibc's
 * NSS would need its shared modules at run time. */

struct privs_pw {
	uid_t uid;
	gid_t gid;
	char name[TP_TOPO_ID_MAX];
};

static bool privs_pw_set(const struct passwd *pw, struct privs_pw *out)
{
	if (!pw)
		return false;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	snprintf(out->name, sizeof out->name, "%s", pw->pw_name);
	return true;
}

#ifdef TP_NSS
static bool privs_pw_find(const char *name, uid_t uid, struct privs_pw *out)
{
	return privs_pw_set(name ? getpwnam(name) : getpwuid(uid), out);
}

static bool privs_gr_find(const char *name, gid_t *gid)
{
	struct group *g = getgrnam(name);
	if (g)
		*gid = g->gr_gid;
	return g != NULL;
}

static int privs_grouplist(const char *user, gid_t gid, gid_t *list, int *cnt)
{
	return getgrouplist(user, gid, list, cnt);
}
#else
static bool privs_pw_find(const char *name, uid_t uid, struct privs_pw *out)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	bool found = false;
	while (f && !found && (pw = fgetpwent(f)))
		if (name ? strcmp(pw->pw_name, name) == 0 : pw->pw_uid == uid)
			found = privs_pw_set(pw, out);
	if (f)
		fclose(f);
	return found;
}

static bool privs_gr_find(const char *name, gid_t *gid)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *g;
	bool found = false;
	while (f && !found && (g = fgetgrent(f)))
		if (strcmp(g->gr_name, name) == 0) {
			*gid = g->gr_gid;
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/* getgrouplist's contract: gid first, then every group naming user. */
static int privs_grouplist(const char *user, gid_t gid, gid_t *list, int *cnt)
{
	FILE *f = fopen("/etc/group", "re");
	struct group *g;
	int n = 0, max = *cnt;
	if (max > 0)
		list[n] = gid;
	n++;
	while (f && (g = fgetgrent(f)))
		for (char **m = g->gr_mem; m && *m; m++)
			if (strcmp(*m, user) == 0 && g->gr_gid != gid) {
				if (n < max)
					list[n] = g->gr_gid;
				n++;
				break;
			}
	if (f)
		fclose(f);
	int over = n > max;
	*cnt = n > max ? max : n;
	return over ? -1 : n;
}
#endif

static bool privs_group(const char *v, gid_t *gid)
{
	unsigned long n;
	if (privs_gr_find(v, gid))
		return true;
	if (privs_number(v, &n)) {
		*gid = (gid_t)n;
		return true;
	}
	return false;
}

static bool privs_has(const struct tp_actor_privs *p, gid_t g)
{
	for (unsigned k = 0; k < p->n_groups; k++)
		if (p->groups[k] == g)
			return true;
	return false;
}

static void privs_add(struct tp_actor_privs *p, gid_t g)
{
	if (!privs_has(p, g) && p->n_groups < TP_TOPO_GROUPS_MAX)
		p->groups[p->n_groups++] = g;
}

/* Actor a's credentials: its user (or the node's actor_user) with that
 * user's groups (initgroups' list), its group (or actor_group) as the
 * primary one; without either, the daemon's own. */
static void privs_actor(struct privs_ctx *c, struct tp_actor_conf *a)
{
	const struct tp_node_conf *nd = &c->t->node;
	struct tp_actor_privs *p = &a->privs;
	char label[TP_NAME_MAX + 8];
	snprintf(label, sizeof label, "actor %s", a->name);
	const char *user = a->user[0] ? a->user : nd->actor_user;
	const char *group = a->group[0] ? a->group : nd->actor_group;
	int uline = a->user[0] ? a->user_line : nd->actor_user_line;
	int gline = a->group[0] ? a->group_line : nd->actor_group_line;
	const char *ulabel = a->user[0] ? label : "node";
	const char *glabel = a->group[0] ? label : "node";
	const char *ukey = a->user[0] ? "user" : "actor_user";
	const char *gkey = a->group[0] ? "group" : "actor_group";
	memset(p, 0, sizeof *p);
	p->uid = geteuid();
	p->gid = getegid();
	gid_t mine[TP_TOPO_GROUPS_MAX];
	int n = getgroups(TP_TOPO_GROUPS_MAX, mine);
	for (int k = 0; k < n; k++)
		privs_add(p, mine[k]);
	privs_add(p, p->gid);
	if (!user[0] && !group[0])
		return;
	bool ok = true, named = false;
	char pw_name[TP_TOPO_ID_MAX] = "";
	if (user[0]) {
		unsigned long num;
		struct privs_pw pw;
		bool have = privs_pw_find(user, 0, &pw) ||
			    (privs_number(user, &num) && privs_pw_find(NULL, (uid_t)num, &pw));
		if (have) {
			p->uid = pw.uid;
			p->gid = pw.gid;
			named = true;
			snprintf(pw_name, sizeof pw_name, "%s", pw.name);
		} else if (privs_number(user, &num)) {
			p->uid = (uid_t)num;
			if (!group[0]) {
				privs_err(c, uline, ulabel, "%s: uid %s has no entry in the user "
					  "database, so no group: set group too", ukey, user);
				ok = false;
			}
		} else {
			privs_err(c, uline, ulabel, "%s: no user '%s' on this system (getent "
				  "passwd lists them; useradd --system %s creates one)", ukey,
				  user, user);
			ok = false;
		}
	}
	if (group[0] && !privs_group(group, &p->gid)) {
		privs_err(c, gline, glabel, "%s: no group '%s' on this system (getent group "
			  "lists them; groupadd --system %s creates one)", gkey, group, group);
		ok = false;
	}
	if (!ok)
		return;
	p->n_groups = 0;
	privs_add(p, p->gid);
	if (named) {   /* the user's other groups, as a login would have them */
		gid_t list[TP_TOPO_GROUPS_MAX];
		int cnt = TP_TOPO_GROUPS_MAX;
		if (privs_grouplist(pw_name, p->gid, list, &cnt) < 0)
			cnt = TP_TOPO_GROUPS_MAX;   /* more than we keep: the first ones */
		for (int k = 0; k < cnt; k++)
			privs_add(p, list[k]);
	}
	/* The daemon's own user and group: nothing to change (a daemon
	 * that is no root may name itself). */
	p->drop = p->uid != geteuid() || p->gid != getegid();
	/* The mailbox becomes this user's: systemd-logind (RemoveIPC=yes,
	 * its default) deletes a regular user's POSIX shm and queues when
	 * the user's last session ends, under a running node. */
	if (p->drop && p->uid >= PRIVS_FIRST_REGULAR_UID &&
	    p->uid <= PRIVS_LAST_REGULAR_UID && c->errs)
		fprintf(c->errs, "%s:%d: [%s]: warning: %s: uid %u is a regular user's: "
			"systemd-logind's RemoveIPC deletes its POSIX shm and queues (this "
			"actor's mailbox) when its last session ends; use a system user "
			"(useradd --system)\n", c->t->file, uline, ulabel, ukey,
			(unsigned)p->uid);
	if (!p->drop) {   /* it keeps the daemon's groups too */
		p->n_groups = 0;
		for (int k = 0; k < n; k++)
			privs_add(p, mine[k]);
		privs_add(p, p->gid);
	}
	if (p->drop && !privs_capable())
		privs_err(c, user[0] ? uline : gline, user[0] ? ulabel : glabel,
			  "%s: this daemon runs as uid %u without CAP_SETUID, CAP_SETGID, "
			  "CAP_CHOWN and CAP_FOWNER, so it cannot start actors as another "
			  "user or group: run it as root, or remove the key",
			  user[0] ? ukey : gkey, (unsigned)geteuid());
}

/* The node's group: the shared objects (registry, counters, topics, the
 * daemon's mailbox) belong to it, and every dropped actor has it.  Never
 * root's group by default: that would hand every actor root's files. */
static void privs_node_group(struct privs_ctx *c)
{
	struct tp_topology *t = c->t;
	struct tp_node_conf *nd = &t->node;
	if (nd->group[0]) {
		if (!privs_group(nd->group, &nd->node_gid))
			privs_err(c, nd->group_line, "node", "group: no group '%s' on this "
				  "system (getent group lists them; groupadd --system %s "
				  "creates one)", nd->group, nd->group);
		return;
	}
	nd->node_gid = getegid();
	if (nd->node_gid != 0 || !nd->privs)
		return;
	for (unsigned i = 0; i < t->n_actors; i++)
		if (t->actors[i].privs.drop) {
			privs_err(c, nd->line, "node", "actor %s runs as another user, and "
				  "this daemon's group is root's: set group = GROUP in [node], "
				  "the group the node's shared objects belong to and every "
				  "actor gets (groupadd --system troupe)", t->actors[i].name);
			return;
		}
}

/* A tcp mailbox knows its senders only by uid, and takes the node's user
 * and root's (tcp_peer.c): it cannot take mail across users.  A unix
 * mailbox can: the kernel checks the socket's group at connect, and the
 * receiver binds each sender name to its actor's uid (mailbox.c). */
static void privs_transports(struct privs_ctx *c)
{
	struct tp_topology *t = c->t;
	for (unsigned i = 0; i < t->n_actors; i++) {
		if (strcmp(t->actors[i].transport, "tcp"))
			continue;
		char label[TP_NAME_MAX + 8];
		snprintf(label, sizeof label, "actor %s", t->actors[i].name);
		privs_err(c, t->actors[i].line, label, "transport tcp cannot carry mail "
			  "between actors of different users (its receiver takes only the "
			  "node's user's and root's connections): use mq, shm or unix");
	}
}

static int privs_find(const struct tp_topology *t, const char *name)
{
	for (unsigned i = 0; i < t->n_actors; i++)
		if (strcmp(t->actors[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Receiver r's accept_from as a set of actor indices (bit i). */
static uint64_t privs_allowed(struct privs_ctx *c, struct tp_actor_conf *r)
{
	const struct tp_topology *t = c->t;
	if (!r->accept_line)
		return ~(uint64_t)0;
	char buf[TP_TOPO_STR_MAX], *save, *w;
	char label[TP_NAME_MAX + 8];
	snprintf(label, sizeof label, "actor %s", r->name);
	snprintf(buf, sizeof buf, "%s", r->accept_from);
	uint64_t set = 0;
	for (w = strtok_r(buf, ", \t", &save); w; w = strtok_r(NULL, ", \t", &save)) {
		int k = privs_find(t, w);
		if (strcmp(w, "*") == 0)
			set = ~(uint64_t)0;
		else if (k < 0)
			privs_err(c, r->accept_line, label, "accept_from: no actor '%s'", w);
		else
			set |= (uint64_t)1 << k;
	}
	return set;
}

/* Receiver i's mailbox: owner, group, mode (see the top of this file). */
static void privs_mailbox(struct privs_ctx *c, unsigned i)
{
	struct tp_topology *t = c->t;
	struct tp_actor_conf *r = &t->actors[i];
	struct tp_actor_privs *rp = &r->privs;
	char label[TP_NAME_MAX + 8];
	snprintf(label, sizeof label, "actor %s", r->name);
	uint64_t allowed = privs_allowed(c, r), need = 0, out = 0;
	for (unsigned k = 0; k < t->n_actors; k++) {
		const struct tp_actor_privs *kp = &t->actors[k].privs;
		if (k == i)
			continue;
		if (allowed & ((uint64_t)1 << k)) {
			if (kp->uid != rp->uid && kp->uid != 0)
				need |= (uint64_t)1 << k;
			continue;
		}
		out |= (uint64_t)1 << k;
		if (kp->uid == rp->uid)
			privs_err(c, r->accept_line, label, "accept_from: cannot keep %s out: "
				  "it runs as the same user (uid %u) as %s; give one of them "
				  "another user", t->actors[k].name, (unsigned)kp->uid, r->name);
		else if (kp->uid == 0)
			privs_err(c, r->accept_line, label, "accept_from: cannot keep %s out: "
				  "it runs as root, which no mode keeps out; give it a user",
				  t->actors[k].name);
	}
	/* Processes of one uid can use each other's descriptors (ptrace,
	 * /proc/PID/fd): one of them allowed means all of them are. */
	for (unsigned k = 0; k < t->n_actors; k++)
		for (unsigned y = 0; ((out >> k) & 1) && y < t->n_actors; y++)
			if (y != i && !((out >> y) & 1) &&
			    t->actors[y].privs.uid == t->actors[k].privs.uid &&
			    t->actors[k].privs.uid != rp->uid && t->actors[k].privs.uid != 0) {
				privs_err(c, r->accept_line, label, "accept_from: cannot keep "
					  "%s out: it runs as the same user (uid %u) as %s, which "
					  "may send; give one of them another user",
					  t->actors[k].name, (unsigned)t->actors[k].privs.uid,
					  t->actors[y].name);
				break;
			}
	if (!t->node.privs)
		return;   /* every actor is the daemon's user: nothing to hand out */
	rp->owned = true;
	rp->box_uid = rp->uid;
	rp->box_gid = t->node.node_gid;
	rp->box_mode = 0600;
	if (!need)
		return;
	/* A group every sender that needs one has, and nobody kept out;
	 * the node's group first (the default: accept_from everyone). */
	int first = __builtin_ctzll(need);
	const struct tp_actor_privs *fp = &t->actors[first].privs;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned g = 0; g < fp->n_groups; g++) {
			gid_t gid = fp->groups[g];
			if ((pass == 0) != (gid == t->node.node_gid))
				continue;
			bool fits = true;
			for (unsigned k = 0; k < t->n_actors && fits; k++) {
				bool has = privs_has(&t->actors[k].privs, gid);
				if (((need >> k) & 1) && !has)
					fits = false;
				if (((out >> k) & 1) && has)
					fits = false;
			}
			if (!fits)
				continue;
			rp->box_gid = gid;
			/* Senders need read too: an mq sender takes the oldest
			 * out under drop_oldest (and a publisher for a topic),
			 * a shm sender maps the ring. */
			rp->box_mode = 0660;
			return;
		}
	privs_err(c, r->accept_line ? r->accept_line : r->line, label, "accept_from: no "
		  "group is shared by the actors allowed to send that run as other users "
		  "and by none of those kept out: create one (groupadd --system G; "
		  "usermod -aG G USER for each allowed sender's user) or change users");
}

int tp_topology_privs(struct tp_topology *t, FILE *errs)
{
	struct privs_ctx c = { .t = t, .errs = errs };
	t->node.privs = false;
	for (unsigned i = 0; i < t->n_actors; i++) {
		privs_actor(&c, &t->actors[i]);
		if (t->actors[i].privs.drop)
			t->node.privs = true;
	}
	/* A template's users are checked now, not at its first spawn; and a
	 * node whose children will run as other users owns its objects so
	 * from the start (a running mailbox never changes owner). */
	for (unsigned i = 0; i < t->n_templates; i++) {
		privs_actor(&c, &t->templates[i]);
		if (t->templates[i].privs.drop)
			t->node.privs = true;
	}
	privs_node_group(&c);
	if (c.errors) {   /* ids unknown: only the names of accept_from still */
		for (unsigned i = 0; i < t->n_actors; i++)
			privs_allowed(&c, &t->actors[i]);
		return c.errors;
	}
	if (t->node.privs) {
		privs_transports(&c);
		for (unsigned i = 0; i < t->n_actors; i++)
			if (t->actors[i].privs.drop)
				privs_add(&t->actors[i].privs, t->node.node_gid);
	}
	for (unsigned i = 0; i < t->n_actors; i++)
		privs_mailbox(&c, i);
	return c.errors;
}
