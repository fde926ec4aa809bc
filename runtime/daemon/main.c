/* troupe, the node daemon: reads a topology, sets up the node's mailboxes
 * and registry, then runs and supervises its actors from one event loop. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "troupe/error.h"
#include "troupe/version.h"
#include "ctl_socket.h"
#include "log_dmsg.h"
#include "linkd.h"
#include "sup_monitor.h"
#include "node.h"
#include "node_topics.h"
#include "notify.h"
#include "topo_exec.h"
#include "topo_reload.h"
#include "sup.h"
#include "topic_rates.h"
#include "topo.h"


enum {
	EXIT_CLEAN = 0,     /* clean stop */
	EXIT_FAILED = 1,    /* restart limit reached, or start-up failed */
	EXIT_USAGE = 2,     /* bad command line or topology */
	EXIT_RUNNING = 3,   /* this node is already running */
};

/* What the loop's own two handles act on: the signalfd and the timerfd. */
static struct main_loop_ctx {
	struct tp_sup *s;
	struct tp_ctl *ctl;
	struct tp_linkd *ld;
	int sfd, tfd;
	bool fired;              /* the timer fired: it holds no deadline now */
} main_ctx;
static struct tp_loop_fd main_h_signal, main_h_timer;

static void main_usage(FILE *f)
{
	fprintf(f,
		"usage: troupe [options] TOPOLOGY.ini\n"
		"Runs and supervises the actors of one node.\n\n"
		"  -c, --check             validate the topology and exit\n"
		"  -n, --node NAME         node name (overrides [node] name)\n"
		"  -x, --exec-prefix CMD   prepend CMD to every actor command\n"
		"                          (overrides [node] exec_prefix)\n"
		"  -A, --actor-path PATH   where bare exec names are looked up\n"
		"                          (colon-separated; overrides actor_path)\n"
		"  -s, --syslog            log to the system log (overrides [node] log)\n"
		"  -h, --help              this text\n"
		"  -V, --version           version\n\n"
		"The daemon's messages ('troupe[<node>]: ...') and its actors' output\n"
		"('<actor>[<pid>]: <line>') go to stderr, or to the system log (facility\n"
		"daemon) with -s or log = syslog.  SIGTERM or SIGINT stops the actors\n"
		"in reverse start order; a second SIGINT kills the remaining ones.\n"
		"SIGHUP reloads the topology file (as troupectl reload).\n\n"
		"Exit status:\n"
		"  0  clean stop (or --check: topology is valid)\n"
		"  1  node failed: restart limit reached, or start-up failed\n"
		"  2  usage or topology error\n"
		"  3  this node is already running\n");
}

/* Actors inherit 0-2 through dup2: they must not be our own pipes. */
static void main_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			exit(EXIT_FAILED);
}

static int main_arm_timer(int tfd, int64_t deadline)
{
	struct itimerspec it = { 0 };
	if (deadline != INT64_MAX) {
		if (deadline < 1)
			deadline = 1;
		it.it_value.tv_sec = deadline / 1000000000;
		it.it_value.tv_nsec = deadline % 1000000000;
	}
	return timerfd_settime(tfd, TFD_TIMER_ABSTIME, &it, NULL);
}

static struct tp_reloader *main_rl;

/* SIGHUP: as troupectl reload, with the outcome in the log. */
static void main_reload(void)
{
	static char msg[2048];
	int rc = tp_reloader_request(main_rl, msg, sizeof msg);
	for (char *line = strtok(msg, "\n"); rc && line; line = strtok(NULL, "\n"))
		tp_dwarn("%s", line);
}

static void main_signal(struct tp_sup *s, int sig)
{
	switch (sig) {
	case SIGCHLD:
		tp_sup_reap(s);
		break;
	case SIGINT:
	case SIGTERM:
		if (!s->stopping) {
			tp_dmsg("%s: stopping the node", strsignal(sig));
			tp_sup_stop(s);
		} else if (sig == SIGINT) {
			tp_dmsg("second interrupt: killing the remaining actors");
			tp_sup_kill_all(s);
		}
		break;
	case SIGHUP:
		main_reload();
		break;
	}
}

static void main_signals(struct tp_sup *s, int sfd)
{
	struct signalfd_siginfo si;
	while (read(sfd, &si, sizeof si) == sizeof si)
		main_signal(s, (int)si.ssi_signo);
}

static void main_on_signal(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	struct main_loop_ctx *m = h->owner;
	main_signals(m->s, m->sfd);
}

static void main_on_timer(struct tp_loop_fd *h, uint32_t events)
{
	(void)events;
	struct main_loop_ctx *m = h->owner;
	uint64_t ticks;
	m->fired = true;
	if (read(m->tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
		tp_derr("timerfd: %s", strerror(errno));
	tp_sup_timer(m->s);
	tp_ctl_timer(m->ctl);
	if (m->ld)
		tp_linkd_timer(m->ld);
}

/* The one place the daemon waits, dispatching on the handles registered
 * with each descriptor (loop.h).  The timerfd carries the next deadline
 * of all (restart backoff, shutdown escalation, calls, links). */
static void main_loop(struct tp_sup *s, struct tp_ctl *ctl, struct tp_linkd *ld,
		      int epfd)
{
	main_ctx.s = s;
	main_ctx.ctl = ctl;
	main_ctx.ld = ld;
	/* The deadline the timer holds, -1 once it fired: re-armed only when
	 * it changes, which saves a syscall on every turn of a busy link. */
	int64_t armed = -1;
	int tfd = main_ctx.tfd;
	static struct tp_topic_rates rates;
	while (!tp_sup_done(s)) {
		tp_notify_tick(s);
		int64_t next = tp_sup_next_deadline(s), cn = tp_ctl_next_deadline(ctl);
		if (ld && tp_linkd_next_deadline(ld) < next)
			next = tp_linkd_next_deadline(ld);
		if (s->node->topics) {
			int64_t tr = tp_topic_rates_tick(&rates, s->node->topics, tp_now_ns());
			if (tr < next)
				next = tr;
		}
		int64_t want = tp_notify_deadline(cn < next ? cn : next);
		if (want != armed && main_arm_timer(tfd, want) < 0) {
			tp_derr("cannot arm the timer: %s; stopping", strerror(errno));
			tp_sup_kill_all(s);
			tp_sup_stop(s);
		} else {
			armed = want;
		}
		struct epoll_event ev[16];
		int n = epoll_wait(epfd, ev, 16, -1);
		if (n < 0 && errno != EINTR) {
			tp_derr("epoll_wait: %s; stopping", strerror(errno));
			return;
		}
		main_ctx.fired = false;
		tp_loop_dispatch(ev, n);
		if (main_ctx.fired)
			armed = -1;
		tp_reloader_tick(main_rl);
	}
}

/* Signals become events: blocked here, read from a signalfd.  Actors
 * unblock and reset them after fork. */
static int main_fds(int *epfd, int *sfd, int *tfd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);   /* a closed stdout must not kill the node */
	*sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	*epfd = epoll_create1(EPOLL_CLOEXEC);
	main_ctx.sfd = *sfd;
	main_ctx.tfd = *tfd;
	tp_loop_fd_set(&main_h_signal, main_on_signal, &main_ctx, 0);
	tp_loop_fd_set(&main_h_timer, main_on_timer, &main_ctx, 0);
	if (*sfd < 0 || *tfd < 0 || *epfd < 0 ||
	    tp_loop_ctl(*epfd, EPOLL_CTL_ADD, *sfd, EPOLLIN, &main_h_signal) ||
	    tp_loop_ctl(*epfd, EPOLL_CTL_ADD, *tfd, EPOLLIN, &main_h_timer)) {
		tp_derr("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int main_setup(struct tp_node *node)
{
	int rc = tp_node_lock(node);
	if (rc == -TP_EBUSY) {
		fprintf(stderr, "troupe: node '%s' is already running\n",
			node->topo->node.name);
		return EXIT_RUNNING;
	}
	if (rc)
		return EXIT_FAILED;
	int removed = tp_node_sweep(node);
	if (removed > 0)
		tp_dwarn("removed %d stale object%s left by an earlier unclean stop",
			removed, removed == 1 ? "" : "s");
	/* The topic table before any actor runs: no first message is lost
	 * to start-up order. */
	if (tp_node_mailboxes(node) || tp_node_publish(node) || tp_node_topics_create(node))
		return EXIT_FAILED;
	return EXIT_CLEAN;
}

static int main_run(struct tp_topology *t, const char *path,
		    const struct tp_topo_opts *o, bool use_syslog)
{
	static struct tp_node node;
	static struct tp_sup sup;
	static struct tp_monitors mon;
	static struct tp_ctl ctl;
	static struct tp_linkd links;
	struct tp_linkd *ld = tp_linkd_wanted(t) ? &links : NULL;
	static struct tp_reloader rl;
	int epfd = -1, sfd = -1, tfd = -1;
	tp_dmsg_init(t->node.name);
	tp_dmsg_open(use_syslog || strcmp(t->node.log, "syslog") == 0,
		     (enum tp_dlevel)tp_dmsg_level(t->node.log_level));
	/* A bad key file stops the start before anything is created. */
	if (ld && tp_linkd_init(ld, t))
		return EXIT_USAGE;
	tp_node_init(&node, t);
	if (ld && tp_linkd_prepare(ld, &node))
		return EXIT_FAILED;
	int code = main_fds(&epfd, &sfd, &tfd) ? EXIT_FAILED : main_setup(&node);
	if (code == EXIT_CLEAN && tp_sup_init(&sup, t, &node, epfd))
		code = EXIT_FAILED;
	tp_monitors_init(&mon, &sup);
	sup.on_exit = ld ? tp_linkd_actor_exit : tp_monitors_exit;
	sup.on_exit_arg = ld ? (void *)ld : (void *)&mon;
	tp_reloader_init(&rl, t, path, o, &sup, &node, &mon, ld);
	main_rl = &rl;
	if (code == EXIT_CLEAN && tp_ctl_open(&ctl, t->node.control, &sup, &node, &mon, epfd)) {
		tp_ctl_close(&ctl);
		code = EXIT_FAILED;
	}
	ctl.reload = &rl;
	rl.done = tp_ctl_reload_done;
	rl.done_arg = &ctl;
	ctl.links = ld;
	if (code == EXIT_CLEAN && ld && tp_linkd_open(ld, &mon, epfd)) {
		tp_ctl_close(&ctl);
		code = EXIT_FAILED;
	}
	if (code == EXIT_CLEAN) {
		tp_sup_start(&sup);
		main_loop(&sup, &ctl, ld, epfd);
		tp_notify_tick(&sup);
		tp_ctl_close(&ctl);
		tp_sup_reap(&sup);
		tp_sup_fini(&sup);
		code = sup.failed ? EXIT_FAILED : EXIT_CLEAN;
		tp_dmsg("%s: %u actor%s, %u restart%s, up %.1f s",
			sup.failed ? "node failed" : "stopped", t->n_actors,
			t->n_actors == 1 ? "" : "s", sup.total_restarts,
			sup.total_restarts == 1 ? "" : "s",
			(double)(tp_now_ns() - sup.started_ns) / 1e9);
	}
	if (ld)
		tp_linkd_close(ld);
	if (code != EXIT_RUNNING)
		tp_node_fini(&node);
	tp_dmsg_close();
	return code;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "node", required_argument, NULL, 'n' },
		{ "exec-prefix", required_argument, NULL, 'x' },
		{ "actor-path", required_argument, NULL, 'A' },
		{ "syslog", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct tp_topology topo;
	struct tp_topo_opts o = { 0 };
	bool check = false, use_syslog = false;
	int opt;
	main_std_fds();
	tp_notify_init();
	while ((opt = getopt_long(argc, argv, "cn:x:A:shV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': check = true; break;
		case 'n': o.node = optarg; break;
		case 'x': o.exec_prefix = optarg; break;
		case 'A': o.actor_path = optarg; break;
		case 's': use_syslog = true; break;
		case 'h': main_usage(stdout); return EXIT_CLEAN;
		case 'V': printf("troupe %s\n", tp_version()); return EXIT_CLEAN;
		default: main_usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "troupe: expected one topology file\n");
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (o.node && !tp_name_is_valid(o.node)) {
		fprintf(stderr, "troupe: -n: invalid node name '%s' (1 to %d of "
			"A-Z a-z 0-9 _ -)\n", o.node, TP_NAME_MAX);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	int load_errs = tp_topology_load(path, &o, &topo, stderr);
	int errs = load_errs + tp_topology_resolve(&topo, stderr);
	/* What a start would refuse, all of it in one run: the executables
	 * here, the kernel's limits with --check (a start checks those as it
	 * creates the mailboxes, and logs every one). */
	if (!load_errs)
		errs += tp_topology_check_execs(&topo, stderr);
	/* Users and groups: unknown ones, and what this daemon may not do. */
	if (!load_errs)
		errs += tp_topology_privs(&topo, stderr);
	if (check && !load_errs)
		errs += tp_node_check(&topo, stderr) + tp_linkd_check_listen(&topo, stderr);
	if (errs) {
		fprintf(stderr, "troupe: %s: %d error%s\n", path, errs, errs == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	if (check) {
		printf("%s: ok: node %s, %u actor%s\n", path, topo.node.name,
		       topo.n_actors, topo.n_actors == 1 ? "" : "s");
		return EXIT_CLEAN;
	}
	return main_run(&topo, path, &o, use_syslog);
}
