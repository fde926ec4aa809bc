/* The benchmark's shared parts: what a measurement is, the run's settings,
 * children and cleanup that every path (raw, ZeroMQ/NNG, Troupe) uses. */
#ifndef TROUPE_BENCH_H
#define TROUPE_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#define NSIZES 3
#define SIZE_MAX_PAYLOAD 16384
extern const unsigned bench_sizes[NSIZES];   /* 64, 1024, 16384 payload bytes */

enum placement { ONE_CORE, TWO_CORES, NPLACEMENTS };
extern const char *const placement_names[NPLACEMENTS];

/* One path at one size in one placement. */
struct result {
	bool done;
	char skip[96];          /* why it was not measured, if it was not */
	double med_us, p99_us;  /* round trip */
	double msgs_per_s;      /* one-way stream */
	long allocs;            /* Troupe: heap allocations in the measured loops */
};

struct bench_cfg {
	unsigned n;             /* round trips measured per case */
	unsigned m;             /* messages streamed per case (a quarter at 16 KiB) */
	unsigned warm;          /* of each, unmeasured, first */
	unsigned timeout_s;     /* watchdog per case */
	const char *echo_path;  /* the real echo actor */
	const char *malloc_so;  /* LD_PRELOADed into echo to count its allocations */
	char node[32];
	char run_dir[64];       /* TROUPE_RUN_DIR of this run, removed at the end */
};
extern struct bench_cfg cfg;

/* Messages streamed at this size. */
unsigned stream_count(unsigned size);

/* Raw and external wire: byte 0 a kind, bytes 4..7 a sequence or count. */
enum { MSG_PING = 'P', MSG_STREAM = 'S', MSG_FLUSH = 'F', MSG_QUIT = 'Q' };
#define MSG_MIN 8
static inline void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* ---- children: forked with a watchdog, reaped by PID within a bound */
pid_t child_fork(void);
int child_reap(pid_t pid, int ms);   /* wait status; kills it after ms */
void children_kill(void);

/* Affinity: the measuring side runs on CPU 0; the answering side on CPU 0
 * too (ONE_CORE) or on CPU 1 (TWO_CORES). */
int pin_cpu(int cpu);
int peer_cpu(enum placement p);

/* ---- what exists outside the process, removed from any path (the
 * watchdog's included) by cleanup_all */
void cleanup_add_path(const char *path);    /* a file or socket */
void cleanup_add_mq(const char *name);
void cleanup_add_mbox(const char *transport, const char *name);
void cleanup_add_registry(const char *node);
void cleanup_add_topics(const char *node);   /* the node's topic table */
void cleanup_forget(const char *name);       /* removed already */
void cleanup_all(void);

/* ---- statistics over round-trip times; sorts ns */
void stats_rtt(int64_t *ns, unsigned n, struct result *r);

/* ---- the raw primitives and ZeroMQ/NNG, one generic ping-pong */
struct chan_ops {
	const char *name;
	/* Parent, before fork: objects both sides inherit.  Size fixed. */
	int (*open)(unsigned size);
	/* Each side after fork (child first): sockets of libraries that must
	 * not cross a fork. */
	int (*start)(bool child);
	/* Blocking, whole messages of the case's size. */
	int (*send)(bool child, const void *buf, size_t len);
	int (*recv)(bool child, void *buf, size_t len);
	void (*close)(bool child);
	/* Why this size cannot run here, or NULL. */
	const char *(*skip)(unsigned size);
};
extern const struct chan_ops chan_pipe, chan_mq, chan_shm, chan_unix, chan_tcp,
	chan_zmq, chan_nng, chan_iox;

int chan_run(const struct chan_ops *c, enum placement p, unsigned size, struct result *r);

/* Why mq cannot carry this payload size here (fs.mqueue.msgsize_max), or
 * NULL. */
const char *bench_mq_skip(unsigned size);
/* Why iceoryx cannot run: no RouDi (tests/bench/run starts one), or NULL. */
const char *bench_iox_skip(unsigned size);

/* ---- Troupe: a minimal node of one transport, the real echo actor.
 * variant: mq, shm, shm-spin, unix, tcp (troupe.c says how each is set). */
int troupe_run(const char *variant, enum placement p, struct result r[NSIZES]);

/* ---- topic fan-out (fan.c): one publisher on CPU 0, 1 to FAN_MAX
 * subscribers on CPU 1, each its own process.  The publisher keeps at most
 * a window of messages in flight to the slowest subscriber (it reads their
 * counts in a shared page), so queues deep enough never drop; what is not
 * delivered all the same is counted. */
#define FAN_MAX 16
struct fan_result {
	bool done;
	char skip[96];
	unsigned m, window;     /* messages published (measured), in flight at most */
	double msgs_per_s;      /* publishes delivered to every subscriber, per second */
	double pub_us;          /* publisher process CPU time per publish */
	double writes;          /* its write system calls per publish (/proc/self/io) */
	uint64_t lost;          /* deliveries missing at the end (subscribers x m - counted) */
};

/* A path for the generic publisher and subscriber (fan.c): raw shm+sem
 * rings, ZeroMQ PUB/SUB, iceoryx. */
struct fan_io {
	/* Parent, before any fork: what every process inherits. */
	int (*open)(unsigned nsubs, unsigned size);
	int (*sub_start)(unsigned j);
	int (*sub_recv)(unsigned j, void *buf, size_t len);   /* one message, blocking */
	int (*pub_start)(unsigned nsubs);
	int (*publish)(const void *buf, size_t len);          /* to every subscriber */
	void (*close)(bool pub);                              /* each process, and the parent */
};
struct fan_ops {
	const char *label;
	unsigned depth;         /* each subscriber's queue: the window is half of it */
	const char *(*skip)(unsigned size);
	const struct fan_io *io;   /* the generic loops over these, or: */
	/* Troupe: parent's setup and teardown, and each process's main. */
	int (*open)(unsigned nsubs, unsigned size);
	int (*sub_main)(unsigned j, unsigned size);
	int (*pub_main)(unsigned size, struct fan_result *r);
	void (*close)(void);
	bool sub_sigterm;       /* subscribers stop on SIGTERM, not on a quit message */
};
extern const struct fan_io fan_io_shm, fan_io_zmq, fan_io_iox;
extern const struct fan_ops fan_troupe_shm, fan_troupe_mq;

/* The generic halves, also used by Troupe's actors: the publisher's
 * measurement (warm-up until every subscriber saw one, then m messages
 * within the window, then until all are counted) over a publish function,
 * and the subscriber's count of one message (1: it was the quit message). */
typedef int fan_publish_fn(void *ctx, const void *buf, size_t len);
int fan_pub_measure(fan_publish_fn *publish, void *ctx, unsigned size, struct fan_result *r);
int fan_got(unsigned j, const void *buf, size_t len);
/* Runs every fan-out case selected (Troupe's and the raw ring's, the
 * others'); then prints their table and goal. */
int fan_bench(bool troupe, bool others);
void fan_print(void);

/* Raw shm+sem rings (chan.c), shared with the fan-out. */
struct raw_ring;
struct raw_ring *raw_ring_new(unsigned size, unsigned depth);
void raw_ring_free(struct raw_ring *r);
void raw_ring_put(struct raw_ring *r, const void *buf, size_t len);
void raw_ring_get(struct raw_ring *r, void *buf, size_t len);
#define RAW_SHM_DEPTH 256      /* as Troupe's shm mailboxes in this bench */

/* The counting allocator (malloc_count.c). */
struct mc_page;
struct mc_page *mc_page_create(int *fd);
void mc_page_free(struct mc_page *pg);
void mc_attach(struct mc_page *pg, unsigned slot);
long mc_read(const struct mc_page *pg, unsigned slot);
#define MC_SLOTS 4

#endif
