/* troupectl: look into and steer a running node through its daemon's
 * control socket (docs/CONTROL.md).  One table of commands; each parses
 * its own arguments and returns an exit code (ctl.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "troupe/actor.h"
#include "troupe/version.h"
#include "registry.h"
#include "ctl.h"
#include "pbtext.h"

/* Most words troupectl spawn passes on. */
#define TP_TOPO_ARGV_SPAWN 60
#include "types.h"

/* Most FIELD=VALUE words of one send or call. */
#define TP_CTL_FIELDS_MAX 64
/* The longest -t: a day (a call waits at most that; the wire carries ms). */
#define TP_CTL_TIMEOUT_MAX_S 86400

struct ctl_cmd {
	const char *name;
	const char *args;
	const char *help;
	int min_args, max_args;
	troupe_CtlRequest_Cmd cmd;
	int (*run)(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv);
};

static const struct ctl_cmd ctl_cmds[];

static void ctl_usage(FILE *f)
{
	fprintf(f, "usage: troupectl [options] COMMAND [ARGS]\n\ncommands:\n");
	for (const struct ctl_cmd *c = ctl_cmds; c->name; c++)
		fprintf(f, "  %-9s %-26s %s\n", c->name, c->args, c->help);
	fprintf(f,
		"\noptions:\n"
		"  -n, --node NODE      node name (default: $TROUPE_NODE)\n"
		"  -s, --socket PATH    control socket (default: from the node name)\n"
		"  -t, --timeout SECS   how long to wait for the daemon (default 2, at most 86400)\n"
		"  -j, --json           JSON output (list, status, call, counters, types,\n"
		"                       topics)\n"
		"  -q, --quiet          no messages on stderr\n"
		"  -v, --verbose        more columns\n"
		"  -h, --help           this text; 'troupectl help COMMAND' for one command\n"
		"  -I, --proto-path DIR more message types: DIR's NAME.desc and NAME.msgids\n"
		"                       (then $TROUPE_PROTO_PATH, then the SDK's share/troupe/proto)\n"
		"  -V, --version        version\n"
		"\nexit codes: 0 ok, 1 failed, 2 usage, 3 node not running, 4 no such actor,\n"
		"5 timed out, 6 permission denied\n");
}

static int ctl_simple(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	memset(&q, 0, sizeof q);
	q.cmd = c->cmd;
	if (argc > 0)
		snprintf(q.name, sizeof q.name, "%s", argv[0]);
	if (argc > 1)
		snprintf(q.exec, sizeof q.exec, "%s", argv[1]);
	int code = ctl_request(o, &q, &r);
	if (code || (code = ctl_check(o, &r)))
		return code;
	if ((c->cmd == troupe_CtlRequest_Cmd_RELOAD || c->cmd == troupe_CtlRequest_Cmd_DESPAWN) &&
	    !o->quiet)
		printf("%s\n", r.msg);
	if (c->cmd != troupe_CtlRequest_Cmd_LIST && c->cmd != troupe_CtlRequest_Cmd_STATUS)
		return CTL_OK;
	if (o->json && c->cmd == troupe_CtlRequest_Cmd_LIST)
		printf("[");
	else if (!o->json)
		ctl_show_header();
	for (pb_size_t k = 0; k < r.actors_count; k++)
		ctl_show_actor(&r.actors[k], o->json, k == 0, o->verbose);
	printf(o->json && c->cmd == troupe_CtlRequest_Cmd_LIST ? "]\n" : o->json ? "\n" : "");
	return CTL_OK;
}

/* Polls status every 50 ms: bounded by -t. */
static int ctl_wait_for(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c;
	const char *want = "up";
	if (argc == 3 && strcmp(argv[1], "--state") == 0 &&
	    (strcmp(argv[2], "up") == 0 || strcmp(argv[2], "down") == 0))
		want = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "troupectl: wait-for NAME [--state up|down]\n");
		return CTL_USAGE;
	}
	static troupe_CtlRequest q = { .cmd = troupe_CtlRequest_Cmd_STATUS };
	static troupe_CtlReply r;
	snprintf(q.name, sizeof q.name, "%s", argv[0]);
	int64_t end = tp_now_ns() + (int64_t)o->timeout_ms * 1000000;
	struct ctl_opts once = *o;
	once.quiet = true;
	int code;
	do {
		code = ctl_request(&once, &q, &r);
		if (code == CTL_OK && (code = ctl_check(o, &r)))
			return code;   /* no such actor: waiting will not help */
		if (code == CTL_OK && r.actors_count == 1 &&
		    strcmp(r.actors[0].state, want) == 0)
			return CTL_OK;
		nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	} while (tp_now_ns() < end);
	if (!o->quiet)
		fprintf(stderr, "troupectl: %s is not %s after %d ms\n", argv[0], want,
			o->timeout_ms);
	return CTL_TIMEOUT;
}

static int ctl_hex(const char *s, troupe_CtlRequest *q)
{
	size_t n = strlen(s);
	if (n % 2 || n / 2 > sizeof q->payload.bytes)
		return -1;
	if (strspn(s, "0123456789abcdefABCDEF") != n)
		return -1;
	for (size_t k = 0; k < n / 2; k++) {
		unsigned v;
		if (sscanf(s + 2 * k, "%2x", &v) != 1)
			return -1;
		q->payload.bytes[k] = (uint8_t)v;
	}
	q->payload.size = (pb_size_t)(n / 2);
	return 0;
}

static bool ctl_is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* The request's type and payload: "TYPE [HEX]" with a type id, or
 * "TYPE FIELD=VALUE..." with a message name (pbtext.h). */
static int ctl_payload(const struct ctl_cmd *c, int argc, char **argv,
		       troupe_CtlRequest *q)
{
	if (ctl_is_number(argv[0])) {
		unsigned long type = strtoul(argv[0], NULL, 10);
		if (type > UINT32_MAX || argc > 2) {
			fprintf(stderr, "troupectl: %s: with a type id, give the payload "
				"as one word of hex\n", c->name);
			return CTL_USAGE;
		}
		q->type = (uint32_t)type;
		if (argc > 1 && ctl_hex(argv[1], q)) {
			fprintf(stderr, "troupectl: %s: bad payload '%s' (hex bytes, at most %zu)\n",
				c->name, argv[1], sizeof q->payload.bytes);
			return CTL_USAGE;
		}
		return CTL_OK;
	}
	const struct mt_msg *m = pbt_find(argv[0]);
	if (!m || !m->msgid) {
		fprintf(stderr, "troupectl: %s: %s message type '%s' (troupectl types "
			"lists them)\n", c->name, m ? "no msgid for" : "unknown", argv[0]);
		return CTL_USAGE;
	}
	char err[256];
	int n = pbt_encode(m, argc - 1, argv + 1, q->payload.bytes,
			   sizeof q->payload.bytes, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "troupectl: %s: %s\n", c->name, err);
		return CTL_USAGE;
	}
	q->type = m->msgid;
	q->payload.size = (pb_size_t)n;
	return CTL_OK;
}

static int ctl_show_reply(const struct ctl_opts *o, const troupe_CtlReply *r, bool raw)
{
	const struct mt_msg *m = raw ? NULL : pbt_find_id(r->type);
	char err[256];
	if (m && pbt_print(stdout, m, r->payload.bytes, r->payload.size, o->json,
			   err, sizeof err) == 0)
		return CTL_OK;
	if (m && !o->quiet)
		fprintf(stderr, "troupectl: reply of type %s: %s\n", m->name, err);
	printf(o->json ? "{\"type\":%u,\"payload\":\"" : "type %u payload ", r->type);
	for (pb_size_t k = 0; k < r->payload.size; k++)
		printf("%02x", r->payload.bytes[k]);
	printf(o->json ? "\"}\n" : "\n");
	return m ? CTL_FAILED : CTL_OK;
}

/* send/call NAME TYPE [FIELD=VALUE...]: TYPE a message name (its fields
 * by name) or a type id (then one word of hex, the encoded payload).  A
 * call prints the reply decoded, or raw for a raw request or an unknown
 * type. */
static int ctl_send(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	memset(&q, 0, sizeof q);
	q.cmd = c->cmd;
	snprintf(q.name, sizeof q.name, "%s", argv[0]);
	int code = ctl_payload(c, argc - 1, argv + 1, &q);
	if (code)
		return code;
	q.timeout_ms = (uint32_t)o->timeout_ms;
	struct ctl_opts wait = *o;
	wait.timeout_ms = o->timeout_ms + 500;   /* the daemon times out first */
	if ((code = ctl_request(&wait, &q, &r)) || (code = ctl_check(o, &r)))
		return code;
	if (c->cmd == troupe_CtlRequest_Cmd_CALL)
		return ctl_show_reply(o, &r, ctl_is_number(argv[1]));
	return CTL_OK;
}

/* counters: one row per mailbox (counters.c). */
static int ctl_counters(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)argc; (void)argv;
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	q.cmd = c->cmd;
	int code = ctl_request(o, &q, &r);
	if (code || (code = ctl_check(o, &r)))
		return code;
	if (!r.counting && !o->quiet)
		fprintf(stderr, "troupectl: the node could not set up its counters "
			"(see its log): all zero\n");
	ctl_counters_show(o, &r);
	return CTL_OK;
}

/* types [TYPE]: the message table, or one type's fields. */
static int ctl_types(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c;
	const struct mt_msg *one = argc ? pbt_find(argv[0]) : NULL;
	if (argc && !one) {
		fprintf(stderr, "troupectl: unknown message type '%s'\n", argv[0]);
		return CTL_USAGE;
	}
	for (unsigned i = 0; i < mt_count(); i++) {
		const struct mt_msg *m = mt_at(i);
		if (one && m != one)
			continue;
		if (o->json) {
			printf("{\"type\":\"%s\",\"msgid\":%u,\"fields\":[", m->name, m->msgid);
			for (unsigned k = 0; k < m->n_fields; k++)
				printf("%s{\"name\":\"%s\",\"number\":%u,\"type\":\"%s\"%s}",
				       k ? "," : "", m->fields[k].name, m->fields[k].number,
				       pbt_type_name(&m->fields[k]),
				       m->fields[k].repeated ? ",\"repeated\":true" : "");
			printf("]}\n");
			continue;
		}
		printf("%-20s %5u", m->name, m->msgid);
		for (unsigned k = 0; k < m->n_fields; k++)
			printf(" %s%s:%s", m->fields[k].repeated ? "repeated " : "",
			       m->fields[k].name, pbt_type_name(&m->fields[k]));
		putchar('\n');
	}
	return CTL_OK;
}

static int ctl_help(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv);

static int ctl_links(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	return ctl_links_run(o);
}

static int ctl_trace(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c;
	return ctl_trace_run(o, argc ? argv[0] : NULL);
}

static int ctl_topics(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c; (void)argc; (void)argv;
	return ctl_topics_run(o);
}

/* spawn TEMPLATE NAME [ARGS...]: the words go as one string, a word with
 * a blank in quotes, as the topology's args are written. */
static int ctl_spawn(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	memset(&q, 0, sizeof q);
	q.cmd = c->cmd;
	snprintf(q.exec, sizeof q.exec, "%s", argv[0]);
	snprintf(q.name, sizeof q.name, "%s", argv[1]);
	size_t len = 0;
	for (int k = 2; k < argc; k++) {
		bool quote = strpbrk(argv[k], " \t") != NULL;
		int w = snprintf(q.args + len, sizeof q.args - len, "%s%s%s%s", len ? " " : "",
				 quote ? "\"" : "", argv[k], quote ? "\"" : "");
		if (w < 0 || (size_t)w >= sizeof q.args - len || strchr(argv[k], '"')) {
			fprintf(stderr, "troupectl: spawn: the arguments are too long, or "
				"hold a '\"'\n");
			return CTL_USAGE;
		}
		len += (size_t)w;
	}
	int code = ctl_request(o, &q, &r);
	if (code || (code = ctl_check(o, &r)))
		return code;
	if (!o->quiet)
		printf("%s\n", r.msg);
	return CTL_OK;
}

/* sub FILTER [COUNT] */
static int ctl_sub(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c;
	char *end = NULL;
	unsigned long n = argc > 1 ? strtoul(argv[1], &end, 10) : 0;
	if (argc > 1 && (!*argv[1] || *end || n > 1000000)) {
		fprintf(stderr, "troupectl: sub FILTER [COUNT]: COUNT is a number of messages\n");
		return CTL_USAGE;
	}
	return ctl_sub_run(o, argv[0], (unsigned)n);
}

/* pub TOPIC TYPE [FIELD=VALUE...]: the payload as send makes it. */
static int ctl_pub(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	static troupe_CtlRequest q;
	memset(&q, 0, sizeof q);
	int code = ctl_payload(c, argc - 1, argv + 1, &q);
	if (code)
		return code;
	return ctl_pub_run(o, argv[0], q.type, q.payload.bytes, q.payload.size);
}

static const struct ctl_cmd ctl_cmds[] = {
	{ "list", "", "every actor: pid, state, transport, mailbox, restarts, uptime",
	  0, 0, troupe_CtlRequest_Cmd_LIST, ctl_simple },
	{ "status", "NAME", "one actor", 1, 1, troupe_CtlRequest_Cmd_STATUS, ctl_simple },
	{ "stop", "NAME", "stop an actor; it stays down until start", 1, 1,
	  troupe_CtlRequest_Cmd_STOP, ctl_simple },
	{ "start", "NAME", "start a stopped actor", 1, 1, troupe_CtlRequest_Cmd_START, ctl_simple },
	{ "restart", "NAME", "stop an actor and start it again; its mail waits", 1, 1,
	  troupe_CtlRequest_Cmd_RESTART, ctl_simple },
	{ "upgrade", "NAME [EXECUTABLE]", "restart an actor from a new executable; its mail waits",
	  1, 2, troupe_CtlRequest_Cmd_UPGRADE, ctl_simple },
	{ "wait-for", "NAME [--state up|down]", "wait (up to -t) until an actor is up or down",
	  1, 3, troupe_CtlRequest_Cmd_STATUS, ctl_wait_for },
	{ "send", "NAME TYPE [FIELD=VALUE...]", "send a message: TYPE by name (troupectl "
	  "types), or a type id and the payload in hex", 2, 2 + TP_CTL_FIELDS_MAX,
	  troupe_CtlRequest_Cmd_SEND, ctl_send },
	{ "call", "NAME TYPE [FIELD=VALUE...]", "send a request, print the reply (within -t)",
	  2, 2 + TP_CTL_FIELDS_MAX, troupe_CtlRequest_Cmd_CALL, ctl_send },
	{ "counters", "", "per mailbox: sent, received, dropped, rejected full, restarts, "
	  "high-water mark, depth, latency p50/p99/max; -v: latency and handling time "
	  "histograms, the actors' own counters", 0, 0,
	  troupe_CtlRequest_Cmd_COUNTERS, ctl_counters },
	{ "spawn", "TEMPLATE NAME [ARGS...]", "start a dynamic child of a [template]: its "
	  "own mailbox, registry entry and counters, ARGS after the template's", 2,
	  2 + TP_TOPO_ARGV_SPAWN, troupe_CtlRequest_Cmd_SPAWN, ctl_spawn },
	{ "despawn", "NAME", "stop a dynamic child and remove it with its mailbox", 1, 1,
	  troupe_CtlRequest_Cmd_DESPAWN, ctl_simple },
	{ "reload", "", "re-read the node's topology file: start new actors, stop removed "
	  "ones, restart changed ones", 0, 0, troupe_CtlRequest_Cmd_RELOAD, ctl_simple },
	{ "trace", "[NAME]", "messages sent, received and through node links (to or by "
	  "NAME) for -t seconds: time, event, sender, destination, type, size, latency", 0, 1, troupe_CtlRequest_Cmd_TRACE, ctl_trace },
	{ "types", "[TYPE]", "the message types send and call know: msgid, fields", 0, 1,
	  troupe_CtlRequest_Cmd_NONE, ctl_types },
	{ "links", "", "links to other nodes: peer, address, state, round trip, queued, "
	  "reconnects", 0, 0, troupe_CtlRequest_Cmd_LINKS, ctl_links },
	{ "topics", "", "subscriptions (subscriber, filter, policy, delivered, dropped) and "
	  "retained topics with their value", 0, 0, troupe_CtlRequest_Cmd_NONE, ctl_topics },
	{ "pub", "TOPIC TYPE [FIELD=VALUE...]", "publish a message to a topic (as send makes "
	  "it), straight into each subscriber's mailbox", 2, 2 + TP_CTL_FIELDS_MAX,
	  troupe_CtlRequest_Cmd_NONE, ctl_pub },
	{ "sub", "FILTER [COUNT]", "print what is published to topics matching an MQTT "
	  "filter, decoded (-j: JSON), until interrupted or COUNT messages (each within -t)",
	  1, 2, troupe_CtlRequest_Cmd_NONE, ctl_sub },
	{ "help", "[COMMAND]", "help for one command", 0, 1, troupe_CtlRequest_Cmd_NONE, ctl_help },
	{ NULL, NULL, NULL, 0, 0, 0, NULL },
};

static const struct ctl_cmd *ctl_find(const char *name)
{
	for (const struct ctl_cmd *c = ctl_cmds; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int ctl_help(const struct ctl_cmd *c, struct ctl_opts *o, int argc, char **argv)
{
	(void)c; (void)o;
	if (argc == 0) {
		ctl_usage(stdout);
		return CTL_OK;
	}
	const struct ctl_cmd *h = ctl_find(argv[0]);
	if (!h) {
		fprintf(stderr, "troupectl: no command '%s'\n", argv[0]);
		return CTL_USAGE;
	}
	printf("usage: troupectl [options] %s %s\n  %s\n", h->name, h->args, h->help);
	return CTL_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "proto-path", required_argument, NULL, 'I' },
		{ 0 },
	};
	struct ctl_opts o = { .node = getenv("TROUPE_NODE"), .timeout_ms = 2000 };
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, "+n:s:t:jqvhVI:", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.node = optarg; break;
		case 's': o.socket = optarg; break;
		case 't': {
			/* Checked before the conversion: a double past INT_MAX
			 * (or NaN) converted to int is undefined. */
			double s = strtod(optarg, &end);
			if (*end || end == optarg || !(s >= 0 && s <= TP_CTL_TIMEOUT_MAX_S)) {
				fprintf(stderr, "troupectl: -t: bad timeout '%s' (seconds, 0 to %d)\n",
					optarg, TP_CTL_TIMEOUT_MAX_S);
				return CTL_USAGE;
			}
			o.timeout_ms = (int)(s * 1000);
			break;
		}
		case 'j': o.json = true; break;
		case 'q': o.quiet = true; break;
		case 'v': o.verbose = true; break;
		case 'h': ctl_usage(stdout); return CTL_OK;
		case 'V': printf("troupectl %s\n", tp_version()); return CTL_OK;
		case 'I':
			if (mt_path_add(optarg)) {
				fprintf(stderr, "troupectl: -I %s: too many folders\n", optarg);
				return CTL_USAGE;
			}
			break;
		default: ctl_usage(stderr); return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "troupectl: no command (try troupectl help)\n");
		return CTL_USAGE;
	}
	mt_load(stderr);
	const struct ctl_cmd *cmd = ctl_find(argv[optind]);
	int n = argc - optind - 1;
	if (!cmd) {
		fprintf(stderr, "troupectl: unknown command '%s' (try troupectl help)\n",
			argv[optind]);
		return CTL_USAGE;
	}
	if (n < cmd->min_args || n > cmd->max_args ||
	    (n > 0 && strcmp(argv[optind + 1], "-h") == 0)) {
		FILE *f = n > 0 && strcmp(argv[optind + 1], "-h") == 0 ? stdout : stderr;
		fprintf(f, "usage: troupectl [options] %s %s\n  %s\n", cmd->name, cmd->args,
			cmd->help);
		return f == stdout ? CTL_OK : CTL_USAGE;
	}
	if (cmd->run != ctl_help && cmd->run != ctl_types && !o.socket && (!o.node || !tp_name_is_valid(o.node))) {
		fprintf(stderr, "troupectl: no valid node name: give -n NODE, -s SOCKET "
			"or set TROUPE_NODE\n");
		return CTL_USAGE;
	}
	return cmd->run(cmd, &o, n, argv + optind + 1);
}
