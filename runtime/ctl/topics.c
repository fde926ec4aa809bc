/* troupectl topics and troupectl pub (docs/CONTROL.md, docs/TOPICS.md).
 * Both read the node's topic table themselves (topictab.h), as an actor
 * does: topics shows it; pub publishes as an actor would, through the
 * same fan-out (fanout.c) straight into the subscribers' mailboxes, with
 * sender "troupectl". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "troupe/error.h"
#include "clock.h"
#include "counters.h"
#include "ctl.h"
#include "fanout.h"
#include "pbtext.h"
#include "registry.h"
#include "topictab.h"

static int topics_open(const struct ctl_opts *o, struct tp_topictab **t)
{
	if (!o->node) {
		fprintf(stderr, "troupectl: topics and pub need the node's name (-n NODE)\n");
		return CTL_USAGE;
	}
	int rc = tp_topictab_open(o->node, t);
	if (rc == 0)
		return CTL_OK;
	if (!o->quiet)
		fprintf(stderr, "troupectl: node %s: %s\n", o->node, rc == -TP_ENOENT ?
			"not running (no topic table)" : tp_strerror(rc));
	return rc == -TP_ENOENT ? CTL_NO_NODE : CTL_FAILED;
}

/* Topics and filters may hold '"' and '\\' (any printable ASCII):
 * escaped for JSON. */
static void topics_json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static const char *const kind_names[] = { "-", "declared", "runtime", "remote" };

static void topics_subs(const struct ctl_opts *o, struct tp_topictab *t)
{
	static struct tp_sub s[TP_TT_SUBS_MAX];
	unsigned n = 0;
	uint32_t seq;
	if (tp_topictab_subs_copy(t, s, TP_TT_SUBS_MAX, &n, &seq))
		n = 0;
	if (!o->json)
		printf("%-16s %-32s %-11s %-8s %10s %10s %9s %9s\n", "SUBSCRIBER", "FILTER",
		       "POLICY", "KIND", "DELIVERED", "DROPPED", "MSG/S", "DROP/S");
	bool first = true;
	for (unsigned i = 0; i < n; i++) {
		if (s[i].kind == TP_SUB_FREE)
			continue;
		uint64_t dl, dr, dl_mps, dr_mps;
		tp_topictab_sub_counts(t, i, &dl, &dr);
		/* Over the daemon's last ten seconds (topic_rates.h). */
		tp_topictab_sub_rates(t, i, &dl_mps, &dr_mps);
		double rate = (double)dl_mps / 1e3, drop_rate = (double)dr_mps / 1e3;
		if (o->json) {
			printf("%s{\"subscriber\":\"%s\",\"filter\":", first ? "" : ",",
			       s[i].actor);
			topics_json_str(s[i].filter);
			printf(",\"policy\":\"%s\",\"kind\":\"%s\",\"delivered\":%llu,"
			       "\"dropped\":%llu,\"rate\":%.3f,\"drop_rate\":%.3f}",
			       tp_topic_policy_name(s[i].policy), kind_names[s[i].kind],
			       (unsigned long long)dl, (unsigned long long)dr, rate, drop_rate);
		} else {
			printf("%-16s %-32s %-11s %-8s %10llu %10llu %9.1f %9.1f\n", s[i].actor,
			       s[i].filter, tp_topic_policy_name(s[i].policy),
			       kind_names[s[i].kind], (unsigned long long)dl,
			       (unsigned long long)dr, rate, drop_rate);
		}
		first = false;
	}
}

static void topics_retained(const struct ctl_opts *o, struct tp_topictab *t)
{
	static struct tp_retained r;
	unsigned n = tp_topictab_retained_count(t);
	int64_t now = tp_now_ns();
	if (!o->json)
		printf("\n%-32s %-20s %6s %10s %-16s %8s\n", "RETAINED TOPIC", "TYPE", "BYTES",
		       "PUBLISHED", "FROM", "AGE");
	for (unsigned k = 0; k < n; k++) {
		int rc = tp_topictab_retained_get(t, k, &r);
		const struct mt_msg *m = r.set ? pbt_find_id(r.type) : NULL;
		int64_t age_ns = tp_retained_age_ns(&r, now);
		double age = (double)age_ns / 1e9;
		char type[24];
		snprintf(type, sizeof type, "%u", r.type);
		if (o->json) {
			printf("%s{\"topic\":", k ? "," : "");
			topics_json_str(r.topic);
			printf(",\"set\":%s,\"published\":%llu", r.set ? "true" : "false",
			       (unsigned long long)r.published);
			if (r.set) {
				printf(",\"type\":%u,\"bytes\":%u,\"from\":\"%s\",\"age_s\":",
				       r.type, r.len, r.sender);
				printf(age_ns < 0 ? "null" : "%.3f", age);
				printf(",\"value\":");
				char err[128];
				if (!m || pbt_print(stdout, m, r.data, r.len, true, err, sizeof err))
					printf("null");
			}
			printf("}");
			continue;
		}
		if (!r.set) {
			printf("%-32s %-20s %6s %10llu %-16s %8s\n", r.topic,
			       rc == -TP_EBUSY ? "(being written)" : "(none yet)", "-",
			       (unsigned long long)r.published, "-", "-");
			continue;
		}
		char age_s[16] = "-";
		if (age_ns >= 0)
			snprintf(age_s, sizeof age_s, "%.1fs", age);
		printf("%-32s %-20s %6u %10llu %-16s %8s\n", r.topic, m ? m->name : type,
		       r.len, (unsigned long long)r.published, r.sender, age_s);
		char err[128];
		if (m && pbt_print(stdout, m, r.data, r.len, false, err, sizeof err))
			printf("  (does not decode as %s: %s)\n", m->name, err);
	}
}

int ctl_topics_run(struct ctl_opts *o)
{
	struct tp_topictab *t;
	int code = topics_open(o, &t);
	if (code)
		return code;
	if (o->json)
		printf("{\"subscriptions\":[");
	topics_subs(o, t);
	if (o->json)
		printf("],\"retained\":[");
	topics_retained(o, t);
	if (o->json)
		printf("]}\n");
	tp_topictab_close(t);
	return CTL_OK;
}

/* ---------------------------------------------------------------- pub */

/* The mailboxes troupectl pub sends to, attached on first use. */
struct pub_ctx {
	struct tp_registry *reg;
	struct tp_counters *ctr;
	uint32_t cap;                   /* the buffer's size */
	unsigned n;
	char name[TP_REG_MAX][TP_NAME_MAX + 1];
	struct tp_mailbox box[TP_REG_MAX];
};

static int pub_dest(void *ctx, const char *name, struct tp_mailbox **out)
{
	struct pub_ctx *p = ctx;
	for (unsigned i = 0; i < p->n; i++)
		if (strcmp(p->name[i], name) == 0) {
			*out = &p->box[i];
			return 0;
		}
	struct tp_reg_entry e;
	unsigned ix;
	if (p->n == TP_REG_MAX || tp_registry_find_ix(p->reg, name, "", &e, &ix))
		return -TP_ENOENT;
	int rc = tp_mailbox_attach(&p->box[p->n], &e, ix, TP_MBOX_SEND, p->ctr);
	if (rc)
		return rc;
	if (p->box[p->n].msg_max > p->cap)
		p->box[p->n].msg_max = p->cap;
	snprintf(p->name[p->n], sizeof p->name[p->n], "%s", name);
	*out = &p->box[p->n++];
	return 0;
}

int ctl_pub_run(struct ctl_opts *o, const char *topic, uint32_t type, const uint8_t *payload,
		size_t len)
{
	static struct pub_ctx p;
	struct tp_topictab *t;
	if (tp_topic_name_check(topic)) {
		fprintf(stderr, "troupectl: pub: '%s' is not a topic name (printable ASCII, no "
			"blanks, no '+' or '#', at most %d characters)\n", topic, TP_TOPIC_MAX);
		return CTL_USAGE;
	}
	int code = topics_open(o, &t);
	if (code)
		return code;
	int rc = tp_registry_open(o->node, &p.reg);
	if (rc) {
		tp_topictab_close(t);
		fprintf(stderr, "troupectl: node %s: registry: %s\n", o->node, tp_strerror(rc));
		return CTL_NO_NODE;
	}
	if (tp_counters_open(o->node, &p.ctr))
		p.ctr = NULL;
	struct tp_fanout f = { .tab = t, .sender = "troupectl", .dest = pub_dest, .ctx = &p };
	size_t off = tp_fanout_offset(f.sender, topic);
	p.cap = (uint32_t)(off + len);
	uint8_t *buf = malloc(p.cap);
	rc = buf ? 0 : -TP_ENOMEM;
	if (buf) {
		memcpy(buf + off, payload, len);
		rc = tp_fanout_publish(&f, topic, type, buf, (uint32_t)len, tp_now_ns());
	}
	free(buf);
	for (unsigned i = 0; i < p.n; i++)
		tp_mailbox_close(&p.box[i]);
	tp_fanout_fini(&f);
	tp_counters_close(p.ctr);
	tp_registry_close(p.reg);
	tp_topictab_close(t);
	if (rc && !o->quiet)
		fprintf(stderr, "troupectl: pub %s: %s\n", topic, tp_strerror(rc));
	return rc ? CTL_FAILED : CTL_OK;
}
