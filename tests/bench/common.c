/* Children, cleanup, statistics and affinity for every path of the bench. */
#include <errno.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "transport.h"
#include "registry.h"
#include "topictab.h"

const unsigned bench_sizes[NSIZES] = { 64, 1024, SIZE_MAX_PAYLOAD };
const char *const placement_names[NPLACEMENTS] = { "1 core", "2 cores" };

struct bench_cfg cfg = { .n = 10000, .m = 100000, .warm = 1000, .timeout_s = 30 };

unsigned stream_count(unsigned size)
{
	unsigned m = size >= SIZE_MAX_PAYLOAD ? cfg.m / 4 : cfg.m;
	return m < 2 ? 2 : m;
}

/* ---------------------------------------------------------------- children */

#define MAX_CHILDREN 24   /* the fan-out: a publisher and 16 subscribers */
static pid_t children[MAX_CHILDREN];

pid_t child_fork(void)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		alarm(cfg.timeout_s);
		memset(children, 0, sizeof children);   /* not ours to kill */
	} else if (pid > 0) {
		for (int i = 0; i < MAX_CHILDREN; i++)
			if (children[i] <= 0) {
				children[i] = pid;
				break;
			}
	} else {
		perror("bench: fork");
	}
	return pid;
}

int child_reap(pid_t pid, int ms)
{
	int st = 0;
	for (int t = 0; t < ms; t++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
		usleep(1000);
	}
	fprintf(stderr, "bench: child %d did not exit in %d ms: killed\n", (int)pid, ms);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
done:
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
	return st;
}

/* Async-signal-safe: kill and waitpid by PID. */
void children_kill(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
}

int pin_cpu(int cpu)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof one, &one)) {
		fprintf(stderr, "bench: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

int peer_cpu(enum placement p)
{
	return p == TWO_CORES ? 1 : 0;
}

/* ---------------------------------------------------------------- cleanup */

enum { CL_NONE, CL_PATH, CL_MQ, CL_MBOX, CL_REG, CL_TOPICS };

#define MAX_CLEANUP 48
static struct {
	int kind;
	char name[160];
	char transport[8];
} cleanup[MAX_CLEANUP];

static void cleanup_add(int kind, const char *name, const char *transport)
{
	for (int i = 0; i < MAX_CLEANUP; i++)
		if (cleanup[i].kind == CL_NONE) {
			snprintf(cleanup[i].name, sizeof cleanup[i].name, "%s", name);
			snprintf(cleanup[i].transport, sizeof cleanup[i].transport, "%s",
				 transport ? transport : "");
			cleanup[i].kind = kind;
			return;
		}
	fprintf(stderr, "bench: cleanup list full: %s may be left behind\n", name);
}

void cleanup_add_path(const char *path) { cleanup_add(CL_PATH, path, NULL); }
void cleanup_add_mq(const char *name) { cleanup_add(CL_MQ, name, NULL); }
void cleanup_add_registry(const char *node) { cleanup_add(CL_REG, node, NULL); }
void cleanup_add_topics(const char *node) { cleanup_add(CL_TOPICS, node, NULL); }

void cleanup_add_mbox(const char *transport, const char *name)
{
	cleanup_add(CL_MBOX, name, transport);
}

void cleanup_forget(const char *name)
{
	for (int i = 0; i < MAX_CLEANUP; i++)
		if (cleanup[i].kind != CL_NONE && strcmp(cleanup[i].name, name) == 0)
			cleanup[i].kind = CL_NONE;
}

/* Runs from the watchdog too: unlink calls only (the transports' unlink
 * is a few unlink/shm_unlink/mq_unlink calls on fixed names). */
void cleanup_all(void)
{
	for (int i = 0; i < MAX_CLEANUP; i++) {
		switch (cleanup[i].kind) {
		case CL_PATH: unlink(cleanup[i].name); break;
		case CL_MQ: mq_unlink(cleanup[i].name); break;
		case CL_REG: tp_registry_unlink(cleanup[i].name); break;
		case CL_TOPICS: tp_topictab_unlink(cleanup[i].name); break;
		case CL_MBOX: {
			const struct tp_transport *t = tp_transport_find(cleanup[i].transport);
			if (t)
				t->unlink(cleanup[i].name);
			break;
		}
		}
		cleanup[i].kind = CL_NONE;
	}
	if (cfg.run_dir[0])
		rmdir(cfg.run_dir);
}

/* ---------------------------------------------------------------- stats */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

void stats_rtt(int64_t *ns, unsigned n, struct result *r)
{
	qsort(ns, n, sizeof *ns, cmp_i64);
	r->med_us = ns[n / 2] / 1e3;
	r->p99_us = ns[(n * 99 + 99) / 100 - 1] / 1e3;
}
