/* troupectl: look into a running node.  This first version reads the
 * node's registry and mailboxes directly (no daemon round trip); the
 * control socket comes with supervision and control. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "registry.h"
#include "transport.h"
#include "troupe/actor.h"

/* Exit codes, for scripts. */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_NO_NODE = 3 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: troupectl [-n NODE] [-j] COMMAND [ARG]\n"
		"  list          every actor: pid, state, transport, mailbox depth, restarts, uptime\n"
		"  status NAME   one actor\n"
		"options:\n"
		"  -n NODE       node name (default: $TROUPE_NODE)\n"
		"  -j, --json    JSON output\n"
		"exit codes: 0 ok, 1 failed, 2 usage, 3 node not running, 4 no such actor\n");
}

struct row {
	struct tp_reg_entry e;
	struct tp_mbox_stat st;
	int have_stat;
};

static void row_load(const struct tp_reg_entry *e, struct row *r)
{
	const struct tp_transport *t = tp_transport_find(e->transport);
	struct tp_mbox *mb;
	r->e = *e;
	r->have_stat = 0;
	if (t && t->attach(e->mailbox, TP_MBOX_SEND, &mb) == 0) {
		r->have_stat = t->stat(mb, &r->st) == 0;
		t->close(mb);
	}
}

static void row_print(const struct row *r, int json, int first)
{
	const struct tp_reg_entry *e = &r->e;
	double up = e->state == TP_STATE_UP ? (double)(tp_now_ns() - e->since_ns) / 1e9 : 0;
	long depth = r->have_stat ? (long)r->st.depth : -1;
	if (json)
		printf("%s{\"name\":\"%s\",\"pid\":%d,\"state\":\"%s\",\"transport\":\"%s\","
		       "\"mailbox\":\"%s\",\"depth\":%ld,\"capacity\":%u,\"msg_max\":%u,"
		       "\"restarts\":%u,\"uptime_s\":%.1f}",
		       first ? "" : ",", e->name, e->pid, tp_state_name(e->state), e->transport,
		       e->mailbox, depth, e->depth, e->msg_max, e->restarts, up);
	else
		printf("%-16s %7d %-9s %-5s %5ld/%-5u %8u %9.1f\n", e->name, e->pid,
		       tp_state_name(e->state), e->transport, depth, e->depth, e->restarts, up);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "node", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *node = getenv("TROUPE_NODE");
	int json = 0, c;
	while ((c = getopt_long(argc, argv, "n:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc || !node || !tp_name_is_valid(node)) {
		fprintf(stderr, "troupectl: %s\n", optind >= argc ? "no command" :
			"no valid node name: give -n NODE or set TROUPE_NODE");
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[optind];
	const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	int is_list = strcmp(cmd, "list") == 0;
	if (!is_list && !(strcmp(cmd, "status") == 0 && name)) {
		fprintf(stderr, "troupectl: unknown command or missing argument: %s\n", cmd);
		return EXIT_USAGE;
	}
	struct tp_registry *reg;
	int rc = tp_registry_open(node, &reg);
	if (rc) {
		fprintf(stderr, "troupectl: node '%s' is not running: %s\n", node, tp_strerror(rc));
		return EXIT_NO_NODE;
	}
	struct tp_reg_entry e;
	struct row r;
	int shown = 0;
	if (json)
		printf(is_list ? "[" : "");
	else
		printf("%-16s %7s %-9s %-5s %11s %8s %9s\n", "NAME", "PID", "STATE",
		       "TRANS", "DEPTH", "RESTARTS", "UPTIME_S");
	for (unsigned i = 0; tp_registry_get(reg, i, &e) == 0; i++) {
		if (name && strcmp(e.name, name) != 0)
			continue;
		row_load(&e, &r);
		row_print(&r, json, shown == 0);
		shown++;
	}
	if (json)
		printf(is_list ? "]\n" : "\n");
	tp_registry_close(reg);
	if (name && !shown) {
		fprintf(stderr, "troupectl: node '%s' has no actor '%s'\n", node, name);
		return 4;
	}
	return EXIT_OK;
}
