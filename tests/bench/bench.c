/* bench: Troupe's four transports against the raw primitive each is built
 * on, and against ZeroMQ and NNG over ipc:// and iceoryx's C binding, in one
 * run and one table.
 *
 * For every placement (all on CPU 0; measurer on CPU 0 and answerer on
 * CPU 1) and payload size (64 B, 1 KiB, 16 KiB): N round trips one at a
 * time (median, p99) and M messages streamed one way (msg/s), the clock
 * stopping when the receiver has counted the last.  A transport's raw
 * primitive runs just before Troupe over it, so the two see the same
 * machine.  Troupe's processes count their heap allocations in the
 * measured loops (malloc_count.c): the goal is none.  Then the topic
 * fan-out (fan.c): one publisher to 1, 4 and 16 subscribers on Troupe's
 * topics, raw shm+sem rings, ZeroMQ PUB/SUB and iceoryx.
 *
 * Usage: bench [-n N] [-m M] [-w W] [-t SECONDS] [-o PATHS] [-P 1|2]
 *              ECHO_ACTOR MALLOC_COUNT_SO
 * PATHS: comma-separated among mq,shm,shm-spin,unix,tcp,pipe,zmq,nng,iox,fan
 * (default all);
 * "troupe:shm" or "raw:shm" for one side of a transport only ("troupe:fan":
 * Troupe's fan-out rows and the raw ring's, "raw:fan": ZeroMQ's and
 * iceoryx's).
 * Exit: 0 measured (whether or not the goals were met), 1 a measurement
 * failed, 2 usage, 3 the watchdog fired. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "bench.h"
#include "rundir.h"

/* Rows of the table, in the order they run: each transport's raw
 * primitive just before Troupe over it, then the references. */
static const struct path {
	const char *label;
	const char *key;               /* what -o names */
	const struct chan_ops *chan;   /* NULL: Troupe over transport key */
	int raw;                       /* Troupe: index of its raw row */
} paths[] = {
	{ "raw mq", "mq", &chan_mq, -1 },
	{ "troupe mq", "mq", NULL, 0 },
	{ "raw shm+sem", "shm", &chan_shm, -1 },
	{ "troupe shm", "shm", NULL, 2 },
	{ "troupe shm spin", "shm-spin", NULL, 2 },
	{ "raw unix dgram", "unix", &chan_unix, -1 },
	{ "troupe unix", "unix", NULL, 5 },
	{ "raw tcp", "tcp", &chan_tcp, -1 },
	{ "troupe tcp", "tcp", NULL, 7 },
	{ "raw pipe", "pipe", &chan_pipe, -1 },
	{ "zmq ipc", "zmq", &chan_zmq, -1 },
	{ "nng ipc", "nng", &chan_nng, -1 },
	{ "iceoryx", "iox", &chan_iox, -1 },
};
#define NPATHS (sizeof paths / sizeof *paths)
enum { P_TROUPE_SHM = 3, P_TROUPE_SPIN = 4, P_ZMQ = 10, P_NNG = 11, P_IOX = 12 };

#define GOAL_SHM 1.25
#define GOAL_KERNEL 1.15

static struct result res[NPLACEMENTS][NPATHS][NSIZES];
static bool want[NPATHS], want_place[NPLACEMENTS] = { true, true };
static bool want_fan[2] = { true, true };   /* Troupe's rows, the others */

static void on_fatal_signal(int sig)
{
	static const char msg[] = "bench: watchdog or signal: killing children, "
				  "removing what was created\n";
	children_kill();
	cleanup_all();
	(void)!write(2, msg, sizeof msg - 1);
	_exit(sig == SIGALRM ? 3 : 1);
}

/* ---------------------------------------------------------------- report */

static void print_ratio(double x)
{
	if (x > 0)
		printf(" %6.2fx", x);
	else
		printf(" %7s", "-");
}

static double rtt_ratio(const struct result *t, const struct result *o)
{
	return t->done && o->done ? t->med_us / o->med_us : 0;
}

static double tput_ratio(const struct result *t, const struct result *o)
{
	return t->done && o->done ? t->msgs_per_s / o->msgs_per_s : 0;
}

static void print_row(enum placement p, unsigned s, unsigned i)
{
	const struct result *r = &res[p][i][s];
	unsigned size = bench_sizes[s];
	printf("%-7s %5u  %-14s", placement_names[p], size, paths[i].label);
	if (!r->done) {
		printf(" (%s)\n", r->skip[0] ? r->skip : "not run");
		return;
	}
	printf(" %8.1f %8.1f %10.0f %8.1f", r->med_us, r->p99_us, r->msgs_per_s,
	       r->msgs_per_s * size / 1e6);
	if (paths[i].chan) {
		printf("\n");
		return;
	}
	const struct result *raw = &res[p][paths[i].raw][s];
	const struct result *z = &res[p][P_ZMQ][s], *n = &res[p][P_NNG][s];
	const struct result *x = &res[p][P_IOX][s];
	printf(" |");
	print_ratio(rtt_ratio(r, raw));
	print_ratio(rtt_ratio(r, z));
	print_ratio(rtt_ratio(r, n));
	print_ratio(rtt_ratio(r, x));
	printf(" |");
	print_ratio(tput_ratio(r, raw));
	print_ratio(tput_ratio(r, z));
	print_ratio(tput_ratio(r, n));
	print_ratio(tput_ratio(r, x));
	printf(" | %ld\n", r->allocs);
}

static void print_table(void)
{
	printf("\n%u round trips (rtt, µs) and %u messages streamed one way (%u at 16 KiB) "
	       "per row, after %u of each to warm up.\n", cfg.n, cfg.m, stream_count(16384),
	       cfg.warm);
	printf("size: payload bytes (raw, zmq, nng send exactly that; Troupe sends a "
	       "bench message of that many data bytes (Small, Medium, Large: sized for it), "
	       "plus about 40 B of envelope and protobuf); MB/s counts payload only.\n");
	printf("Troupe rows: rtt ratio = Troupe median / other median (lower is better); "
	       "tput ratio = Troupe msg/s / other msg/s (higher is better);\n"
	       "allocs = heap allocations in all three Troupe processes during the "
	       "measured loops.\n\n");
	printf("%-7s %5s  %-14s %8s %8s %10s %8s | %7s %7s %7s %7s | %7s %7s %7s %7s | %s\n",
	       "place", "size", "path", "rtt_med", "rtt_p99", "msg/s", "MB/s",
	       "rtt/raw", "/zmq", "/nng", "/iox", "tpt/raw", "/zmq", "/nng", "/iox", "allocs");
	for (unsigned p = 0; p < NPLACEMENTS; p++) {
		if (!want_place[p])
			continue;
		for (unsigned s = 0; s < NSIZES; s++) {
			for (unsigned i = 0; i < NPATHS; i++)
				if (want[i])
					print_row(p, s, i);
			printf("\n");
		}
	}
}

static const char *verdict(bool known, bool met)
{
	return !known ? "not measured" : met ? "MET" : "NOT MET";
}

/* The goals, each with the numbers it was judged on. */
static void print_goals(void)
{
	printf("goals (both placements; cross-core round trips are dominated by "
	       "wake-ups and swing between runs):\n");
	for (unsigned p = 0; p < NPLACEMENTS; p++) {
		if (!want_place[p])
			continue;
		for (unsigned i = 0; i < NPATHS; i++) {
			if (paths[i].chan || !want[i] || i == P_TROUPE_SPIN)
				continue;
			double goal = i == P_TROUPE_SHM ? GOAL_SHM : GOAL_KERNEL, worst = 0;
			unsigned measured = 0;
			char missing[64] = "";
			for (unsigned s = 0; s < NSIZES; s++) {
				double x = rtt_ratio(&res[p][i][s], &res[p][paths[i].raw][s]);
				if (x > 0)
					measured++;
				else
					snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
						 " %u B", bench_sizes[s]);
				if (x > worst)
					worst = x;
			}
			/* "At every size": a size with no data cannot be judged MET. */
			bool partial = measured > 0 && measured < NSIZES;
			printf("  %-7s %-11s rtt <= %.2fx raw at every size: worst %.2fx: %s%s%s%s\n",
			       placement_names[p], paths[i].label, goal, worst,
			       verdict(measured > 0, measured == NSIZES && worst <= goal),
			       partial ? " (no data at" : "", partial ? missing : "",
			       partial ? ")" : "");
		}
		const struct result *shm = res[p][P_TROUPE_SHM];
		for (unsigned k = P_ZMQ; k <= P_NNG; k++) {
			double x = rtt_ratio(&shm[0], &res[p][k][0]);
			printf("  %-7s troupe shm  rtt at 64 B <= 0.5x %s: %.2fx: %s\n",
			       placement_names[p], paths[k].label, x, verdict(x > 0, x <= 0.5));
		}
		double t64 = tput_ratio(&shm[0], &res[p][P_ZMQ][0]);
		double t1k = tput_ratio(&shm[1], &res[p][P_ZMQ][1]);
		printf("  %-7s troupe shm  stream at 64 B >= 1x zmq ipc: %.2fx: %s\n",
		       placement_names[p], t64, verdict(t64 > 0, t64 >= 1));
		printf("  %-7s troupe shm  stream at 1 KiB >= 2x zmq ipc: %.2fx: %s\n",
		       placement_names[p], t1k, verdict(t1k > 0, t1k >= 2));
		/* spin_us never hurts: on one core no worse than not spinning,
		 * across cores the spin's round trip. */
		const struct result *spin = res[p][P_TROUPE_SPIN];
		if (want[P_TROUPE_SPIN] && p == ONE_CORE) {
			double worst = 0;
			unsigned measured = 0;
			for (unsigned s = 0; s < NSIZES; s++) {
				double x = rtt_ratio(&spin[s], &shm[s]);
				measured += x > 0;
				worst = x > worst ? x : worst;
			}
			printf("  %-7s troupe shm spin rtt <= 1.10x troupe shm at every size: "
			       "worst %.2fx: %s\n", placement_names[p], worst,
			       verdict(measured > 0, measured == NSIZES && worst <= 1.10));
		} else if (want[P_TROUPE_SPIN]) {
			printf("  %-7s troupe shm spin rtt at 64 B <= 2 us: %.1f us: %s\n",
			       placement_names[p], spin[0].med_us,
			       verdict(spin[0].done, spin[0].med_us <= 2.0));
		}
		if (spin[0].done)
			printf("  %-7s (shm with spin_us = 50, 64 B: rtt %.2fx raw shm, "
			       "%.2fx zmq; stream %.2fx zmq)\n", placement_names[p],
			       rtt_ratio(&spin[0], &res[p][2][0]), rtt_ratio(&spin[0], &res[p][P_ZMQ][0]),
			       tput_ratio(&spin[0], &res[p][P_ZMQ][0]));
	}
	long allocs = 0;
	bool known = false;
	for (unsigned p = 0; p < NPLACEMENTS; p++)
		for (unsigned i = 0; i < NPATHS; i++)
			for (unsigned s = 0; s < NSIZES; s++)
				if (!paths[i].chan && res[p][i][s].done) {
					known = true;
					allocs += res[p][i][s].allocs;
				}
	printf("  zero heap allocations per message in Troupe's processes: %ld in all "
	       "measured loops: %s\n", allocs, verdict(known, allocs == 0));
}

/* ---------------------------------------------------------------- main */

static int usage(void)
{
	fprintf(stderr, "usage: bench [-n round_trips] [-m streamed] [-w warmup] "
		"[-t watchdog_s] [-o mq,shm,shm-spin,unix,tcp,pipe,zmq,nng,iox,fan] [-P 1|2] "
		"ECHO_ACTOR MALLOC_COUNT_SO\n");
	return 2;
}

static int parse_only(char *list)
{
	memset(want, 0, sizeof want);
	memset(want_fan, 0, sizeof want_fan);
	for (char *k = strtok(list, ","); k; k = strtok(NULL, ",")) {
		bool found = false;
		int only = 0;   /* 1: Troupe rows only, 2: the others only */
		if (strncmp(k, "troupe:", 7) == 0)
			only = 1, k += 7;
		else if (strncmp(k, "raw:", 4) == 0)
			only = 2, k += 4;
		if (strcmp(k, "fan") == 0) {
			want_fan[0] |= only != 2;
			want_fan[1] |= only != 1;
			continue;
		}
		for (unsigned i = 0; i < NPATHS; i++)
			if (strcmp(paths[i].key, k) == 0 &&
			    !(only == 1 && paths[i].chan) && !(only == 2 && !paths[i].chan))
				want[i] = found = true;
		if (!found) {
			fprintf(stderr, "bench: -o: unknown path '%s'\n", k);
			return -1;
		}
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	int c;
	for (unsigned i = 0; i < NPATHS; i++)
		want[i] = true;
	while ((c = getopt(argc, argv, "n:m:w:t:o:P:")) != -1) {
		if (c == 'o') {
			if (parse_only(optarg))
				return usage();
			continue;
		}
		long v = optarg ? strtol(optarg, NULL, 10) : 0;
		if (v < 1 || v > 10000000)
			return usage();
		switch (c) {
		case 'n': cfg.n = v; break;
		case 'm': cfg.m = v < 8 ? 8 : v; break;
		case 'w': cfg.warm = v < 2 ? 2 : v; break;
		case 't': cfg.timeout_s = v; break;
		case 'P':
			if (v > NPLACEMENTS)
				return usage();
			want_place[0] = v == 1;
			want_place[1] = v == 2;
			break;
		default: return usage();
		}
	}
	if (optind + 2 != argc)
		return usage();
	cfg.echo_path = argv[optind];
	cfg.malloc_so = argv[optind + 1];
	for (int i = 0; i < 2; i++)
		if (access(argv[optind + i], i ? R_OK : X_OK)) {
			fprintf(stderr, "bench: %s: %s\n", argv[optind + i], strerror(errno));
			return 2;
		}
	return 0;
}

/* The run's own directory for sockets, and the names every path may
 * create, registered for cleanup before anything is made. */
static int run_dir_make(void)
{
	char p[160];
	snprintf(cfg.run_dir, sizeof cfg.run_dir, "/tmp/troupe-bench.%d", (int)getpid());
	if (mkdir(cfg.run_dir, 0700)) {
		fprintf(stderr, "bench: mkdir %s: %s\n", cfg.run_dir, strerror(errno));
		cfg.run_dir[0] = '\0';
		return -1;
	}
	setenv(TP_RUN_DIR_ENV, cfg.run_dir, 1);
	static const char *const files[] = { "raw.ping", "raw.pong", "zmq.sock", "nng.sock" };
	for (unsigned i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s/%s", cfg.run_dir, files[i]);
		cleanup_add_path(p);
	}
	for (unsigned i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "/troupe.%s.raw_%s", cfg.node, i ? "pong" : "ping");
		cleanup_add_mq(p);
	}
	return 0;
}

static int run_all(void)
{
	int rc = 0;
	for (unsigned p = 0; p < NPLACEMENTS; p++) {
		if (!want_place[p])
			continue;
		for (unsigned i = 0; i < NPATHS; i++) {
			if (!want[i])
				continue;
			fprintf(stderr, "bench: %s, %s...\n", placement_names[p], paths[i].label);
			if (!paths[i].chan) {
				alarm(cfg.timeout_s + 10);
				if (troupe_run(paths[i].key, p, res[p][i]))
					rc = -1;
				continue;
			}
			for (unsigned s = 0; s < NSIZES; s++) {
				alarm(cfg.timeout_s + 10);
				if (chan_run(paths[i].chan, p, bench_sizes[s], &res[p][i][s]))
					rc = -1;
			}
		}
	}
	alarm(0);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);
	if (rc)
		return rc;
	snprintf(cfg.node, sizeof cfg.node, "bench%d", (int)getpid());
	struct sigaction sa = { .sa_handler = on_fatal_signal };
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 && want_place[TWO_CORES]) {
		fprintf(stderr, "bench: one CPU online: the two-core placement is skipped\n");
		want_place[TWO_CORES] = false;
	}
	if (run_dir_make())
		return 1;
	rc = run_all();
	bool fan = want_fan[0] || want_fan[1];
	if (fan && fan_bench(want_fan[0], want_fan[1]))
		rc = -1;
	children_kill();
	cleanup_all();
	print_table();
	print_goals();
	if (fan)
		fan_print();
	return rc ? 1 : 0;
}
