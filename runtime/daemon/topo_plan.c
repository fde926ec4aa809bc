/* The reload plan (see topo_plan.h).  An actor restarts when anything that
 * shapes its process changes: its own section's settings, or the node's
 * settings its process inherits (exec_prefix, send_timeout_ms); changes
 * to supervisors and to the node's restart settings only shape future
 * decisions, so they restart nobody. */
#include <string.h>
#include "transport.h"
#include "topo_plan.h"

static int reload_find(const struct tp_topology *t, const char *name)
{
	for (unsigned i = 0; i < t->n_actors; i++)
		if (strcmp(t->actors[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *reload_prefix(const struct tp_topology *t,
				 const struct tp_actor_conf *a)
{
	return a->exec_prefix[0] ? a->exec_prefix : t->node.exec_prefix;
}

static int reload_shutdown_ms(const struct tp_topology *t,
			      const struct tp_actor_conf *a)
{
	return a->shutdown_ms >= 0 ? a->shutdown_ms : t->node.shutdown_timeout_ms;
}

/* Differences that mean a new process (exec as written and resolved, so
 * that a moved executable counts too). */
static bool reload_changed(const struct tp_topology *ct, const struct tp_actor_conf *c,
			   const struct tp_topology *nt, const struct tp_actor_conf *n)
{
	return strcmp(c->exec, n->exec) || strcmp(c->path, n->path) ||
	       strcmp(c->args, n->args) ||
	       strcmp(reload_prefix(ct, c), reload_prefix(nt, n)) ||
	       c->restart != n->restart || strcmp(c->supervisor, n->supervisor) ||
	       reload_shutdown_ms(ct, c) != reload_shutdown_ms(nt, n) ||
	       strcmp(c->restart_with, n->restart_with) || strcmp(c->export, n->export) ||
	       c->privs.drop != n->privs.drop || c->privs.uid != n->privs.uid ||
	       c->privs.gid != n->privs.gid || c->privs.n_groups != n->privs.n_groups ||
	       memcmp(c->privs.groups, n->privs.groups,
		      c->privs.n_groups * sizeof c->privs.groups[0]) ||
	       ct->node.send_timeout_ms != nt->node.send_timeout_ms;
}

#define RELOAD_ERR(errs, line, sect, ...) do { \
	if (errs) { \
		fprintf(errs, "%s:%d: [%s]: ", next->file, line, sect); \
		fprintf(errs, __VA_ARGS__); \
		fputc('\n', errs); \
	} \
	nerr++; \
} while (0)

static int reload_mailbox(const struct tp_actor_conf *c, const struct tp_actor_conf *n,
			  const struct tp_topology *next, FILE *errs)
{
	char sect[TP_NAME_MAX + 8];
	int nerr = 0;
	snprintf(sect, sizeof sect, "actor %s", n->name);
#define MBOX_U32(f) \
	if (c->f != n->f) \
		RELOAD_ERR(errs, n->line, sect, "%s changed from %u to %u: a running " \
			   "node keeps its mailboxes; stop the node to apply it", \
			   #f, (unsigned)c->f, (unsigned)n->f)
	MBOX_U32(depth);
	MBOX_U32(msg_max);
	MBOX_U32(spin_us);
#undef MBOX_U32
	if (c->when_full != n->when_full)
		RELOAD_ERR(errs, n->line, sect, "when_full changed from %s to %s: a running "
			   "node keeps its mailboxes; stop the node to apply it",
			   tp_when_full_name(c->when_full), tp_when_full_name(n->when_full));
	if (c->privs.owned != n->privs.owned || c->privs.box_uid != n->privs.box_uid ||
	    c->privs.box_gid != n->privs.box_gid || c->privs.box_mode != n->privs.box_mode)
		RELOAD_ERR(errs, n->line, sect, "its mailbox's owner, group or mode changed "
			   "(user, group or accept_from): a running node keeps its "
			   "mailboxes; stop the node to apply it");
	if (strcmp(c->transport, n->transport))
		RELOAD_ERR(errs, n->line, sect, "transport changed from %s to %s: a running "
			   "node keeps its mailboxes; stop the node to apply it",
			   c->transport, n->transport);
	return nerr;
}

static int reload_node(const struct tp_topology *cur, const struct tp_topology *next,
		       FILE *errs)
{
	const struct tp_node_conf *c = &cur->node, *n = &next->node;
	int nerr = 0;
#define NODE_STR(f) \
	if (strcmp(c->f, n->f)) \
		RELOAD_ERR(errs, n->line, "node", "%s changed from '%s' to '%s': " \
			   "restart the node to apply it", #f, c->f, n->f)
	NODE_STR(name);
	NODE_STR(control);
	NODE_STR(run_dir);
	NODE_STR(log);
	NODE_STR(log_level);
	NODE_STR(log_dir);
	if (c->privs != n->privs || c->node_gid != n->node_gid)
		RELOAD_ERR(errs, n->line, "node", "the node's group, or whether actors run "
			   "as other users, changed: restart the node to apply it");
	if (c->mode != n->mode)
		RELOAD_ERR(errs, n->line, "node", "mode changed from %04o to %04o: "
			   "restart the node to apply it", (unsigned)c->mode, (unsigned)n->mode);
	/* The links: their socket, key and timing are set up once. */
	NODE_STR(listen);
	NODE_STR(key_file);
#undef NODE_STR
#define NODE_INT(f) \
	if (c->f != n->f) \
		RELOAD_ERR(errs, n->line, "node", "%s changed from %d to %d: " \
			   "restart the node to apply it", #f, c->f, n->f)
	NODE_INT(link_heartbeat_ms);
	NODE_INT(link_dead_ms);
	NODE_INT(link_hold_ms);
	NODE_INT(link_frame_max);
#undef NODE_INT
	return nerr;
}

/* The [peer] sections: each link's connection, queue and outbox live as
 * long as the daemon. */
static int reload_peers(const struct tp_topology *cur, const struct tp_topology *next,
			FILE *errs)
{
	char sect[TP_NAME_MAX + 8];
	int nerr = 0;
	for (unsigned i = 0; i < next->n_peers; i++) {
		const struct tp_peer_conf *n = &next->peers[i], *c = NULL;
		for (unsigned k = 0; k < cur->n_peers && !c; k++)
			if (strcmp(cur->peers[k].name, n->name) == 0)
				c = &cur->peers[k];
		snprintf(sect, sizeof sect, "peer %s", n->name);
		if (!c) {
			RELOAD_ERR(errs, n->line, sect, "a new peer: restart the node to apply it");
			continue;
		}
		if (c != &cur->peers[i])
			RELOAD_ERR(errs, n->line, sect, "moved among the [peer] sections: "
				   "restart the node to apply it");
		if (strcmp(c->address, n->address))
			RELOAD_ERR(errs, n->line, sect, "address changed from '%s' to '%s': "
				   "restart the node to apply it", c->address, n->address);
		if (c->queue != n->queue)
			RELOAD_ERR(errs, n->line, sect, "queue changed from %u to %u: "
				   "restart the node to apply it", (unsigned)c->queue,
				   (unsigned)n->queue);
		if (c->depth != n->depth)
			RELOAD_ERR(errs, n->line, sect, "depth changed from %u to %u: "
				   "restart the node to apply it", (unsigned)c->depth,
				   (unsigned)n->depth);
		if (c->when_full != n->when_full)
			RELOAD_ERR(errs, n->line, sect, "when_full changed from %s to %s: "
				   "restart the node to apply it", tp_when_full_name(c->when_full),
				   tp_when_full_name(n->when_full));
		if (memcmp(&c->export_topics, &n->export_topics, sizeof c->export_topics) ||
		    memcmp(&c->import_topics, &n->import_topics, sizeof c->import_topics))
			RELOAD_ERR(errs, n->line, sect, "export_topics or import_topics "
				   "changed: restart the node to apply it");
	}
	for (unsigned k = 0; k < cur->n_peers; k++) {
		bool kept = false;
		for (unsigned i = 0; i < next->n_peers && !kept; i++)
			kept = strcmp(cur->peers[k].name, next->peers[i].name) == 0;
		snprintf(sect, sizeof sect, "peer %s", cur->peers[k].name);
		if (!kept)
			RELOAD_ERR(errs, next->node.line, sect, "removed: restart the node "
				   "to apply it");
	}
	/* Each peer takes two registry entries (linkd.c). */
	if (!nerr && next->n_peers &&
	    next->n_actors + 1 + 2 * next->n_peers > TP_REG_MAX)
		RELOAD_ERR(errs, next->node.line, "node", "%u actors and %u peers do not "
			   "fit the registry (at most %d entries, each peer takes 2)",
			   next->n_actors, next->n_peers, TP_REG_MAX);
	return nerr;
}

/* Topics: the declared subscriptions and [topic] sections are written
 * into the node's topic table once, before any actor runs (a publisher
 * may be delivering by them at any instant); a reload that changes them
 * is refused, not half applied. */
static int reload_topics(const struct tp_topology *cur, const struct tp_topology *next,
			 FILE *errs)
{
	char sect[TP_TOPIC_MAX + 16];
	int nerr = 0;
	for (unsigned i = 0; i < next->n_actors; i++) {
		const struct tp_actor_conf *n = &next->actors[i];
		int o = reload_find(cur, n->name);
		const char *was = o < 0 ? "" : cur->actors[o].subscribe;
		snprintf(sect, sizeof sect, "actor %s", n->name);
		if (strcmp(was, n->subscribe))
			RELOAD_ERR(errs, n->subscribe_line ? n->subscribe_line : n->line, sect,
				   "subscribe changed from '%s' to '%s': subscriptions are set "
				   "up once; restart the node to apply it", was, n->subscribe);
	}
	for (unsigned o = 0; o < cur->n_actors; o++)
		if (cur->actors[o].subscribe[0] && reload_find(next, cur->actors[o].name) < 0) {
			snprintf(sect, sizeof sect, "actor %s", cur->actors[o].name);
			RELOAD_ERR(errs, next->node.line, sect, "removed with its subscriptions "
				   "('%s'): restart the node to apply it",
				   cur->actors[o].subscribe);
		}
	bool same = cur->n_topics == next->n_topics;
	for (unsigned k = 0; same && k < next->n_topics; k++)
		same = strcmp(cur->topics[k].name, next->topics[k].name) == 0 &&
		       cur->topics[k].retained == next->topics[k].retained;
	if (!same)
		RELOAD_ERR(errs, next->n_topics ? next->topics[0].line : next->node.line,
			   next->n_topics ? "topic" : "node", "the [topic] sections changed: "
			   "topics are set up once; restart the node to apply it");
	return nerr;
}

int tp_reload_plan(const struct tp_topology *cur, const struct tp_topology *next,
		   struct tp_reload_plan *p, FILE *errs)
{
	memset(p, 0, sizeof *p);
	int nerr = reload_node(cur, next, errs) + reload_peers(cur, next, errs) +
		   reload_topics(cur, next, errs);
	uint64_t seen = 0;
	for (unsigned i = 0; i < next->n_actors; i++) {
		const struct tp_actor_conf *n = &next->actors[i];
		int o = reload_find(cur, n->name);
		p->old_ix[i] = o;
		if (o < 0) {
			p->act[i] = TP_RELOAD_START;
			p->n_start++;
			continue;
		}
		seen |= (uint64_t)1 << o;
		const struct tp_actor_conf *c = &cur->actors[o];
		nerr += reload_mailbox(c, n, next, errs);
		if (reload_changed(cur, c, next, n)) {
			p->act[i] = TP_RELOAD_RESTART;
			p->n_restart++;
		} else {
			p->act[i] = TP_RELOAD_KEEP;
			p->n_keep++;
		}
	}
	for (unsigned o = 0; o < cur->n_actors; o++)
		if (!(seen & ((uint64_t)1 << o))) {
			p->removed |= (uint64_t)1 << o;
			p->n_stop++;
		}
	return nerr;
}
