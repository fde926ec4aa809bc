/* The daemon's control socket (runtime/daemon/ctl_socket.c, docs/CONTROL.md)
 * on any requests, against a node set up in this process as the daemon
 * sets one up: a topology loaded from a file, a supervision tree, real
 * mailboxes on every transport (mq, shm, unix, tcp), the counters segment,
 * and the control socket itself, opened by tp_ctl_open; a client connects
 * to it, the socket accepts it, and every request goes through the
 * daemon's own tp_ctl_event.
 *
 * The one boundary stubbed: the supervisor's operator commands
 * (tp_sup_ctl_stop/start/restart, wrapped by the linker, see Makefile),
 * which would fork actors or signal them; here they keep a running flag
 * per actor and answer as the supervisor does.  Not reached: RELOAD (no
 * reloader: answered "not supported"), node links (LINKS lists none, SEND
 * to "actor@node" finds no link), monitor requests.
 *
 * Input: requests as [u16 little-endian length][bytes], at most
 * FUZZ_REQUESTS; a tail that does not make a whole record is sent as one
 * last request.
 * Properties: every request is answered with one well-formed CtlReply
 * (version 1), except a CALL that was accepted, whose request then lies in
 * the actor's mailbox and whose answer comes when the actor replies (here
 * it echoes); bytes that are no CtlRequest get TP_EDECODE, an unknown
 * command TP_ENOSYS; a SEND answered 0 put exactly the requested message
 * in exactly that mailbox, one answered with an error put nothing
 * anywhere; LIST and STATUS describe the topology; an empty packet (which
 * SOCK_SEQPACKET cannot tell from a hang-up) drops the client; no crash,
 * no out-of-bounds access, no leak (ASan).  Nothing is left in /dev/shm or
 * the mqueue fs even on a crash: mq and shm objects are unlinked as soon as
 * they are open; the sockets live in a temporary folder, removed at exit. */
#include <dirent.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <pb_decode.h>
#include "fuzz.h"
#include "ctl_socket.h"
#include "clock.h"
#include "control.pb.h"
#include "ctlpath.h"
#include "node_deliver.h"
#include "log_dmsg.h"
#include "topo.h"

#define FUZZ_REQUESTS 24
#define FUZZ_WAIT_MS 2000   /* for mail through a socket to arrive */

static const char topo_text[] =
	"[node]\n"
	"name = fuzzctl\n"
	"run_dir = %s\n"
	"[supervisor pipeline]\n"
	"strategy = rest_for_one\n"
	"[actor logger]\n"
	"exec = /bin/true\n"
	"transport = mq\n"
	"depth = 4\n"
	"msg_max = 512\n"
	"supervisor = pipeline\n"
	"[actor filter]\n"
	"exec = /bin/true\n"
	"transport = shm\n"
	"depth = 4\n"
	"msg_max = 8192\n"
	"supervisor = pipeline\n"
	"restart = transient\n"
	"[actor sensor]\n"
	"exec = /bin/true\n"
	"transport = unix\n"
	"depth = 4\n"
	"msg_max = 256\n"
	"[actor echo]\n"
	"exec = /bin/true\n"
	"transport = tcp\n"
	"depth = 4\n"
	"msg_max = 2048\n"
	"restart = temporary\n";

static char dir[64], ctl_path[128];
static struct tp_topology topo;
static struct tp_node node;
static struct tp_sup sup;
static struct tp_ctl ctl;
static int epfd = -1;
static bool running[TP_REG_MAX], held[TP_REG_MAX];
static uint8_t mail[8192];

/* ------------------------------------------------- the supervisor, stubbed */

int __wrap_tp_sup_ctl_stop(struct tp_sup *s, unsigned i);
int __wrap_tp_sup_ctl_start(struct tp_sup *s, unsigned i);
int __wrap_tp_sup_ctl_restart(struct tp_sup *s, unsigned i, const char *exec);

int __wrap_tp_sup_ctl_stop(struct tp_sup *s, unsigned i)
{
	FUZZ_CHECK(s == &sup && i < topo.n_actors);
	if (held[i] && !running[i])
		return -TP_ESTATE;
	running[i] = false;
	held[i] = true;
	tp_node_set(&node, i, TP_STATE_DOWN, 0, node.ent[i].restarts);
	return 0;
}

int __wrap_tp_sup_ctl_start(struct tp_sup *s, unsigned i)
{
	FUZZ_CHECK(s == &sup && i < topo.n_actors);
	if (running[i])
		return -TP_EBUSY;
	running[i] = true;
	held[i] = false;
	tp_node_set(&node, i, TP_STATE_UP, 1000 + (pid_t)i, node.ent[i].restarts);
	return 0;
}

int __wrap_tp_sup_ctl_restart(struct tp_sup *s, unsigned i, const char *exec)
{
	FUZZ_CHECK(s == &sup && i < topo.n_actors);
	if (exec && strlen(exec) >= sizeof s->ch[i].exec)
		return -TP_ETOOBIG;
	running[i] = true;
	held[i] = false;
	tp_node_set(&node, i, TP_STATE_UP, 1000 + (pid_t)i, node.ent[i].restarts + 1);
	return 0;
}

/* ------------------------------------------------------------- the node */

static void cleanup(void)
{
	tp_ctl_close(&ctl);
	for (unsigned i = 0; i < node.count; i++)
		if (node.box[i].mb) {
			tp_mailbox_close(&node.box[i]);
			node.box[i].t->unlink(node.ent[i].mailbox);
		}
	if (node.ctr)
		tp_counters_close(node.ctr);
	DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(dir);
}

static void setup(void)
{
	char name[32], file[160];
	snprintf(dir, sizeof dir, "/tmp/troupe-fuzzctl.XXXXXX");
	FUZZ_CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	snprintf(file, sizeof file, "%s/topology.ini", dir);
	FILE *f = fopen(file, "w");
	FUZZ_CHECK(f != NULL);
	fprintf(f, topo_text, dir);
	fclose(f);
	/* A node of its own: nothing shared with another node or fuzzer. */
	snprintf(name, sizeof name, "fuzzctl%d", (int)getpid());
	struct tp_topo_opts opts = { .node = name };
	FUZZ_CHECK(tp_topology_load(file, &opts, &topo, stderr) == 0);
	tp_node_init(&node, &topo);
	FUZZ_CHECK(tp_node_mailboxes(&node) == 0);
	for (unsigned i = 0; i < node.count; i++)
		if (!strcmp(node.box[i].t->name, "mq") || !strcmp(node.box[i].t->name, "shm"))
			node.box[i].t->unlink(node.ent[i].mailbox);   /* open ones go on */
	FUZZ_CHECK(tp_counters_create(topo.node.name, 0600, &node.ctr) == 0);
	tp_node_bind(&node);
	tp_counters_unlink(topo.node.name);
	/* The supervisor as tp_sup_init leaves it, without the log files. */
	sup.topo = &topo;
	sup.node = &node;
	sup.self = getpid();
	sup.stop_cur = -1;
	tp_tree_init(&sup.tree, &topo);
	tp_dmsg_open(false, TP_DLOG_ERROR);   /* not a line per command */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	FUZZ_CHECK(epfd >= 0);
	snprintf(ctl_path, sizeof ctl_path, "%s/ctl", dir);
	FUZZ_CHECK(tp_ctl_open(&ctl, ctl_path, &sup, &node, NULL, epfd) == 0);
}

static int connect_client(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", ctl_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	FUZZ_CHECK(fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0);
	ctl.h_listen.cb(&ctl.h_listen, EPOLLIN);
	FUZZ_CHECK(ctl.client[0] >= 0);
	return fd;
}

/* The next message in mailbox i, within ms: its length, or -TP_EEMPTY. */
static int take(unsigned i, int ms, struct tp_env *env)
{
	int len = node.box[i].t->recv(node.box[i].mb, mail, node.ent[i].msg_max, NULL,
				      ms ? tp_deadline_ms(ms) : 0);
	if (len < 0)
		return len;
	FUZZ_CHECK(tp_env_decode(mail, (size_t)len, node.ent[i].msg_max, env) == 0);
	return len;
}

static void expect_empty(void)
{
	struct tp_env env;
	for (unsigned i = 0; i < node.count; i++)
		FUZZ_CHECK(take(i, 0, &env) == -TP_EEMPTY);
}

/* ------------------------------------------------------------ a request */

/* The local actor a SEND or CALL names ("actor" or "actor@<this node>"),
 * or -1. */
static int local_actor(const char *name)
{
	char local[sizeof ((troupe_CtlRequest *)0)->name];
	snprintf(local, sizeof local, "%s", name);
	char *at = strchr(local, '@');
	if (at && strcmp(at + 1, topo.node.name) != 0)
		return -1;
	if (at)
		*at = '\0';
	return tp_deliver_find(&node, local);
}

/* The actor echoes the call's request: the reply goes through the
 * daemon's mailbox back to the client. */
static void answer_call(int cli, const troupe_CtlRequest *q, int i)
{
	static troupe_CtlReply r;
	struct tp_env env;
	FUZZ_CHECK(i >= 0 && take((unsigned)i, FUZZ_WAIT_MS, &env) >= 0);
	FUZZ_CHECK(env.flags == (TP_ENV_F_REQUEST | TP_ENV_F_SEALED) && env.corr != 0 &&
		   env.type == q->type);
	FUZZ_CHECK(!strcmp(env.sender, TP_DAEMON_NAME) && !strcmp(env.dest, topo.actors[i].name));
	FUZZ_CHECK(env.payload_len == q->payload.size &&
		   !memcmp(env.payload, q->payload.bytes, q->payload.size));
	uint8_t echo[sizeof q->payload.bytes];
	memcpy(echo, env.payload, env.payload_len);
	uint64_t corr = env.corr;
	uint32_t len = env.payload_len;
	unsigned d = TP_NODE_DAEMON(&node);
	FUZZ_CHECK(tp_deliver_bytes(&node, d, topo.actors[i].name, q->type, TP_ENV_F_REPLY,
				    corr, echo, len) == 0);
	ctl.h_mail.cb(&ctl.h_mail, EPOLLIN);
	uint8_t buf[troupe_CtlReply_size];
	ssize_t n = recv(cli, buf, sizeof buf, MSG_DONTWAIT);
	FUZZ_CHECK(n > 0);
	memset(&r, 0, sizeof r);
	pb_istream_t is = pb_istream_from_buffer(buf, (size_t)n);
	FUZZ_CHECK(pb_decode(&is, troupe_CtlReply_fields, &r) && r.version == 1);
	FUZZ_CHECK(r.err == 0 && r.type == q->type && r.payload.size == len &&
		   !memcmp(r.payload.bytes, echo, len));
}

static void check_reply(const troupe_CtlReply *r, bool ok, const troupe_CtlRequest *q)
{
	FUZZ_CHECK(r->version == 1 && r->err >= 0);
	if (!ok) {
		FUZZ_CHECK(r->err == TP_EDECODE);
		return;
	}
	int i;
	switch (q->cmd) {
	case troupe_CtlRequest_Cmd_LIST:
		FUZZ_CHECK(r->err == 0 && r->actors_count == topo.n_actors);
		for (unsigned j = 0; j < topo.n_actors; j++)
			FUZZ_CHECK(!strcmp(r->actors[j].name, topo.actors[j].name));
		break;
	case troupe_CtlRequest_Cmd_STATUS:
		i = tp_deliver_find(&node, q->name);
		FUZZ_CHECK(i >= 0 ? r->err == 0 && r->actors_count == 1 &&
				    !strcmp(r->actors[0].name, q->name)
				  : r->err == TP_ENOENT && r->actors_count == 0);
		break;
	case troupe_CtlRequest_Cmd_STOP:
	case troupe_CtlRequest_Cmd_START:
	case troupe_CtlRequest_Cmd_RESTART:
	case troupe_CtlRequest_Cmd_UPGRADE:
		if (tp_deliver_find(&node, q->name) < 0)
			FUZZ_CHECK(r->err == TP_ENOENT);
		break;
	case troupe_CtlRequest_Cmd_SEND:
	case troupe_CtlRequest_Cmd_CALL:
		i = local_actor(q->name);
		if (i < 0) {
			FUZZ_CHECK(r->err != 0);
		} else if (r->err == 0) {   /* a SEND: it is there */
			struct tp_env env;
			FUZZ_CHECK(q->cmd == troupe_CtlRequest_Cmd_SEND);
			FUZZ_CHECK(take((unsigned)i, FUZZ_WAIT_MS, &env) >= 0);
			/* Sealed: the daemon put it into an actor's mailbox. */
			FUZZ_CHECK(env.flags == TP_ENV_F_SEALED && env.seal &&
				   env.type == q->type &&
				   !strcmp(env.sender, TP_DAEMON_NAME) &&
				   env.payload_len == q->payload.size &&
				   !memcmp(env.payload, q->payload.bytes, q->payload.size));
		}
		break;
	case troupe_CtlRequest_Cmd_COUNTERS:
		FUZZ_CHECK(r->err == 0 && r->counting && r->counters_count == node.count);
		break;
	case troupe_CtlRequest_Cmd_LINKS:
		FUZZ_CHECK(r->err == 0 && r->links_count == 0);
		break;
	case troupe_CtlRequest_Cmd_RELOAD:
		FUZZ_CHECK(r->err == TP_ENOSYS);
		break;
	case troupe_CtlRequest_Cmd_TRACE:
		FUZZ_CHECK(r->err == 0 && r->counting);
		break;
	case troupe_CtlRequest_Cmd_SUB:
		/* Subscribed only with a valid filter; else refused for it, for a
		 * second subscription of this client, or a full table. */
		FUZZ_CHECK(r->err == 0 || r->err == TP_EINVAL || r->err == TP_EBUSY ||
			   r->err == TP_ELIMIT || r->err == TP_ENOENT);
		FUZZ_CHECK(r->err != 0 || tp_topic_filter_check(q->filter) == 0);
		FUZZ_CHECK(r->err != TP_EINVAL || tp_topic_filter_check(q->filter) != 0);
		break;
	default:
		FUZZ_CHECK(r->err == TP_ENOSYS);
	}
	expect_empty();   /* nothing sent anywhere else, nor twice */
}

/* One request: returns the client, connected again if it was dropped. */
static int request(int cli, const uint8_t *req, size_t len)
{
	static troupe_CtlRequest q;
	static troupe_CtlReply r;
	memset(&q, 0, sizeof q);
	pb_istream_t is = pb_istream_from_buffer(req, len);
	bool ok = len <= troupe_CtlRequest_size && pb_decode(&is, troupe_CtlRequest_fields, &q);
	FUZZ_CHECK(send(cli, req, len, MSG_NOSIGNAL) == (ssize_t)len);
	ctl.h_client[0].cb(&ctl.h_client[0], EPOLLIN);
	if (len == 0) {   /* reads as the client hanging up */
		FUZZ_CHECK(ctl.client[0] < 0);
		close(cli);
		return connect_client();
	}
	uint8_t buf[troupe_CtlReply_size + 1];
	ssize_t n = recv(cli, buf, sizeof buf, MSG_DONTWAIT);
	if (n < 0) {   /* no answer yet: only an accepted call */
		FUZZ_CHECK(ok && q.cmd == troupe_CtlRequest_Cmd_CALL);
		answer_call(cli, &q, local_actor(q.name));
		expect_empty();
		return cli;
	}
	FUZZ_CHECK(n > 0 && (size_t)n <= troupe_CtlReply_size);
	memset(&r, 0, sizeof r);
	is = pb_istream_from_buffer(buf, (size_t)n);
	FUZZ_CHECK(pb_decode(&is, troupe_CtlReply_fields, &r));
	check_reply(&r, ok, &q);
	return cli;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (epfd < 0)
		setup();
	/* Each input from the same state: every actor down, not held, no
	 * tracing. */
	ctl.trace_until_ns = 0;
	__atomic_store_n(&node.ctr->tracing, 0, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < topo.n_actors; i++) {
		running[i] = held[i] = false;
		tp_node_set(&node, i, TP_STATE_DOWN, 0, 0);
	}
	int cli = connect_client();
	size_t at = 0;
	for (int k = 0; k < FUZZ_REQUESTS && at < size; k++) {
		size_t len = size - at;
		if (len >= 2 && (size_t)(data[at] | data[at + 1] << 8) <= len - 2) {
			len = (size_t)(data[at] | data[at + 1] << 8);
			at += 2;
		}
		cli = request(cli, data + at, len);
		at += len;
	}
	/* The client hangs up: its slot and its calls are freed. */
	close(cli);
	ctl.h_client[0].cb(&ctl.h_client[0], EPOLLIN);
	FUZZ_CHECK(ctl.client[0] < 0);
	for (int j = 0; j < TP_CTL_CALLS; j++)
		FUZZ_CHECK(ctl.call[j].client < 0);
	return 0;
}
