/* mole: a test actor for tests/integration/test_forged.sh that plays the
 * parts of forged replies, using only the public API (tp_reply_bytes to
 * a request it makes up), as any process that may write a mailbox can.
 *
 *   --leak FORGER --delay MS   the callee: tells FORGER each request's
 *       caller and correlation id (an Echo: data = "caller corr", the
 *       corr in 16 hex digits),
 *       then answers the request itself MS ms later with its own seq;
 *   --forge                    answers, as itself, every leaked call
 *       with seq 666 (a forged reply with the right id, from the wrong
 *       actor);
 *   --call NAME                calls NAME once a second with seq 1, 2, …
 *       and prints "reply seq=N" or "call failed: …";
 *   --pad N                    puts N bytes of data into each call (at
 *       most 200: to be too big for a small mailbox);
 *   --reply-to NAME@NODE       every 200 ms sends a REPLY to NAME@NODE
 *       for a call it never made (a random id), printing
 *       "sent forged reply N" for the first few;
 *   --junk N                   sends N Echo messages to troupe.daemon,
 *       which wants none, and prints "sent junk N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pb_encode.h>
#include <troupe/troupe.h>
#include "echo.pb.h"

struct mole {
	const char *leak, *call, *reply_to;
	unsigned delay_ms, junk, pad;
	bool forge;
	uint32_t seq, sent;
	/* The request the callee answers after its delay. */
	bool pending;
	char caller[64];
	uint64_t corr;
	uint32_t req_seq;
};

static int mole_encode(uint32_t seq, const char *data, uint8_t *buf, size_t cap, size_t *len)
{
	demo_Echo e = { .seq = seq };
	size_t n = strlen(data);
	if (n > sizeof e.data.bytes)
		n = sizeof e.data.bytes;
	memcpy(e.data.bytes, data, n);
	e.data.size = (pb_size_t)n;
	pb_ostream_t os = pb_ostream_from_buffer(buf, cap);
	if (!pb_encode(&os, demo_Echo_fields, &e))
		return -TP_EENCODE;
	*len = os.bytes_written;
	return 0;
}

/* Answers a request made up from (caller, corr): what tp_reply sends. */
static int mole_reply(tp_actor *self, const char *caller, uint64_t corr, uint32_t seq)
{
	uint8_t buf[64];
	size_t len;
	struct tp_msg req = { .corr = corr, .prio = TP_PRIO_NORMAL,
			      .flags = TP_MSG_F_REQUEST, .sender = caller };
	int rc = mole_encode(seq, "", buf, sizeof buf, &len);
	return rc ? rc : tp_reply_bytes(self, &req, demo_Echo_msgid, buf, len);
}

static void mole_answer(tp_actor *self, void *state, void *arg)
{
	struct mole *m = state;
	(void)arg;
	if (!m->pending)
		return;
	m->pending = false;
	int rc = mole_reply(self, m->caller, m->corr, m->req_seq);
	printf("answered seq=%u: %s\n", m->req_seq, rc ? tp_strerror(rc) : "ok");
}

static void mole_tick(tp_actor *self, void *state, void *arg)
{
	struct mole *m = state;
	(void)arg;
	if (m->junk) {
		demo_Echo e = { .seq = 1 };
		unsigned ok = 0;
		for (unsigned i = 0; i < m->junk; i++)
			ok += tp_send(self, "troupe.daemon", demo_Echo, &e) == 0;
		printf("sent junk %u\n", ok);
		m->junk = 0;
		return;
	}
	if (m->reply_to) {
		int rc = mole_reply(self, m->reply_to,
				    (uint64_t)rand() << 32 | (uint32_t)rand() | 1, 666);
		if (m->sent++ < 3)
			printf("sent forged reply %u: %s\n", m->sent, rc ? tp_strerror(rc) : "ok");
		return;
	}
	if (!m->call)
		return;
	demo_Echo req = { .seq = ++m->seq }, rep = { 0 };
	req.data.size = (pb_size_t)(m->pad < 200 ? m->pad : 200);
	memset(req.data.bytes, 'p', req.data.size);
	int rc = tp_call(self, m->call, demo_Echo, &req, demo_Echo, &rep, 5000);
	if (rc)
		printf("call failed: %s\n", tp_strerror(rc));
	else
		printf("reply seq=%u\n", rep.seq);
}

static int mole_receive(tp_actor *self, void *state, const struct tp_msg *msg)
{
	struct mole *m = state;
	demo_Echo e;
	if (tp_decode(msg, demo_Echo, &e))
		return 0;
	if (m->leak && (msg->flags & TP_MSG_F_REQUEST)) {
		uint8_t buf[128];
		size_t len;
		mole_answer(self, m, NULL);   /* one pending at a time: now */
		snprintf(m->caller, sizeof m->caller, "%s", msg->sender);
		m->corr = msg->corr;
		m->req_seq = e.seq;
		m->pending = true;
		char leak[96];
		snprintf(leak, sizeof leak, "%s %016llx", msg->sender,
			 (unsigned long long)msg->corr);
		if (mole_encode(0, leak, buf, sizeof buf, &len) == 0)
			tp_send_bytes(self, m->leak, demo_Echo_msgid, buf, len, NULL);
		int id = tp_timer_start(self, m->delay_ms, 0, mole_answer, NULL);
		return id < 0 ? id : 0;
	}
	if (m->forge && !(msg->flags & TP_MSG_F_REQUEST)) {
		char caller[64];
		size_t n = e.data.size < sizeof caller - 1 ? e.data.size : sizeof caller - 1;
		memcpy(caller, e.data.bytes, n);
		caller[n] = '\0';
		char *sp = strchr(caller, ' ');
		uint64_t corr = sp ? strtoull(sp + 1, NULL, 16) : 0;
		if (sp)
			*sp = '\0';
		int rc = mole_reply(self, caller, corr, 666);
		printf("forged a reply to %s: %s\n", caller, rc ? tp_strerror(rc) : "ok");
	}
	return 0;
}

static int mole_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct mole *m = state;
	m->delay_ms = 1000;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--forge") == 0)
			m->forge = true;
		else if (v && strcmp(argv[i], "--leak") == 0)
			m->leak = argv[++i];
		else if (v && strcmp(argv[i], "--delay") == 0)
			m->delay_ms = (unsigned)atoi(argv[++i]);
		else if (v && strcmp(argv[i], "--call") == 0)
			m->call = argv[++i];
		else if (v && strcmp(argv[i], "--pad") == 0)
			m->pad = (unsigned)atoi(argv[++i]);
		else if (v && strcmp(argv[i], "--junk") == 0)
			m->junk = (unsigned)atoi(argv[++i]);
		else if (v && strcmp(argv[i], "--reply-to") == 0)
			m->reply_to = argv[++i];
	}
	srand((unsigned)tp_now_ns());
	if (m->call || m->reply_to || m->junk) {
		int id = tp_timer_start(self, 200, m->reply_to ? 200 : 1000, mole_tick, NULL);
		return id < 0 ? id : 0;
	}
	return 0;
}

static const struct tp_actor_ops mole_ops = {
	.state_size = sizeof(struct mole),
	.init = mole_init,
	.receive = mole_receive,
};

TP_ACTOR_MAIN(mole_ops)
