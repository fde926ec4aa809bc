/* Topology file parsing and validation (see topo.h).  inih splits the
 * lines; this file counts them, tracks sections and checks every value, so
 * that each error can be reported with its file, line and section. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>
#include "transport.h"
#include "topo.h"
#include "topo_msgids.h"
#include "link_access.h"
#include "topictab.h"

_Static_assert(sizeof "auto" <= TP_TRANSPORT_NAME_MAX + 1, "transport = auto must fit");

enum topo_kind { TOPO_NONE, TOPO_NODE, TOPO_ACTOR, TOPO_SUP, TOPO_PEER, TOPO_TOPIC,
		 TOPO_IGNORED };

struct topo_key;
struct topo_ctx;
typedef void topo_parse_fn(struct topo_ctx *c, const struct topo_key *k,
			   const char *val, void *field);

struct topo_key {
	const char *name;
	topo_parse_fn *parse;
	size_t off;
	size_t size;     /* string fields: capacity */
	long min, max;   /* numeric fields */
};

#define TOPO_KEYS_MAX 32

struct topo_ctx {
	struct tp_topology *t;
	FILE *fp;
	FILE *errs;
	int errors;
	int line;                  /* line the reader handed to inih last */
	char *buf;                 /* getline's buffer */
	size_t cap;
	enum topo_kind kind;
	char label[80];            /* "node", "actor sensor": for messages */
	int sect_line;
	void *base;                /* struct being filled: node, actor or scratch */
	const struct topo_key *keys;
	int seen[TOPO_KEYS_MAX];   /* line where each key was set, 0 if not */
	int read_errno;
	unsigned actor_sections;   /* including those in error */
	bool node_name_given;      /* even if invalid: then "missing" would mislead */
	struct tp_node_conf scratch_node;
	struct tp_actor_conf scratch_actor;
	struct tp_sup_conf scratch_sup;
	struct tp_peer_conf scratch_peer;
	struct tp_topic_conf scratch_topic;
	int order;                 /* sections of actors and supervisors so far */
	bool template_section;     /* the actor section is a [template NAME] */
};

static void topo_err_at(struct topo_ctx *c, int line, const char *label,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

void tp_topology_verr(FILE *errs, const char *file, int line, const char *label,
		      const char *fmt, va_list ap)
{
	if (!errs)
		return;
	fprintf(errs, "%s:", file);
	if (line > 0)
		fprintf(errs, "%d:", line);
	if (label && *label)
		fprintf(errs, " [%s]:", label);
	fputc(' ', errs);
	vfprintf(errs, fmt, ap);
	fputc('\n', errs);
}

static void topo_err_at(struct topo_ctx *c, int line, const char *label,
			const char *fmt, ...)
{
	c->errors++;
	va_list ap;
	va_start(ap, fmt);
	tp_topology_verr(c->errs, c->t->file, line, label, fmt, ap);
	va_end(ap);
}

#define topo_err(c, ...) topo_err_at((c), (c)->line, (c)->label, __VA_ARGS__)

/* A line that loads, but should change: said in the same form as an
 * error ("FILE:LINE: [section]: warning: ..."), not counted as one. */
static void topo_warn(struct topo_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void topo_warn(struct topo_ctx *c, const char *fmt, ...)
{
	c->t->n_warnings++;
	if (!c->errs)
		return;
	fprintf(c->errs, "%s:%d: [%s]: warning: ", c->t->file, c->line, c->label);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(c->errs, fmt, ap);
	va_end(ap);
	fputc('\n', c->errs);
}

/* ---------------------------------------------------------------- values */

static bool topo_strtol(const char *s, int base, long *out)
{
	char *end;
	if (*s == '\0' || *s == ' ' || *s == '\t')
		return false;
	errno = 0;
	long v = strtol(s, &end, base);
	if (errno || *end != '\0')
		return false;
	*out = v;
	return true;
}

static bool topo_number(struct topo_ctx *c, const struct topo_key *k,
			const char *val, int base, long *out)
{
	if (!topo_strtol(val, base, out)) {
		topo_err(c, "%s: bad number '%s'", k->name, val);
		return false;
	}
	if (*out < k->min || *out > k->max) {
		if (base == 8)
			topo_err(c, "%s: %s is out of range (%04lo to %04lo)",
				 k->name, val, k->min, k->max);
		else
			topo_err(c, "%s: %s is out of range (%ld to %ld)",
				 k->name, val, k->min, k->max);
		return false;
	}
	return true;
}

static void topo_int(struct topo_ctx *c, const struct topo_key *k,
		     const char *val, void *field)
{
	long v;
	if (topo_number(c, k, val, 10, &v))
		*(int *)field = (int)v;
}

static void topo_u32(struct topo_ctx *c, const struct topo_key *k,
		     const char *val, void *field)
{
	long v;
	if (topo_number(c, k, val, 10, &v))
		*(uint32_t *)field = (uint32_t)v;
}

/* spin_us: microseconds, or auto.  Every spin adapts (transports/shm.c,
 * shm_spin), so auto is only a cap that suits a receiver with a core of
 * its own: a round trip across cores takes a few microseconds. */
#define TOPO_SPIN_AUTO_US 50
static void topo_spin(struct topo_ctx *c, const struct topo_key *k,
		      const char *val, void *field)
{
	if (strcmp(val, "auto") == 0)
		*(uint32_t *)field = TOPO_SPIN_AUTO_US;
	else
		topo_u32(c, k, val, field);
}

/* The owner must keep read-write access, or the daemon could not reopen
 * its own objects. */
static void topo_mode(struct topo_ctx *c, const struct topo_key *k,
		      const char *val, void *field)
{
	long v;
	if (!topo_number(c, k, val, 8, &v))
		return;
	if ((v & 0600) != 0600) {
		topo_err(c, "%s: %s must give the owner read and write (0600)",
			 k->name, val);
		return;
	}
	*(mode_t *)field = (mode_t)v;
}

static bool topo_copy(struct topo_ctx *c, const struct topo_key *k,
		      const char *val, void *field)
{
	size_t n = strlen(val);
	if (n >= k->size) {
		topo_err(c, "%s: value of %zu characters is too long (at most %zu)",
			 k->name, n, k->size - 1);
		return false;
	}
	memcpy(field, val, n + 1);
	return true;
}

static void topo_str(struct topo_ctx *c, const struct topo_key *k,
		     const char *val, void *field)
{
	topo_copy(c, k, val, field);
}

static void topo_nonempty(struct topo_ctx *c, const struct topo_key *k,
			  const char *val, void *field)
{
	if (*val == '\0')
		topo_err(c, "%s: empty value", k->name);
	else
		topo_copy(c, k, val, field);
}

static void topo_exec(struct topo_ctx *c, const struct topo_key *k,
		      const char *val, void *field)
{
	topo_nonempty(c, k, val, field);
	((struct tp_actor_conf *)c->base)->exec_line = c->line;
}

static void topo_words(struct topo_ctx *c, const struct topo_key *k,
		       const char *val, void *field)
{
	char buf[TP_TOPO_STR_MAX];
	char *argv[TP_TOPO_ARGV_MAX];
	int argc = 0;
	int rc = tp_topology_split(val, buf, sizeof buf, argv, &argc,
				   TP_TOPO_ARGV_MAX - 2);
	if (rc == -TP_EINVAL)
		topo_err(c, "%s: unterminated quote in '%s'", k->name, val);
	else if (rc)
		topo_err(c, "%s: too many words in '%s' (at most %d)", k->name,
			 val, TP_TOPO_ARGV_MAX - 2);
	else
		topo_copy(c, k, val, field);
}

/* user, group, actor_user, actor_group, [node] group: a name or a
 * number, looked up later (tp_topology_privs), which says unknown ones
 * at the line kept here. */
static void topo_id(struct topo_ctx *c, const struct topo_key *k,
		    const char *val, void *field)
{
	if (*val == '\0' || strpbrk(val, " \t:,")) {
		topo_err(c, "%s: '%s' is not a user or group name or number", k->name, val);
		return;
	}
	if (!topo_copy(c, k, val, field))
		return;
	if (c->kind == TOPO_ACTOR) {
		struct tp_actor_conf *a = c->base;
		*(strcmp(k->name, "user") == 0 ? &a->user_line : &a->group_line) = c->line;
	} else {
		struct tp_node_conf *n = c->base;
		*(strcmp(k->name, "actor_user") == 0 ? &n->actor_user_line :
		  strcmp(k->name, "actor_group") == 0 ? &n->actor_group_line :
		  &n->group_line) = c->line;
	}
}

/* accept_from: actor names, checked once all sections are read. */
static void topo_accept(struct topo_ctx *c, const struct topo_key *k,
			const char *val, void *field)
{
	((struct tp_actor_conf *)c->base)->accept_line = c->line;
	topo_words(c, k, val, field);
}

static void topo_node_name(struct topo_ctx *c, const struct topo_key *k,
			   const char *val, void *field)
{
	c->node_name_given = true;
	if (!tp_name_is_valid(val))
		topo_err(c, "%s: invalid node name '%s' (1 to %d of A-Z a-z 0-9 _ -)",
			 k->name, val, TP_NAME_MAX);
	else
		topo_copy(c, k, val, field);
}

static void topo_when_full(struct topo_ctx *c, const struct topo_key *k,
			   const char *val, void *field)
{
	if (tp_when_full_parse(val, field))
		topo_err(c, "%s: unknown policy '%s' (block, reject, drop_oldest)",
			 k->name, val);
}

static void topo_transport(struct topo_ctx *c, const struct topo_key *k,
			   const char *val, void *field)
{
	if (tp_transport_find(val) || strcmp(val, "auto") == 0) {
		topo_copy(c, k, val, field);
		return;
	}
	char have[64];
	topo_err(c, "%s: unknown transport '%s' (this build has: %s, auto)", k->name,
		 val, tp_transport_names(0, ", ", have, sizeof have));
}

/* Which remote nodes may send to the actor (link_access.h). */
static void topo_export(struct topo_ctx *c, const struct topo_key *k,
			const char *val, void *field)
{
	struct tp_link_export ex;
	char err[128];
	if (tp_link_export_parse(val, &ex, err, sizeof err))
		topo_err(c, "%s: %s", k->name, err);
	else
		topo_copy(c, k, val, field);
}

/* A peer's export_topics or import_topics: filters (link_topics.h). */
static void topo_topic_rules(struct topo_ctx *c, const struct topo_key *k,
			     const char *val, void *field)
{
	char err[200];
	if (tp_link_topics_parse(val, field, err, sizeof err)) {
		memset(field, 0, sizeof(struct tp_link_topics));
		topo_err(c, "%s: %s", k->name, err);
	}
}

/* The actor's topic subscriptions (topo_topics.c). */
static void topo_subscribe(struct topo_ctx *c, const struct topo_key *k,
			   const char *val, void *field)
{
	struct tp_actor_conf *a = c->base;
	char err[200];
	a->subscribe_line = c->line;
	if (tp_topology_subscribe_parse(val, a->subs, TP_TOPO_SUBS_MAX, &a->n_subs,
					err, sizeof err)) {
		a->n_subs = 0;
		topo_err(c, "%s: %s", k->name, err);
		return;
	}
	topo_copy(c, k, val, field);
}

/* A [topic] section's retain: yes or no. */
static void topo_retain(struct topo_ctx *c, const struct topo_key *k,
			const char *val, void *field)
{
	struct tp_topic_conf *t = c->base;
	if (strcmp(val, "yes") && strcmp(val, "no")) {
		topo_err(c, "%s: '%s' is neither yes nor no", k->name, val);
		return;
	}
	topo_copy(c, k, val, field);
	t->retained = strcmp(val, "yes") == 0;
}

/* host:port, checked for form only: the name is resolved when used. */
static void topo_addr(struct topo_ctx *c, const struct topo_key *k,
		      const char *val, void *field)
{
	const char *colon = strrchr(val, ':');
	long port;
	if (!colon || colon == val || !topo_strtol(colon + 1, 10, &port) ||
	    port < 1 || port > 65535 || strpbrk(val, " \t/")) {
		topo_err(c, "%s: '%s' is not host:port (port 1 to 65535)", k->name, val);
		return;
	}
	topo_copy(c, k, val, field);
	if (c->kind == TOPO_NODE)
		c->t->node.listen_line = c->line;   /* --check's port check names it */
}

static const char *const topo_restart_names[TP_RESTART_COUNT] = {
	[TP_RESTART_PERMANENT] = "permanent",
	[TP_RESTART_TRANSIENT] = "transient",
	[TP_RESTART_TEMPORARY] = "temporary",
};

const char *tp_restart_name(enum tp_restart r)
{
	return (unsigned)r < TP_RESTART_COUNT ? topo_restart_names[r] : "?";
}

static void topo_restart(struct topo_ctx *c, const struct topo_key *k,
			 const char *val, void *field)
{
	for (int i = 0; i < TP_RESTART_COUNT; i++)
		if (strcmp(val, topo_restart_names[i]) == 0) {
			*(enum tp_restart *)field = (enum tp_restart)i;
			return;
		}
	topo_err(c, "%s: unknown restart type '%s' (permanent, transient, temporary)",
		 k->name, val);
}

static const char *const topo_strategy_names[TP_STRATEGY_COUNT] = {
	[TP_STRATEGY_ONE_FOR_ONE] = "one_for_one",
	[TP_STRATEGY_ONE_FOR_ALL] = "one_for_all",
	[TP_STRATEGY_REST_FOR_ONE] = "rest_for_one",
};

const char *tp_strategy_name(enum tp_strategy s)
{
	return (unsigned)s < TP_STRATEGY_COUNT ? topo_strategy_names[s] : "?";
}

static void topo_strategy(struct topo_ctx *c, const struct topo_key *k,
			  const char *val, void *field)
{
	for (int i = 0; i < TP_STRATEGY_COUNT; i++)
		if (strcmp(val, topo_strategy_names[i]) == 0) {
			*(enum tp_strategy *)field = (enum tp_strategy)i;
			return;
		}
	topo_err(c, "%s: unknown strategy '%s' (one_for_one, one_for_all, "
		 "rest_for_one)", k->name, val);
}

/* A supervisor key names a [supervisor] section, checked once all are
 * read (topo_check_tree); here only its form. */
static void topo_parent(struct topo_ctx *c, const struct topo_key *k,
			const char *val, void *field)
{
	if (!tp_name_is_valid(val)) {
		topo_err(c, "%s: invalid supervisor name '%s'", k->name, val);
		return;
	}
	topo_copy(c, k, val, field);
	if (c->kind == TOPO_ACTOR)
		((struct tp_actor_conf *)c->base)->sup_line = c->line;
	else
		((struct tp_sup_conf *)c->base)->sup_line = c->line;
}

static void topo_restart_with(struct topo_ctx *c, const struct topo_key *k,
			      const char *val, void *field)
{
	struct tp_actor_conf *a = c->base;
	if (a->restart_with_line) {
		topo_err(c, "%s: restart_with already set at line %d (links is its old name)",
			 k->name, a->restart_with_line);
		return;
	}
	topo_words(c, k, val, field);
	a->restart_with_line = c->line;
}

/* The old name of restart_with ("link" also names node links): kept for
 * one release, with a warning. */
static void topo_links(struct topo_ctx *c, const struct topo_key *k,
		       const char *val, void *field)
{
	topo_warn(c, "links is deprecated: use restart_with (the same meaning)");
	topo_restart_with(c, k, val, field);
}

static void topo_oneof(struct topo_ctx *c, const struct topo_key *k,
		       const char *val, void *field, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(val, names[i]) == 0) {
			topo_copy(c, k, val, field);
			return;
		}
	char have[96] = "";
	for (int i = 0; names[i]; i++) {
		size_t len = strlen(have);
		snprintf(have + len, sizeof have - len, "%s%s", i ? ", " : "", names[i]);
	}
	topo_err(c, "%s: unknown value '%s' (%s)", k->name, val, have);
}

static void topo_log(struct topo_ctx *c, const struct topo_key *k,
		     const char *val, void *field)
{
	static const char *const names[] = { "stderr", "syslog", NULL };
	topo_oneof(c, k, val, field, names);
}

static void topo_level(struct topo_ctx *c, const struct topo_key *k,
		       const char *val, void *field)
{
	static const char *const names[] = { "error", "warning", "info", "debug", NULL };
	topo_oneof(c, k, val, field, names);
}

/* Only a template has children. */
static void topo_max_children(struct topo_ctx *c, const struct topo_key *k,
			      const char *val, void *field)
{
	if (!c->template_section) {
		topo_err(c, "max_children is for [template NAME] sections");
		return;
	}
	topo_int(c, k, val, field);
	((struct tp_actor_conf *)c->base)->max_children_line = c->line;
}

static void topo_ready(struct topo_ctx *c, const struct topo_key *k,
		       const char *val, void *field)
{
	static const char *const names[] = { "init", "exec", NULL };
	topo_oneof(c, k, val, field, names);
}

#define NODE_KEY(n, fn, lo, hi) \
	{ #n, fn, offsetof(struct tp_node_conf, n), \
	  sizeof ((struct tp_node_conf *)0)->n, lo, hi }
#define ACTOR_KEY(n, fn, lo, hi) \
	{ #n, fn, offsetof(struct tp_actor_conf, n), \
	  sizeof ((struct tp_actor_conf *)0)->n, lo, hi }

static const struct topo_key topo_node_keys[] = {
	NODE_KEY(name, topo_node_name, 0, 0),
	NODE_KEY(mode, topo_mode, 0, 0777),
	NODE_KEY(send_timeout_ms, topo_int, 0, 3600000),
	NODE_KEY(restart_limit, topo_int, 0, TP_TOPO_RESTART_LIMIT_MAX),
	NODE_KEY(restart_window_s, topo_int, 1, 86400),
	NODE_KEY(backoff_ms, topo_int, 0, TP_TOPO_BACKOFF_CAP_MS),
	NODE_KEY(shutdown_timeout_ms, topo_int, 0, 600000),
	NODE_KEY(exec_prefix, topo_words, 0, 0),
	NODE_KEY(actor_path, topo_str, 0, 0),
	NODE_KEY(log_dir, topo_str, 0, 0),
	NODE_KEY(strategy, topo_strategy, 0, 0),
	NODE_KEY(backoff_max_ms, topo_int, 0, 3600000),
	NODE_KEY(control, topo_nonempty, 0, 0),
	NODE_KEY(log, topo_log, 0, 0),
	NODE_KEY(log_level, topo_level, 0, 0),
	NODE_KEY(run_dir, topo_str, 0, 0),
	NODE_KEY(listen, topo_addr, 0, 0),
	NODE_KEY(key_file, topo_nonempty, 0, 0),
	NODE_KEY(link_heartbeat_ms, topo_int, 10, 600000),
	NODE_KEY(link_dead_ms, topo_int, 20, 3600000),
	NODE_KEY(link_hold_ms, topo_int, 1, 3600000),
	NODE_KEY(link_frame_max, topo_int, 4096, 1024 * 1024 + 1024),
	NODE_KEY(actor_user, topo_id, 0, 0),
	NODE_KEY(actor_group, topo_id, 0, 0),
	NODE_KEY(group, topo_id, 0, 0),
	{ NULL, NULL, 0, 0, 0, 0 }
};

static const struct topo_key topo_actor_keys[] = {
	ACTOR_KEY(exec, topo_exec, 0, 0),
	ACTOR_KEY(args, topo_words, 0, 0),
	ACTOR_KEY(transport, topo_transport, 0, 0),
	ACTOR_KEY(depth, topo_u32, 1, 65535),
	ACTOR_KEY(msg_max, topo_u32, 64, 1048576),
	ACTOR_KEY(restart, topo_restart, 0, 0),
	ACTOR_KEY(exec_prefix, topo_words, 0, 0),
	ACTOR_KEY(when_full, topo_when_full, 0, 0),
	ACTOR_KEY(spin_us, topo_spin, 0, 10000),
	ACTOR_KEY(supervisor, topo_parent, 0, 0),
	ACTOR_KEY(shutdown_ms, topo_int, 0, 600000),
	ACTOR_KEY(restart_with, topo_restart_with, 0, 0),
	{ "links", topo_links, offsetof(struct tp_actor_conf, restart_with),
	  sizeof ((struct tp_actor_conf *)0)->restart_with, 0, 0 },
	ACTOR_KEY(export, topo_export, 0, 0),
	ACTOR_KEY(ready, topo_ready, 0, 0),
	ACTOR_KEY(start_timeout_ms, topo_int, 1, 600000),
	ACTOR_KEY(subscribe, topo_subscribe, 0, 0),
	ACTOR_KEY(watchdog_ms, topo_int, 0, 3600000),
	ACTOR_KEY(max_children, topo_max_children, 0, TP_REG_ACTORS_MAX),
	ACTOR_KEY(user, topo_id, 0, 0),
	ACTOR_KEY(group, topo_id, 0, 0),
	ACTOR_KEY(accept_from, topo_accept, 0, 0),
	{ NULL, NULL, 0, 0, 0, 0 }
};

static const struct topo_key topo_topic_keys[] = {
	{ "retain", topo_retain, offsetof(struct tp_topic_conf, retain),
	  sizeof ((struct tp_topic_conf *)0)->retain, 0, 0 },
	{ NULL, NULL, 0, 0, 0, 0 }
};

#define SUP_KEY(n, fn, lo, hi) \
	{ #n, fn, offsetof(struct tp_sup_conf, n), \
	  sizeof ((struct tp_sup_conf *)0)->n, lo, hi }

static const struct topo_key topo_sup_keys[] = {
	SUP_KEY(strategy, topo_strategy, 0, 0),
	SUP_KEY(restart, topo_restart, 0, 0),
	SUP_KEY(restart_limit, topo_int, 0, TP_TOPO_RESTART_LIMIT_MAX),
	SUP_KEY(restart_window_s, topo_int, 1, 86400),
	SUP_KEY(backoff_ms, topo_int, 0, TP_TOPO_BACKOFF_CAP_MS),
	SUP_KEY(backoff_max_ms, topo_int, 0, 3600000),
	SUP_KEY(supervisor, topo_parent, 0, 0),
	{ NULL, NULL, 0, 0, 0, 0 }
};

#define PEER_KEY(n, fn, lo, hi) \
	{ #n, fn, offsetof(struct tp_peer_conf, n), \
	  sizeof ((struct tp_peer_conf *)0)->n, lo, hi }

static const struct topo_key topo_peer_keys[] = {
	PEER_KEY(address, topo_addr, 0, 0),
	PEER_KEY(queue, topo_u32, 1, 65535),
	PEER_KEY(when_full, topo_when_full, 0, 0),
	PEER_KEY(depth, topo_u32, 1, 65535),
	PEER_KEY(export_topics, topo_topic_rules, 0, 0),
	PEER_KEY(import_topics, topo_topic_rules, 0, 0),
	{ NULL, NULL, 0, 0, 0, 0 }
};

_Static_assert(sizeof topo_node_keys / sizeof topo_node_keys[0] <= TOPO_KEYS_MAX + 1,
	       "raise TOPO_KEYS_MAX");

/* ---------------------------------------------------------------- sections */

static void topo_node_defaults(struct tp_node_conf *n)
{
	memset(n, 0, sizeof *n);
	n->mode = TP_TOPO_MODE_DEFAULT;
	n->send_timeout_ms = TP_TOPO_SEND_TIMEOUT_DEFAULT;
	n->restart_limit = TP_TOPO_RESTART_LIMIT_DEFAULT;
	n->restart_window_s = TP_TOPO_RESTART_WINDOW_DEFAULT;
	n->backoff_ms = TP_TOPO_BACKOFF_DEFAULT;
	n->shutdown_timeout_ms = TP_TOPO_SHUTDOWN_TIMEOUT_DEFAULT;
	n->backoff_max_ms = TP_TOPO_BACKOFF_CAP_MS;
	snprintf(n->log, sizeof n->log, "stderr");
	snprintf(n->log_level, sizeof n->log_level, "info");
}

static void topo_sup_defaults(struct tp_sup_conf *s, const char *name, int line,
			      int order)
{
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->restart_limit = TP_TOPO_RESTART_LIMIT_DEFAULT;
	s->restart_window_s = TP_TOPO_RESTART_WINDOW_DEFAULT;
	s->backoff_ms = TP_TOPO_BACKOFF_DEFAULT;
	s->backoff_max_ms = TP_TOPO_BACKOFF_CAP_MS;
	s->line = line;
	s->order = order;
}

static void topo_actor_defaults(struct tp_actor_conf *a, const char *name, int line)
{
	memset(a, 0, sizeof *a);
	snprintf(a->name, sizeof a->name, "%s", name);
	snprintf(a->transport, sizeof a->transport, "mq");
	a->depth = TP_TOPO_DEPTH_DEFAULT;
	a->msg_max = TP_TOPO_MSG_MAX_DEFAULT;
	a->restart = TP_RESTART_PERMANENT;
	a->line = line;
	a->shutdown_ms = -1;
	snprintf(a->ready, sizeof a->ready, "init");
	a->start_timeout_ms = TP_TOPO_START_TIMEOUT_DEFAULT;
}

static unsigned topo_key_index(const struct topo_key *keys, const char *name)
{
	unsigned i = 0;
	while (keys[i].name && strcmp(keys[i].name, name) != 0)
		i++;
	return i;
}

/* Checks the section just ended for its required keys. */
static void topo_section_end(struct topo_ctx *c)
{
	if (c->kind == TOPO_ACTOR && !c->seen[0])
		topo_err_at(c, c->sect_line, c->label, "missing key 'exec'");
	/* The watchdog reads the progress libtroupe reports: a program that
	 * is no Troupe actor reports none, and would look hung. */
	const struct tp_actor_conf *a = c->base;
	if (c->kind == TOPO_ACTOR && c->template_section && a->restart_with[0])
		topo_err_at(c, a->restart_with_line, c->label, "restart_with is not for "
			    "templates: a child is restarted alone or by its supervisor's strategy");
	if (c->kind == TOPO_ACTOR && a->watchdog_ms && strcmp(a->ready, "exec") == 0)
		topo_err_at(c, c->seen[topo_key_index(topo_actor_keys, "watchdog_ms")],
			    c->label, "watchdog_ms needs ready = init: a program that is "
			    "no Troupe actor reports no progress");
	if (c->kind == TOPO_PEER && !c->seen[0])
		topo_err_at(c, c->sect_line, c->label, "missing key 'address'");
	c->kind = TOPO_NONE;
}

/* The struct a new [KIND NAME] section fills: the next of *n (at most
 * max) in arr (elements of size bytes), or c's scratch struct when the
 * name is invalid (bad: why, else NULL), taken (dup_line > 0: where
 * first) or there is no room, each said with the file's line. */
static void *topo_slot(struct topo_ctx *c, void *scratch, const char *kind, const char *name,
		       const char *bad, int dup_line, unsigned *n, unsigned max, void *arr,
		       size_t size)
{
	if (bad) {
		topo_err(c, "invalid %s name '%s' (%s)", strcmp(kind, "peer") ? kind : "node",
			 name, bad);
		return scratch;
	}
	if (dup_line > 0) {
		topo_err(c, "duplicate %s '%s' (first at line %d)", kind, name, dup_line);
		return scratch;
	}
	if (*n >= max) {
		topo_err(c, "too many %ss (at most %u)", kind, max);
		return scratch;
	}
	return (char *)arr + (size_t)(*n)++ * size;
}

#define TOPO_NAME_RULE "1 to 31 of A-Z a-z 0-9 _ -"
_Static_assert(TP_NAME_MAX == 31, "TOPO_NAME_RULE");
#define TOPO_BAD_NAME(name) (tp_name_is_valid(name) ? NULL : TOPO_NAME_RULE)
#define TOPO_DUP_LINE(p) ((p) ? (p)->line : 0)

static const struct tp_actor_conf *topo_find_actor(const struct tp_topology *t,
						   const char *name)
{
	for (unsigned i = 0; i < t->n_actors; i++)
		if (strcmp(t->actors[i].name, name) == 0)
			return &t->actors[i];
	return NULL;
}

const struct tp_actor_conf *tp_topology_template(const struct tp_topology *t,
						 const char *name)
{
	for (unsigned i = 0; i < t->n_templates; i++)
		if (strcmp(t->templates[i].name, name) == 0)
			return &t->templates[i];
	return NULL;
}

int tp_topology_child(const struct tp_actor_conf *tmpl, const char *name, const char *args,
		      struct tp_actor_conf *child, char *why, size_t n)
{
	if (!tp_name_is_valid(name)) {
		snprintf(why, n, "invalid actor name '%s' (1 to %d of A-Z a-z 0-9 _ -)",
			 name, TP_NAME_MAX);
		return -TP_EINVAL;
	}
	if (!args)
		args = "";
	*child = *tmpl;
	snprintf(child->name, sizeof child->name, "%s", name);
	snprintf(child->template_of, sizeof child->template_of, "%s", tmpl->name);
	child->max_children = 0;
	if (strlen(args) >= sizeof child->spawn_args ||
	    (size_t)snprintf(child->args, sizeof child->args, "%s%s%s", tmpl->args,
			     tmpl->args[0] && args[0] ? " " : "", args) >= sizeof child->args) {
		snprintf(why, n, "the arguments do not fit: at most %zu characters with "
			 "the template's", sizeof child->args - 1);
		return -TP_ETOOBIG;
	}
	snprintf(child->spawn_args, sizeof child->spawn_args, "%s", args);
	char buf[TP_TOPO_STR_MAX];
	char *argv[TP_TOPO_ARGV_MAX];
	int argc = 0;
	if (tp_topology_split(child->args, buf, sizeof buf, argv, &argc, TP_TOPO_ARGV_MAX - 2)) {
		snprintf(why, n, "the arguments do not split into at most %d words "
			 "(an unclosed quote?)", TP_TOPO_ARGV_MAX - 2);
		return -TP_EINVAL;
	}
	return 0;
}

void tp_topology_renumber(struct tp_topology *t)
{
	int *ord[TP_REG_MAX + TP_TOPO_SUP_MAX];
	unsigned n = 0;
	for (unsigned i = 0; i < t->n_actors; i++)
		ord[n++] = &t->actors[i].order;
	for (unsigned i = 0; i < t->n_sups; i++)
		ord[n++] = &t->sups[i].order;
	for (unsigned i = 1; i < n; i++)   /* insertion sort: stable */
		for (unsigned k = i; k > 0 && *ord[k - 1] > *ord[k]; k--) {
			int *x = ord[k];
			ord[k] = ord[k - 1];
			ord[k - 1] = x;
		}
	for (unsigned i = 0; i < n; i++)
		*ord[i] = (int)i;
}

/* [template NAME]: an actor's keys, for children started at run time. */
static void topo_template_begin(struct topo_ctx *c, const char *name)
{
	struct tp_topology *t = c->t;
	c->kind = TOPO_ACTOR;
	c->template_section = true;
	c->keys = topo_actor_keys;
	c->base = topo_slot(c, &c->scratch_actor, "template", name, TOPO_BAD_NAME(name),
			    TOPO_DUP_LINE(tp_topology_template(t, name)), &t->n_templates,
			    TP_TOPO_TEMPLATES_MAX, t->templates, sizeof t->templates[0]);
	topo_actor_defaults(c->base, name, c->line);
	struct tp_actor_conf *a = c->base;
	a->max_children = TP_TOPO_CHILDREN_DEFAULT;
	a->order = INT_MAX / 2;   /* its children start after the topology's actors */
}

/* Picks where an [actor NAME] section's keys go.  A section in error still
 * has its keys checked, into a scratch struct, so that every error shows. */
static void topo_actor_begin(struct topo_ctx *c, const char *name)
{
	struct tp_topology *t = c->t;
	c->kind = TOPO_ACTOR;
	c->template_section = false;
	c->keys = topo_actor_keys;
	c->actor_sections++;
	c->base = topo_slot(c, &c->scratch_actor, "actor", name, TOPO_BAD_NAME(name),
			    TOPO_DUP_LINE(topo_find_actor(t, name)), &t->n_actors,
			    TP_REG_ACTORS_MAX, t->actors, sizeof t->actors[0]);
	topo_actor_defaults(c->base, name, c->line);
	((struct tp_actor_conf *)c->base)->order = c->order++;
}

static const struct tp_sup_conf *topo_find_sup(const struct tp_topology *t,
					       const char *name)
{
	for (unsigned i = 0; i < t->n_sups; i++)
		if (strcmp(t->sups[i].name, name) == 0)
			return &t->sups[i];
	return NULL;
}

static void topo_sup_begin(struct topo_ctx *c, const char *name)
{
	struct tp_topology *t = c->t;
	c->kind = TOPO_SUP;
	c->keys = topo_sup_keys;
	c->base = topo_slot(c, &c->scratch_sup, "supervisor", name, TOPO_BAD_NAME(name),
			    TOPO_DUP_LINE(topo_find_sup(t, name)), &t->n_sups, TP_TOPO_SUP_MAX,
			    t->sups, sizeof t->sups[0]);
	topo_sup_defaults(c->base, name, c->line, c->order++);
}

static const struct tp_peer_conf *topo_find_peer(const struct tp_topology *t,
						 const char *name)
{
	for (unsigned i = 0; i < t->n_peers; i++)
		if (strcmp(t->peers[i].name, name) == 0)
			return &t->peers[i];
	return NULL;
}

static void topo_peer_begin(struct topo_ctx *c, const char *name)
{
	struct tp_topology *t = c->t;
	c->kind = TOPO_PEER;
	c->keys = topo_peer_keys;
	c->base = topo_slot(c, &c->scratch_peer, "peer", name, TOPO_BAD_NAME(name),
			    TOPO_DUP_LINE(topo_find_peer(t, name)), &t->n_peers, TP_TOPO_PEER_MAX,
			    t->peers, sizeof t->peers[0]);
	struct tp_peer_conf *p = c->base;
	memset(p, 0, sizeof *p);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->queue = TP_TOPO_PEER_QUEUE_DEFAULT;
	p->when_full = TP_FULL_BLOCK;
	p->depth = TP_TOPO_DEPTH_DEFAULT;
	p->line = c->line;
}

static const struct tp_topic_conf *topo_find_topic(const struct tp_topology *t,
						   const char *name)
{
	for (unsigned i = 0; i < t->n_topics; i++)
		if (strcmp(t->topics[i].name, name) == 0)
			return &t->topics[i];
	return NULL;
}

/* [topic NAME]: a topic's own settings (retain).  NAME is a topic, not a
 * filter: a retained value belongs to one topic. */
static void topo_topic_begin(struct topo_ctx *c, const char *name)
{
	struct tp_topology *t = c->t;
	c->kind = TOPO_TOPIC;
	c->keys = topo_topic_keys;
	char rule[96];
	snprintf(rule, sizeof rule, "at most %d characters of printable ASCII, no blanks, "
		 "no '+' or '#'", TP_TOPIC_MAX);
	c->base = topo_slot(c, &c->scratch_topic, "topic", name,
			    tp_topic_name_check(name) ? rule : NULL,
			    TOPO_DUP_LINE(topo_find_topic(t, name)), &t->n_topics,
			    TP_TOPO_TOPICS_MAX, t->topics, sizeof t->topics[0]);
	struct tp_topic_conf *tc = c->base;
	memset(tc, 0, sizeof *tc);
	snprintf(tc->name, sizeof tc->name, "%s", name);
	tc->line = c->line;
}

static void topo_node_begin(struct topo_ctx *c)
{
	c->kind = TOPO_NODE;
	c->keys = topo_node_keys;
	c->base = &c->t->node;
	if (c->t->node.line) {
		topo_err(c, "duplicate section [node] (first at line %d)", c->t->node.line);
		topo_node_defaults(&c->scratch_node);
		c->base = &c->scratch_node;
		return;
	}
	c->t->node.line = c->line;
}

static void topo_section_begin(struct topo_ctx *c, char *sect)
{
	topo_section_end(c);
	memset(c->seen, 0, sizeof c->seen);
	c->sect_line = c->line;
	snprintf(c->label, sizeof c->label, "%s", sect);
	if (strcmp(sect, "node") == 0) {
		topo_node_begin(c);
	} else if (strncmp(sect, "actor", 5) == 0 && (sect[5] == ' ' || sect[5] == '\t')) {
		char *name = sect + 5;
		name += strspn(name, " \t");
		topo_actor_begin(c, name);
	} else if (strncmp(sect, "template", 8) == 0 && (sect[8] == ' ' || sect[8] == '\t')) {
		topo_template_begin(c, sect + 8 + strspn(sect + 8, " \t"));
	} else if (strncmp(sect, "supervisor", 10) == 0 &&
		   (sect[10] == ' ' || sect[10] == '\t')) {
		topo_sup_begin(c, sect + 10 + strspn(sect + 10, " \t"));
	} else if (strncmp(sect, "peer", 4) == 0 && (sect[4] == ' ' || sect[4] == '\t')) {
		topo_peer_begin(c, sect + 4 + strspn(sect + 4, " \t"));
	} else if (strncmp(sect, "topic", 5) == 0 && (sect[5] == ' ' || sect[5] == '\t')) {
		topo_topic_begin(c, sect + 5 + strspn(sect + 5, " \t"));
	} else if (strcmp(sect, "actor") == 0) {
		topo_err(c, "actor section without a name (write [actor NAME])");
		c->kind = TOPO_IGNORED;
	} else {
		topo_err(c, "unknown section [%s] (expected [node], [actor NAME], "
			 "[supervisor NAME], [template NAME], [peer NAME] or [topic NAME])", sect);
		c->kind = TOPO_IGNORED;
	}
}

/* ---------------------------------------------------------------- lines */

static char *topo_trim(char *s)
{
	s += strspn(s, " \t");
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

static bool topo_is_comment(const char *s)
{
	return *s == '\0' || *s == ';' || *s == '#';
}

/* Checks a section header line; returns false on a syntax error. */
static bool topo_header(struct topo_ctx *c, char *s)
{
	char *end = strchr(s, ']');
	if (!end) {
		topo_err(c, "syntax error: '[' without ']'");
		return false;
	}
	char *rest = topo_trim(end + 1);
	if (!topo_is_comment(rest)) {
		topo_err(c, "syntax error: unexpected '%s' after ']'", rest);
		return false;
	}
	char tmp[128];
	size_t n = (size_t)(end - s - 1);
	if (n >= sizeof tmp)
		n = sizeof tmp - 1;
	memcpy(tmp, s + 1, n);
	tmp[n] = '\0';
	topo_section_begin(c, topo_trim(tmp));
	return true;
}

/* inih's reader, called once per line: numbers the lines (Debian's inih
 * does not pass them to the handler), follows sections, and reports every
 * syntax error itself (inih reports only the first).  Lines are handed on
 * without leading blanks so that inih never joins continuation lines. */
static char *topo_reader(char *str, int num, void *stream)
{
	struct topo_ctx *c = stream;
	errno = 0;
	ssize_t len = getline(&c->buf, &c->cap, c->fp);
	if (len < 0) {
		c->read_errno = errno;
		return NULL;
	}
	c->line++;
	char *s = c->buf;
	if (c->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	s = topo_trim(s);
	str[0] = '\0';
	if (strlen(s) + 3 > (size_t)num) {
		topo_err(c, "line is longer than %d characters", num - 3);
		return str;
	}
	if (topo_is_comment(s))
		return str;
	if (*s == '[') {
		topo_header(c, s);
		return str;
	}
	if (!strpbrk(s, "=:")) {
		topo_err(c, "syntax error: expected 'key = value', got '%s'", s);
		return str;
	}
	snprintf(str, (size_t)num, "%s\n", s);
	return str;
}

static int topo_handler(void *user, const char *section, const char *name,
			const char *value)
{
	struct topo_ctx *c = user;
	(void)section;
	if (!name || !value || c->kind == TOPO_IGNORED)
		return 1;
	if (c->kind == TOPO_NONE) {
		topo_err(c, "key '%s' outside any section", name);
		return 1;
	}
	int i = 0;
	while (c->keys[i].name && strcmp(c->keys[i].name, name) != 0)
		i++;
	const struct topo_key *k = &c->keys[i];
	if (!k->name) {
		topo_err(c, "unknown key '%s'", name);
		return 1;
	}
	if (c->seen[i]) {
		topo_err(c, "duplicate key '%s' (first at line %d)", name, c->seen[i]);
		return 1;
	}
	c->seen[i] = c->line;
	k->parse(c, k, value, (char *)c->base + k->off);
	return 1;
}

/* ---------------------------------------------------------------- paths */

/* Default actor path: next to the troupe executable, as built
 * (build/<target>/actors) and as installed (PREFIX/libexec/troupe). */
static void topo_default_actor_path(char *out, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0) {
		snprintf(out, n, "/usr/libexec/troupe");
		return;
	}
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	if ((size_t)snprintf(out, n, "%.*s/../actors:%.*s/../libexec/troupe",
			     (int)(n / 2 - 32), exe, (int)(n / 2 - 32), exe) >= n)
		snprintf(out, n, "/usr/libexec/troupe");
}

/* Makes each relative entry of the file's actor_path relative to the
 * file's directory, as exec paths are. */
static void topo_anchor_path(struct topo_ctx *c)
{
	struct tp_node_conf *nd = &c->t->node;
	char out[TP_TOPO_PATH_MAX] = "";
	size_t len = 0;
	char *save, *dir;
	for (dir = strtok_r(nd->actor_path, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		int w = snprintf(out + len, sizeof out - len, "%s%s%s%s",
				 len ? ":" : "", dir[0] == '/' ? "" : c->t->dir,
				 dir[0] == '/' ? "" : "/", dir);
		if (w < 0 || (size_t)w >= sizeof out - len) {
			topo_err_at(c, nd->line, "node", "actor_path: too long");
			return;
		}
		len += (size_t)w;
	}
	memcpy(nd->actor_path, out, len + 1);
}

static void topo_set_dir(struct tp_topology *t, const char *path)
{
	char tmp[TP_TOPO_PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	char *slash = strrchr(tmp, '/');
	if (slash == tmp)
		tmp[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(tmp, sizeof tmp, ".");
	char *abs = realpath(tmp, NULL);
	snprintf(t->dir, sizeof t->dir, "%s", abs ? abs : tmp);
	free(abs);
}

/* Every supervisor named exists, the supervisors form a tree (no cycle),
 * and every link names another actor. */
static void topo_check_tree(struct topo_ctx *c)
{
	struct tp_topology *t = c->t;
	for (unsigned i = 0; i < t->n_actors; i++) {
		struct tp_actor_conf *a = &t->actors[i];
		char label[48];
		snprintf(label, sizeof label, "actor %s", a->name);
		if (a->supervisor[0] && !topo_find_sup(t, a->supervisor))
			topo_err_at(c, a->sup_line, label, "supervisor: no [supervisor %s]",
				    a->supervisor);
		char buf[TP_TOPO_STR_MAX];
		char *argv[TP_TOPO_ARGV_MAX];
		int argc = 0;
		if (tp_topology_split(a->restart_with, buf, sizeof buf, argv, &argc,
				      TP_TOPO_ARGV_MAX - 2))
			continue;   /* already reported */
		for (int k = 0; k < argc; k++)
			if (strcmp(argv[k], a->name) == 0)
				topo_err_at(c, a->restart_with_line, label, "restart_with: an "
					    "actor cannot be restarted with itself");
			else if (!topo_find_actor(t, argv[k]))
				topo_err_at(c, a->restart_with_line, label,
					    "restart_with: no actor '%s'", argv[k]);
	}
	for (unsigned i = 0; i < t->n_templates; i++) {
		const struct tp_actor_conf *a = &t->templates[i];
		char label[48];
		snprintf(label, sizeof label, "template %s", a->name);
		if (a->supervisor[0] && !topo_find_sup(t, a->supervisor))
			topo_err_at(c, a->sup_line, label, "supervisor: no [supervisor %s]",
				    a->supervisor);
	}
	for (unsigned i = 0; i < t->n_sups; i++) {
		struct tp_sup_conf *s = &t->sups[i];
		char label[48];
		snprintf(label, sizeof label, "supervisor %s", s->name);
		if (s->supervisor[0] && !topo_find_sup(t, s->supervisor)) {
			topo_err_at(c, s->sup_line, label, "supervisor: no [supervisor %s]",
				    s->supervisor);
			continue;
		}
		const struct tp_sup_conf *p = s;
		for (unsigned hops = 0; p && p->supervisor[0]; hops++) {
			p = topo_find_sup(t, p->supervisor);
			if (p == s || hops > t->n_sups) {
				topo_err_at(c, s->sup_line, label, "supervisor: '%s' is "
					    "supervised by itself (a cycle)", s->supervisor);
				break;
			}
		}
	}
}

/* Subscriptions fit the node's table, and drop_oldest needs a mailbox a
 * publisher can take mail out of. */
static void topo_check_topics(struct topo_ctx *c)
{
	struct tp_topology *t = c->t;
	unsigned total = 0;
	for (unsigned i = 0; i < t->n_actors; i++) {
		struct tp_actor_conf *a = &t->actors[i];
		char label[48];
		snprintf(label, sizeof label, "actor %s", a->name);
		total += a->n_subs;
		if (total > TP_TT_SUBS_MAX && total - a->n_subs <= TP_TT_SUBS_MAX)
			topo_err_at(c, a->subscribe_line, label, "subscribe: more than %d "
				    "subscriptions on the node", TP_TT_SUBS_MAX);
		const struct tp_transport *tr = tp_transport_find(a->transport);
		if (!tr || (tr->caps & TP_CAP_DROP_OLDEST))
			continue;   /* auto is mq or shm */
		for (unsigned k = 0; k < a->n_subs; k++) {
			if (a->subs[k].policy != TP_TOPIC_DROP_OLDEST)
				continue;
			char with[64];
			topo_err_at(c, a->subscribe_line, label, "subscribe: '%s' drops the "
				    "oldest (the default), which is not possible on %s (a "
				    "publisher cannot take mail out of its mailbox): write '%s "
				    "drop_newest', or transport = %s", a->subs[k].filter,
				    tr->name, a->subs[k].filter,
				    tp_transport_names(TP_CAP_DROP_OLDEST, " or ", with,
						       sizeof with));
		}
	}
}

/* Links need a key and an address, and a node is not its own peer. */
static void topo_check_links(struct topo_ctx *c)
{
	struct tp_topology *t = c->t;
	const struct tp_node_conf *nd = &t->node;
	for (unsigned i = 0; i < t->n_peers; i++) {
		char label[48];
		snprintf(label, sizeof label, "peer %s", t->peers[i].name);
		if (strcmp(t->peers[i].name, nd->name) == 0)
			topo_err_at(c, t->peers[i].line, label, "a node cannot be its own peer");
	}
	if ((t->n_peers || nd->listen[0]) && !nd->key_file[0])
		topo_err_at(c, nd->line, "node", "node links need key_file (a file of "
			    "32 random bytes, mode 0600)");
	if (t->n_peers && !nd->listen[0])
		topo_err_at(c, nd->line, "node", "[peer] sections need listen = host:port");
	int hb = nd->link_heartbeat_ms ? nd->link_heartbeat_ms : 1000;
	int dead = nd->link_dead_ms ? nd->link_dead_ms : 3000;
	if (dead <= hb)
		topo_err_at(c, nd->line, "node", "link_dead_ms (%d) must be more than "
			    "link_heartbeat_ms (%d)", dead, hb);
}

static void topo_finish(struct topo_ctx *c, const struct tp_topo_opts *opts)
{
	struct tp_topology *t = c->t;
	topo_section_end(c);
	if (opts && opts->node)
		snprintf(t->node.name, sizeof t->node.name, "%s", opts->node);
	if (opts && opts->exec_prefix)
		snprintf(t->node.exec_prefix, sizeof t->node.exec_prefix, "%s",
			 opts->exec_prefix);
	if (!t->node.line && !t->node.name[0])
		topo_err_at(c, 0, NULL, "missing section [node] (with name = NODE)");
	else if (!t->node.name[0] && !c->node_name_given)
		topo_err_at(c, t->node.line, "node", "missing key 'name'");
	if (t->n_actors == 0 && !c->actor_sections)
		topo_err_at(c, 0, NULL, "no actors (add an [actor NAME] section)");
	topo_check_tree(c);
	topo_check_links(c);
	topo_check_topics(c);
	if (opts && opts->actor_path)
		snprintf(t->node.actor_path, sizeof t->node.actor_path, "%s",
			 opts->actor_path);
	else if (t->node.actor_path[0])
		topo_anchor_path(c);
	else
		topo_default_actor_path(t->node.actor_path, sizeof t->node.actor_path);
}

int tp_topology_load(const char *path, const struct tp_topo_opts *opts,
		     struct tp_topology *out, FILE *errs)
{
	struct topo_ctx *c = calloc(1, sizeof *c);
	if (!c) {
		if (errs)
			fprintf(errs, "%s: out of memory\n", path);
		return 1;
	}
	/* All but the actor slots: 64 of them are 120 KiB the daemon would
	 * make resident for nothing; each is cleared when its section begins. */
	size_t slots = offsetof(struct tp_topology, actors), end = slots + sizeof out->actors;
	memset(out, 0, slots);
	memset((char *)out + end, 0, sizeof *out - end);
	snprintf(out->file, sizeof out->file, "%s", path);
	topo_node_defaults(&out->node);
	topo_set_dir(out, path);
	c->t = out;
	c->errs = errs;
	c->fp = fopen(path, "re");
	if (!c->fp) {
		topo_err_at(c, 0, NULL, "cannot open: %s", strerror(errno));
	} else {
		int rc = ini_parse_stream(topo_reader, c, topo_handler, c);
		if (rc < 0)
			topo_err_at(c, c->line, NULL, "cannot parse (inih error %d)", rc);
		if (ferror(c->fp))
			topo_err_at(c, 0, NULL, "cannot read: %s",
				    strerror(c->read_errno ? c->read_errno : EIO));
		fclose(c->fp);
		topo_finish(c, opts);
	}
	int n = c->errors;
	free(c->buf);
	free(c);
	return n;
}

/* ---------------------------------------------------------------- resolve */

static int topo_check_exe(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return errno;
	if (!S_ISREG(st.st_mode))
		return EISDIR;
	return access(path, X_OK) ? errno : 0;
}

static int topo_search(struct tp_actor_conf *a, const char *actor_path)
{
	char dirs[TP_TOPO_PATH_MAX];
	snprintf(dirs, sizeof dirs, "%s", actor_path);
	int found_err = ENOENT;
	char *save, *dir;
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		int w = snprintf(a->path, sizeof a->path, "%s/%s", dir, a->exec);
		if (w < 0 || (size_t)w >= sizeof a->path)
			continue;
		int e = topo_check_exe(a->path);
		if (e == 0)
			return 0;
		if (e != ENOENT)
			found_err = e;   /* exists but unusable: worth saying */
	}
	a->path[0] = '\0';
	return found_err;
}

static int topo_resolve_one(struct tp_topology *t, struct tp_actor_conf *a,
			    FILE *errs)
{
	int e;
	if (strchr(a->exec, '/')) {
		char tmp[sizeof a->path];
		int w = snprintf(tmp, sizeof tmp, "%s%s%s",
				 a->exec[0] == '/' ? "" : t->dir,
				 a->exec[0] == '/' ? "" : "/", a->exec);
		memcpy(a->path, tmp, sizeof tmp);
		e = (w < 0 || (size_t)w >= sizeof a->path) ? ENAMETOOLONG
							    : topo_check_exe(a->path);
		if (e && errs)
			fprintf(errs, "%s:%d: [actor %s]: exec '%s' (%s): %s\n",
				t->file, a->exec_line, a->name, a->exec, a->path,
				strerror(e));
	} else {
		e = topo_search(a, t->node.actor_path);
		if (e && errs)
			fprintf(errs, "%s:%d: [actor %s]: exec '%s': %s in actor_path '%s'\n",
				t->file, a->exec_line, a->name, a->exec,
				e == ENOENT ? "not found" : strerror(e),
				t->node.actor_path);
	}
	return e ? 1 : 0;
}

int tp_topology_resolve(struct tp_topology *t, FILE *errs)
{
	int n = 0;
	for (unsigned i = 0; i < t->n_actors; i++)
		if (t->actors[i].exec[0])   /* else already reported as missing */
			n += topo_resolve_one(t, &t->actors[i], errs);
	for (unsigned i = 0; i < t->n_templates; i++)
		if (t->templates[i].exec[0])
			n += topo_resolve_one(t, &t->templates[i], errs);
	/* The executables known, so are the types they declare. */
	return n ? n : tp_msgids_check(t, errs);
}

/* ---------------------------------------------------------------- split */

int tp_topology_split(const char *s, char *buf, size_t n, char **argv,
		      int *argc, int max)
{
	size_t o = 0;
	while (*s) {
		s += strspn(s, " \t");
		if (!*s)
			break;
		if (*argc >= max)
			return -TP_ELIMIT;
		argv[(*argc)++] = buf + o;
		bool quoted = false;
		for (; *s && (quoted || (*s != ' ' && *s != '\t')); s++) {
			if (*s == '"') {
				quoted = !quoted;
				continue;
			}
			if (o + 1 >= n)
				return -TP_ETOOBIG;
			buf[o++] = *s;
		}
		if (quoted)
			return -TP_EINVAL;
		if (o + 1 > n)
			return -TP_ETOOBIG;
		buf[o++] = '\0';
	}
	argv[*argc] = NULL;
	return 0;
}
