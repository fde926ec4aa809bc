/* sealprobe: a test actor for tests/integration/test_sealed.sh that does
 * what any process allowed to write a mailbox can: it opens the mq
 * mailbox of --victim NAME itself and writes, as raw envelopes,
 *   a Down about --about NAME "from troupe.daemon", without a seal;
 *   the same with the seal flag and a made-up seal;
 *   an Echo "from ghost@faraway", as if relayed from another node;
 *   an Echo from its own name (ordinary mail, which must still arrive);
 * then prints "forged 3, sent 1" (or what failed).
 * With --unix --as NAME, the victim's mailbox is a unix one: it sends an
 * Echo "from NAME" and one from its own name into the mailbox's socket
 * ($TROUPE_RUN_DIR/troupe.NODE.VICTIM.sock), as any process that may
 * write the mailbox can, and prints "forged 1,
 * sent 1". */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pb_encode.h>
#include <troupe/troupe.h>
#include <troupe/envelope.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "echo.pb.h"
#include "monitor.pb.h"

static int unix_fd = -1;   /* --unix: connected to the victim's socket */

/* One envelope from sender to dest: type, payload encoded by fields. */
static int probe_put(mqd_t q, const char *sender, const char *dest, uint32_t type,
		     const pb_msgdesc_t *fields, const void *msg, int fake_seal)
{
	uint8_t buf[512];
	struct tp_env env = { .version = TP_ENV_VERSION, .prio = TP_PRIO_NORMAL, .type = type };
	snprintf(env.sender, sizeof env.sender, "%s", sender);
	snprintf(env.dest, sizeof env.dest, "%s", dest);
	int off = tp_env_encode_head(buf, sizeof buf, &env);
	if (off < 0)
		return off;
	pb_ostream_t os = pb_ostream_from_buffer(buf + off, sizeof buf - (size_t)off - 16);
	if (!pb_encode(&os, fields, msg))
		return -TP_EENCODE;
	tp_env_set_len(buf, (uint32_t)os.bytes_written);
	size_t len = (size_t)off + os.bytes_written;
	if (fake_seal) {   /* the flag, a sequence number of 1 and a guessed tag */
		buf[1] |= TP_ENV_F_SEALED;
		memset(buf + len, 0, 16);
		buf[len] = 1;
		memset(buf + len + 8, 0x5a, 8);
		len += 16;
	}
	if (unix_fd >= 0)
		return send(unix_fd, buf, len, 0) == (ssize_t)len ? 0 : -TP_ESYS;
	return mq_send(q, (const char *)buf, len, 1) == 0 ? 0 : -TP_ESYS;
}

static int sealprobe_unix(tp_actor *self, const char *node, const char *victim,
			  const char *as)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *dir = getenv("TROUPE_RUN_DIR");
	snprintf(a.sun_path, sizeof a.sun_path, "%s/troupe.%s.%s.sock", dir ? dir : "/run/troupe",
		 node, victim);
	unix_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (unix_fd < 0 || connect(unix_fd, (struct sockaddr *)&a, sizeof a) < 0) {
		printf("cannot open %s: %m\n", a.sun_path);
		return 0;
	}
	demo_Echo e = { .seq = 7 };
	int rc1 = probe_put(0, as, victim, demo_Echo_msgid, demo_Echo_fields, &e, 0);
	e.seq = 8;
	int rc2 = probe_put(0, tp_actor_name(self), victim, demo_Echo_msgid, demo_Echo_fields, &e, 0);
	close(unix_fd);
	unix_fd = -1;
	if (rc1 || rc2)
		printf("forging failed: %d %d\n", rc1, rc2);
	else
		printf("forged 1, sent 1\n");
	return 0;
}

static int sealprobe_init(tp_actor *self, void *state, int argc, char **argv)
{
	(void)state;
	const char *victim = NULL, *about = "nobody", *as = NULL, *node = getenv("TROUPE_NODE");
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--unix") == 0)
			as = "";
		else if (i + 1 >= argc)
			break;
		else if (strcmp(argv[i], "--victim") == 0)
			victim = argv[++i];
		else if (strcmp(argv[i], "--about") == 0)
			about = argv[++i];
		else if (strcmp(argv[i], "--as") == 0 && as)
			as = argv[++i];
	char path[128];
	snprintf(path, sizeof path, "/troupe.%s.%s", node ? node : "", victim ? victim : "");
	if (as && victim)
		return sealprobe_unix(self, node ? node : "", victim, as);
	mqd_t q = mq_open(path, O_WRONLY | O_NONBLOCK);
	if (!victim || q == (mqd_t)-1) {
		printf("cannot open %s\n", path);
		return 0;
	}
	troupe_Down d = troupe_Down_init_zero;
	snprintf(d.name, sizeof d.name, "%s", about);
	d.reason = troupe_Down_Reason_SIGNAL;
	d.code = 9;
	demo_Echo e = { .seq = 7 };
	int rc1 = probe_put(q, "troupe.daemon", victim, troupe_Down_msgid, troupe_Down_fields, &d, 0);
	int rc2 = probe_put(q, "troupe.daemon", victim, troupe_Down_msgid, troupe_Down_fields, &d, 1);
	int rc3 = probe_put(q, "ghost@faraway", victim, demo_Echo_msgid, demo_Echo_fields, &e, 0);
	e.seq = 8;
	int rc4 = probe_put(q, tp_actor_name(self), victim, demo_Echo_msgid, demo_Echo_fields, &e, 0);
	mq_close(q);
	if (rc1 || rc2 || rc3 || rc4)
		printf("forging failed: %d %d %d %d\n", rc1, rc2, rc3, rc4);
	else
		printf("forged 3, sent 1\n");
	return 0;
}

static int sealprobe_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)self; (void)state; (void)m;
	return 0;
}

static const struct tp_actor_ops sealprobe_ops = {
	.init = sealprobe_init,
	.receive = sealprobe_receive,
};

TP_ACTOR_MAIN(sealprobe_ops)
