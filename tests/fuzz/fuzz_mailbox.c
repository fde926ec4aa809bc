/* A real mailbox fed garbage, read by the actor's own receive path:
 * messages go through the transport's send, then tp_mail_drain takes them
 * out (tp_mailbox_recv decodes them) and tp_mail_dispatch calls a receive
 * callback that decodes the payload as the demo actors do.
 *
 * Input: records of [u16 little-endian length][priority byte][bytes], at
 * most a mailbox's depth of them; the tail that does not make a whole
 * record is sent as one last message.
 * Properties: no crash or out-of-bounds access (ASan); every message sent
 * is accounted for, as delivered to receive or counted as dropped; the
 * mailbox is empty afterwards (garbage never wedges it); what receive sees
 * lies inside the receive buffer.
 * The mailbox is unlinked as soon as both ends are open, so that nothing
 * is left in the mqueue fs even when the fuzzer stops on a crash. */
#include <string.h>
#include <unistd.h>
#include "fuzz.h"
#include "actor-internal.h"

/* The transports to fuzz: those a receiver attaches by name (unix hands
 * its socket to the actor at spawn, tcp is a stream: each wants its own
 * harness; tcp's framing has one, fuzz_tcp.c). */
static const char *const fuzz_transports[] = { "mq", "shm" };
#define FUZZ_NTRANSPORTS (sizeof fuzz_transports / sizeof fuzz_transports[0])
#define FUZZ_DEPTH 10
#define FUZZ_MSG_MAX 1024

struct box {
	const struct tp_transport *t;
	struct tp_mbox *rx, *tx;
};
static struct box boxes[FUZZ_NTRANSPORTS];
static tp_actor actor;
static unsigned long delivered;

static int fuzz_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)state;
	delivered++;
	FUZZ_CHECK(m->payload >= self->rbuf && m->payload + m->len <= self->rbuf + self->box.msg_max);
	FUZZ_CHECK(strlen(m->sender) >= 1 && strlen(m->sender) <= TP_ENV_NAME_MAX);
	FUZZ_CHECK(m->prio <= TP_PRIO_URGENT && !(m->flags & TP_ENV_F_REPLY));
	fuzz_decode_all(m);
	return m->type == demo_Echo_msgid ? 0 : -TP_ETYPE;   /* the error path logs */
}

static const struct tp_actor_ops fuzz_ops = { .receive = fuzz_receive };

static void box_open(struct box *b, const char *transport)
{
	char path[64];
	snprintf(path, sizeof path, "/troupe.fuzz%d.%s", (int)getpid(), transport);
	struct tp_mbox_attr attr = { .depth = FUZZ_DEPTH, .msg_max = FUZZ_MSG_MAX, .mode = 0600 };
	char err[256] = "";
	b->t = tp_transport_find(transport);
	FUZZ_CHECK(b->t != NULL);
	b->t->unlink(path);
	if (b->t->create(path, &attr, &b->rx, err, sizeof err)) {
		fprintf(stderr, "fuzz_mailbox: cannot create %s: %s\n", path, err);
		abort();
	}
	FUZZ_CHECK(b->t->attach(path, TP_MBOX_SEND, &b->tx) == 0);
	FUZZ_CHECK(b->t->unlink(path) == 0);
}

static void fuzz_init(void)
{
	for (size_t i = 0; i < FUZZ_NTRANSPORTS; i++)
		box_open(&boxes[i], fuzz_transports[i]);
	actor.ops = &fuzz_ops;
	strcpy(actor.name, "fuzz");
	strcpy(actor.node, "fuzz");
	actor.box.msg_max = FUZZ_MSG_MAX;
	actor.box.depth = FUZZ_DEPTH;
	actor.rbuf = malloc(FUZZ_MSG_MAX);
	FUZZ_CHECK(actor.rbuf != NULL);
	/* tp_log's lines (one per dropped message) would drown libFuzzer's;
	 * they are still formatted, into /dev/null. */
	FILE *null = fopen("/dev/null", "w");
	FUZZ_CHECK(null != NULL);
	stderr = null;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!actor.ops)
		fuzz_init();
	struct box *b = &boxes[size ? data[0] % FUZZ_NTRANSPORTS : 0];
	unsigned sent = 0;
	while (size && sent < FUZZ_DEPTH) {
		size_t len = size, prio = 1, hdr = 0;
		if (size >= 3) {
			hdr = 3;
			len = (size_t)data[0] | (size_t)data[1] << 8;
			prio = data[2] & 3;
			if (len > size - hdr)
				len = size - hdr;
		}
		int rc = b->t->send(b->tx, data + hdr, len, (unsigned)prio, 0);
		FUZZ_CHECK(rc == 0 || (rc == -TP_ETOOBIG && len > FUZZ_MSG_MAX));
		sent += rc == 0;
		data += hdr + len;
		size -= hdr + len;
	}
	actor.box.t = b->t;
	actor.box.mb = b->rx;
	delivered = actor.dropped_bad = actor.dropped_late = 0;
	tp_mail_drain(&actor, FUZZ_DEPTH + 1);
	FUZZ_CHECK(delivered + actor.dropped_bad + actor.dropped_late == sent);
	struct tp_mbox_stat st;
	FUZZ_CHECK(b->t->stat(b->rx, &st) == 0 && st.depth == 0);
	return 0;
}
