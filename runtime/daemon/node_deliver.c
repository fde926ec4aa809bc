/* The daemon as a sender (see node_deliver.h). */
#include <stdio.h>
#include <string.h>
#include <pb_encode.h>
#include "troupe/envelope.h"
#include "troupe/error.h"
#include "clock.h"
#include "ctlpath.h"
#include "log_dmsg.h"
#include "node_deliver.h"

/* Large enough for any mailbox the daemon sends to from the control
 * socket (payloads there are at most 4 KiB). */
#define DELIVER_BUF 8192

int tp_deliver_find(const struct tp_node *n, const char *name)
{
	for (unsigned i = 0; i < n->topo->n_actors; i++)
		if (strcmp(n->ent[i].name, name) == 0)
			return (int)i;
	return -1;
}

int tp_deliver_bytes(struct tp_node *n, unsigned i, const char *sender,
		     uint32_t type, uint8_t flags, uint64_t corr,
		     const void *payload, size_t len)
{
	static uint8_t buf[DELIVER_BUF];
	if (i >= n->count || !n->box[i].mb)
		return -TP_ENOENT;
	struct tp_env env = { .version = TP_ENV_VERSION, .flags = flags,
			      .prio = 1, .type = type, .corr = corr,
			      .sent_ns = (uint64_t)tp_now_ns() };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "%s", n->ent[i].name);
	size_t cap = n->ent[i].msg_max < sizeof buf ? n->ent[i].msg_max : sizeof buf;
	int off = tp_env_encode_head(buf, cap, &env);
	if (off < 0)
		return off;
	if (len > cap - (size_t)off)
		return -TP_ETOOBIG;
	memcpy(buf + off, payload, len);
	tp_env_set_len(buf, (uint32_t)len);
	return tp_mailbox_send(&n->box[i], buf, off + len, env.prio, 0, TP_VIA_SEND);
}

int tp_deliver_msg(struct tp_node *n, unsigned i, uint32_t type,
		   const pb_msgdesc_t *fields, const void *msg)
{
	uint8_t body[1024];
	pb_ostream_t os = pb_ostream_from_buffer(body, sizeof body);
	if (!pb_encode(&os, fields, msg))
		return -TP_EENCODE;
	return tp_deliver_bytes(n, i, TP_DAEMON_NAME, type, 0, 0, body,
				os.bytes_written);
}

/* The mailbox that mail for `to` ("actor", the daemon, "actor@node") goes
 * into: the actor's, the daemon's own, or the outbox of that node's link. */
static int deliver_route(const struct tp_node *n, const char *to)
{
	const char *at = strchr(to, '@');
	if (!at)
		return strcmp(to, TP_DAEMON_NAME) == 0 ? (int)TP_NODE_DAEMON(n) :
		       tp_deliver_find(n, to);
	for (unsigned i = 0; i < n->count; i++)
		if (n->ent[i].node[0] && strcmp(n->ent[i].node, at + 1) == 0)
			return (int)i;
	return -1;
}

int tp_deliver_held(struct tp_node *n, unsigned i, bool hung)
{
	static uint8_t buf[DELIVER_BUF];
	struct tp_held h;
	if (!tp_counters_held(n->ctr, i, &h))
		return 0;
	const char *name = n->ent[i].name;
	int j = deliver_route(n, h.from);
	if (j < 0 || !n->box[j].mb) {
		tp_dwarn("%s died holding a call from %s, which is gone", name, h.from);
		return -TP_ENOENT;
	}
	struct tp_refusal r = { .from = name, .to = h.from, .corr = h.corr, .type = h.type,
				.prio = (uint8_t)(h.prio > 3 ? 3 : h.prio),
				.err = hung ? -TP_ETIMEDOUT : -TP_ECLOSED,
				.reason = hung ? "hung while it held the request (watchdog_ms)"
					       : "died while it held the request" };
	size_t cap = n->box[j].msg_max < sizeof buf ? n->box[j].msg_max : sizeof buf;
	int rc = tp_mailbox_refuse(&n->box[j], buf, cap, &r, 0);
	if (rc)
		tp_dwarn("%s died holding a call from %s; cannot answer it: %s", name,
			 h.from, tp_strerror(rc));
	return rc;
}
