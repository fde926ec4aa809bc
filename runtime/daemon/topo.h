/* The topology file: an INI description of one node and its actors, parsed
 * and fully validated into a plain struct (no I/O beyond reading the file). */
#ifndef TROUPE_TOPOLOGY_H
#define TROUPE_TOPOLOGY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include "troupe/actor.h"
#include "troupe/topic.h"
#include "registry.h"
#include "link_topics.h"
#include "transport.h"

/* Longest string value (inih's line buffer caps lines at 197 characters). */
#define TP_TOPO_STR_MAX 256
#define TP_TOPO_PATH_MAX 1024
/* Most words in exec_prefix + executable + args. */
#define TP_TOPO_ARGV_MAX 64

/* Defaults and limits of the [node] section. */
#define TP_TOPO_MODE_DEFAULT 0600
#define TP_TOPO_SEND_TIMEOUT_DEFAULT 1000
#define TP_TOPO_RESTART_LIMIT_DEFAULT 5
#define TP_TOPO_RESTART_WINDOW_DEFAULT 10
#define TP_TOPO_BACKOFF_DEFAULT 100
#define TP_TOPO_BACKOFF_CAP_MS 5000
#define TP_TOPO_SHUTDOWN_TIMEOUT_DEFAULT 2000
#define TP_TOPO_START_TIMEOUT_DEFAULT 5000
#define TP_TOPO_RESTART_LIMIT_MAX 100
#define TP_TOPO_DEPTH_DEFAULT 10
#define TP_TOPO_MSG_MAX_DEFAULT 1024
/* Supervisors besides the node's own (the root of the tree). */
#define TP_TOPO_SUP_MAX 16
/* Templates of dynamic children ([template NAME]), and the children one
 * may have at once by default (max_children). */
#define TP_TOPO_TEMPLATES_MAX 16
#define TP_TOPO_CHILDREN_DEFAULT 16
/* Other nodes this node links to ([peer NAME] sections). */
#define TP_TOPO_PEER_MAX 16
#define TP_TOPO_PEER_QUEUE_DEFAULT 256
#define TP_TOPO_ADDR_MAX 128

/* Topics (docs/TOPICS.md): subscriptions of one actor, and [topic NAME]
 * sections (as many as the topic table keeps retained values). */
#define TP_TOPO_SUBS_MAX 8
#define TP_TOPO_TOPICS_MAX 32

/* Users and groups (topo_privs.c): a name or a number as written. */
#define TP_TOPO_ID_MAX 64
/* Groups an actor runs with: its own, the user's others, the node's. */
#define TP_TOPO_GROUPS_MAX 32

/* Who actor i runs as and who owns its mailbox, worked out from the
 * user, group and accept_from keys by tp_topology_privs (topo_privs.c).
 * drop: the child changes its credentials to these before exec; else it
 * keeps the daemon's.  owned: the mailbox is given to box_uid:box_gid
 * with box_mode; else it is the daemon's, with the node's mode. */
struct tp_actor_privs {
	bool drop;
	uid_t uid;
	gid_t gid;
	unsigned n_groups;                 /* supplementary, gid included */
	gid_t groups[TP_TOPO_GROUPS_MAX];
	bool owned;
	uid_t box_uid;
	gid_t box_gid;
	mode_t box_mode;
};

/* One filter of an actor's subscribe key. */
struct tp_topo_sub {
	char filter[TP_TOPIC_MAX + 1];
	uint32_t policy;                   /* enum tp_topic_policy */
};

/* A [topic NAME] section. */
struct tp_topic_conf {
	char name[TP_TOPIC_MAX + 1];
	char retain[8];                    /* "yes" or "no" as written */
	bool retained;
	int line;
};

enum tp_restart {
	TP_RESTART_PERMANENT = 0,  /* always restarted */
	TP_RESTART_TRANSIENT = 1,  /* restarted after an abnormal exit only */
	TP_RESTART_TEMPORARY = 2,  /* never restarted */
	TP_RESTART_COUNT
};

enum tp_strategy {
	TP_STRATEGY_ONE_FOR_ONE = 0,   /* restart the dead child only */
	TP_STRATEGY_ONE_FOR_ALL = 1,   /* restart every child */
	TP_STRATEGY_REST_FOR_ONE = 2,  /* the dead child and those after it */
	TP_STRATEGY_COUNT
};

/* A [supervisor NAME] section: an inner node of the supervision tree. */
struct tp_sup_conf {
	char name[TP_NAME_MAX + 1];
	char supervisor[TP_NAME_MAX + 1];  /* parent; empty: the node */
	enum tp_strategy strategy;
	enum tp_restart restart;           /* as a child of its parent */
	int restart_limit;                 /* at most this many restarts ... */
	int restart_window_s;              /* ... in this many seconds */
	int backoff_ms;
	int backoff_max_ms;
	int order;                         /* position among all sections */
	int line;
	int sup_line;                      /* line of its supervisor key, 0 if none */
};

struct tp_actor_conf {
	char name[TP_NAME_MAX + 1];
	char exec[TP_TOPO_STR_MAX];        /* as written */
	char args[TP_TOPO_STR_MAX];        /* as written; split with tp_topology_split */
	char transport[TP_TRANSPORT_NAME_MAX + 1];   /* a transport's name, or "auto" */
	uint32_t depth;
	uint32_t msg_max;
	uint32_t when_full;                /* enum tp_when_full */
	uint32_t spin_us;                  /* shm: receiver spins before sleeping */
	enum tp_restart restart;
	char exec_prefix[TP_TOPO_STR_MAX]; /* empty: the node's */
	char path[TP_TOPO_PATH_MAX];       /* resolved executable (tp_topology_resolve) */
	char export[TP_TOPO_STR_MAX];      /* remote nodes that may send to it (link_access.h) */
	int line;                          /* line of its [actor …] header */
	int exec_line;                     /* line of its exec key */
	char supervisor[TP_NAME_MAX + 1];  /* empty: the node */
	int shutdown_ms;                   /* -1: the node's shutdown_timeout_ms */
	char restart_with[TP_TOPO_STR_MAX];   /* actors restarted with this one */
	int order;                         /* position among all sections */
	int sup_line;                      /* line of its supervisor key, 0 if none */
	int restart_with_line;
	/* Readiness: "init" (libtroupe tells the daemon once init returned
	 * 0) or "exec" (a program that is no Troupe actor: up once started). */
	char ready[8];
	int start_timeout_ms;              /* init must return within it */
	/* 0: off; else holding one message longer, or mail waiting while
	 * its loop has not turned for this long, is hung (sup_watchdog). */
	int watchdog_ms;
	/* A template ([template NAME]): children it may have at once.  A
	 * dynamic child (troupectl spawn, tp_spawn): its template's name and
	 * the arguments it was spawned with (after the template's args);
	 * both "" for the topology's own actors. */
	int max_children;
	int max_children_line;
	char template_of[TP_NAME_MAX + 1];
	char spawn_args[TP_TOPO_STR_MAX];
	char subscribe[TP_TOPO_STR_MAX];   /* as written */
	int subscribe_line;
	unsigned n_subs;                   /* parsed from subscribe */
	struct tp_topo_sub subs[TP_TOPO_SUBS_MAX];
	/* Least privilege (docs/TOPOLOGY.md): as written, and their lines. */
	char user[TP_TOPO_ID_MAX];         /* empty: [node] actor_user */
	char group[TP_TOPO_ID_MAX];        /* empty: [node] actor_group */
	char accept_from[TP_TOPO_STR_MAX]; /* actor names; empty: every actor */
	int user_line, group_line, accept_line;
	struct tp_actor_privs privs;       /* tp_topology_privs */
};

struct tp_node_conf {
	char name[TP_NAME_MAX + 1];
	mode_t mode;
	int send_timeout_ms;
	int restart_limit;
	int restart_window_s;
	int backoff_ms;
	int shutdown_timeout_ms;
	char exec_prefix[TP_TOPO_STR_MAX];
	char actor_path[TP_TOPO_PATH_MAX];
	char log_dir[TP_TOPO_PATH_MAX];
	char run_dir[TP_TOPO_PATH_MAX];    /* sockets of unix/tcp mailboxes */
	int line;                          /* line of [node], 0 if none */
	enum tp_strategy strategy;         /* of the node, the tree's root */
	int backoff_max_ms;
	char control[TP_TOPO_PATH_MAX];    /* control socket; empty: default */
	char log[8];                       /* "stderr" or "syslog" */
	char log_level[8];                 /* error, warning, info, debug */
	/* Node links (docs/DESIGN.md "Node links"); listen empty: no links. */
	char listen[TP_TOPO_ADDR_MAX];     /* host:port */
	int listen_line;
	char key_file[TP_TOPO_PATH_MAX];   /* as written; relative to the file's dir */
	int link_heartbeat_ms;             /* 0: the link's default */
	int link_dead_ms;
	int link_hold_ms;                  /* incoming mail waits for a full mailbox; 0: 1000 */
	int link_frame_max;
	/* Least privilege: the actors' default user and group, and the
	 * node's group (shared objects, every dropped actor has it). */
	char actor_user[TP_TOPO_ID_MAX];
	char actor_group[TP_TOPO_ID_MAX];
	char group[TP_TOPO_ID_MAX];
	int actor_user_line, actor_group_line, group_line;
	bool privs;                        /* some actor is dropped: tp_topology_privs */
	gid_t node_gid;                    /* with privs: the shared objects' group */
};

/* A [peer NAME] section: another node this node links to. */
struct tp_peer_conf {
	char name[TP_NAME_MAX + 1];
	char address[TP_TOPO_ADDR_MAX];    /* host:port */
	uint32_t queue;                    /* messages kept while the link is down */
	uint32_t when_full;                /* enum tp_when_full */
	uint32_t depth;                    /* its outbox's depth (the mailbox "*") */
	/* Topics across the link (link_topics.h): what the peer may subscribe
	 * to here, and publish here.  Empty: nothing. */
	struct tp_link_topics export_topics;
	struct tp_link_topics import_topics;
	int line;
};

struct tp_topology {
	char file[TP_TOPO_PATH_MAX];       /* path as given, for messages */
	char dir[TP_TOPO_PATH_MAX];        /* absolute directory of the file */
	struct tp_node_conf node;
	unsigned n_actors;
	struct tp_actor_conf actors[TP_REG_MAX];  /* in topology order */
	unsigned n_sups;
	struct tp_sup_conf sups[TP_TOPO_SUP_MAX];
	unsigned n_peers;
	struct tp_peer_conf peers[TP_TOPO_PEER_MAX];
	unsigned n_warnings;               /* lines said as warnings, not errors */
	unsigned n_topics;
	struct tp_topic_conf topics[TP_TOPO_TOPICS_MAX];
	unsigned n_templates;              /* [template NAME]: no process of its own */
	struct tp_actor_conf templates[TP_TOPO_TEMPLATES_MAX];
};

/* One error line, "FILE:LINE: [label]: message" (no LINE when line is 0,
 * no label when empty), as every check of a topology writes them; errs
 * may be NULL. */
void tp_topology_verr(FILE *errs, const char *file, int line, const char *label,
		      const char *fmt, va_list ap);

/* The template called name, or NULL. */
const struct tp_actor_conf *tp_topology_template(const struct tp_topology *t,
						 const char *name);

/* Fills *child as a dynamic child of template tmpl, called name, with
 * args after the template's own.  0, or -TP_EINVAL (a bad name; words
 * that do not split) or -TP_ETOOBIG (the args do not fit), with why. */
int tp_topology_child(const struct tp_actor_conf *tmpl, const char *name, const char *args,
		      struct tp_actor_conf *child, char *why, size_t n);

/* Numbers the actors' and supervisors' order 0, 1, ... keeping their
 * sequence (ties: supervisors after actors, then by index): the tree is
 * built from small orders, and dynamic children come and go. */
void tp_topology_renumber(struct tp_topology *t);

/* Command-line overrides; any member may be NULL. */
struct tp_topo_opts {
	const char *node;         /* -n: replaces [node] name */
	const char *exec_prefix;  /* -x: replaces [node] exec_prefix */
	const char *actor_path;   /* -A: replaces actor_path and the default */
};

/* Parses and validates path into out, applies opts (may be NULL), and
 * writes one line per error to errs (may be NULL) as
 * "FILE:LINE: [section]: message".  Returns the number of errors; out is
 * meaningful only when it is 0.  Does not look at the executables.
 * Note: actors[] past n_actors is left as it was, not cleared. */
int tp_topology_load(const char *path, const struct tp_topo_opts *opts,
		     struct tp_topology *out, FILE *errs);

/* Finds every actor's executable (fills actor.path): a bare name is looked
 * up in the node's actor_path, a name with a '/' is taken relative to the
 * topology file's directory.  Returns the number of errors, written to errs
 * like tp_topology_load's. */
int tp_topology_resolve(struct tp_topology *t, FILE *errs);

/* Splits s on blanks into at most max words, double quotes grouping, copied
 * into buf.  Appends to argv from *argc.  Returns 0, -TP_EINVAL (unterminated
 * quote), -TP_ELIMIT (too many words) or -TP_ETOOBIG (buf too small).
 * Note: argv must have room for max + 1 pointers (a NULL ends it). */
int tp_topology_split(const char *s, char *buf, size_t n, char **argv,
		      int *argc, int max);

/* An actor's subscribe value: filters separated by commas, each with an
 * optional policy after it ("sensors/+/temp, log/# drop_newest").  Fills
 * out (at most max) and *n; 0, or -TP_EINVAL with a sentence in err
 * (topo_topics.c). */
int tp_topology_subscribe_parse(const char *val, struct tp_topo_sub *out, unsigned max,
				unsigned *n, char *err, size_t errlen);

/* Resolves the users and groups of t (names looked up now, in the
 * system's databases) into each actor's privs, checks that this daemon
 * may change to them and that every accept_from can be kept by owner,
 * group and mode; one line per problem in errs, "FILE:LINE: [section]:
 * key: ...", with the fix; returns how many (topo_privs.c). */
int tp_topology_privs(struct tp_topology *t, FILE *errs);

const char *tp_restart_name(enum tp_restart r);
const char *tp_strategy_name(enum tp_strategy s);

#endif
