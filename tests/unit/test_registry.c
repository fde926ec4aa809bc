/* The registry (runtime/lib/registry.c): its seqlock never hands a reader
 * a torn entry, a write in progress makes a reader wait (and give up,
 * bounded), names are looked up by node, and a stale object of another
 * version is refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "registry.h"
#include "clock.h"
#include "troupe/error.h"

#define MS 1000000LL

static char node[32], path[64];
static struct tp_registry *w;    /* the daemon's, read-write */
static struct tp_registry *r;    /* an actor's, read-only */

static int setup(void **st)
{
	(void)st;
	snprintf(node, sizeof node, "reg%d", (int)getpid());
	tp_ipc_name(path, sizeof path, node, "registry");
	if (tp_registry_create(node, 0600, &w) || tp_registry_open(node, &r))
		return -1;
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	tp_registry_close(r);
	tp_registry_close(w);
	return tp_registry_unlink(node);
}

/* An entry every byte of which says which of two versions it is. */
static void pattern(struct tp_reg_entry *e, char c)
{
	memset(e, c, sizeof *e);
	e->name[TP_NAME_MAX] = e->transport[sizeof e->transport - 1] = '\0';
	e->mailbox[sizeof e->mailbox - 1] = e->node[TP_NAME_MAX] = '\0';
}

static bool whole(const struct tp_reg_entry *e)
{
	struct tp_reg_entry a;
	pattern(&a, e->name[0]);
	return (e->name[0] == 'a' || e->name[0] == 'b') && memcmp(&a, e, sizeof a) == 0;
}

/* A writer process rewrites entry 0 as fast as it can, alternating two
 * versions; every copy a reader gets is one of them whole.  (Without the
 * sequence check the copies tear within a few thousand reads on two
 * cores: the entry is 180 bytes, copied in many stores.) */
static void torn_reads_retry(void **st)
{
	(void)st;
	struct tp_reg_entry e;
	pattern(&e, 'a');
	tp_registry_put(w, 0, &e);
	tp_registry_set_count(w, 1);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tp_reg_entry v[2];
		pattern(&v[0], 'a');
		pattern(&v[1], 'b');
		int64_t end = tp_now_ns() + 3000 * MS;   /* bounded if the parent dies */
		for (unsigned k = 0; tp_now_ns() < end; k++)
			tp_registry_put(w, 0, &v[k & 1]);
		_exit(0);
	}
	unsigned seen[2] = { 0, 0 }, busy = 0, torn = 0;
	int64_t end = tp_now_ns() + 300 * MS;
	while (tp_now_ns() < end) {
		int rc = tp_registry_get(r, 0, &e);
		if (rc == -TP_EBUSY) {
			busy++;   /* 1000 tries all under a write: allowed, never torn */
			continue;
		}
		assert_int_equal(rc, 0);
		if (!whole(&e))
			torn++;
		else
			seen[e.name[0] - 'a']++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(torn, 0);
	/* The writer really ran against the reader: both versions seen. */
	assert_true(seen[0] > 0 && seen[1] > 0);
	print_message("reads: %u of a, %u of b, %u busy\n", seen[0], seen[1], busy);
}

/* While the sequence is odd (the daemon inside a write) a reader copies
 * nothing and, after its bounded tries, says so; once even, it reads.
 * The test plays the daemon stopped mid-write: it holds the sequence odd
 * through its own mapping (the header's third word, the registry's
 * layout of version TP_REG_VERSION). */
static void write_in_progress_blocks_reads(void **st)
{
	(void)st;
	struct tp_reg_entry e, got;
	pattern(&e, 'a');
	tp_registry_put(w, 0, &e);
	tp_registry_set_count(w, 1);
	int fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 0);
	uint32_t *hdr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(hdr != MAP_FAILED);
	uint32_t seq = __atomic_load_n(&hdr[2], __ATOMIC_ACQUIRE);
	assert_int_equal(seq & 1, 0);
	__atomic_store_n(&hdr[2], seq + 1, __ATOMIC_RELEASE);
	memset(&got, 0, sizeof got);
	assert_int_equal(tp_registry_get(r, 0, &got), -TP_EBUSY);
	__atomic_store_n(&hdr[2], seq + 2, __ATOMIC_RELEASE);
	assert_int_equal(tp_registry_get(r, 0, &got), 0);
	assert_true(whole(&got));
	munmap(hdr, 4096);
}

/* Lookups: by name among the node's own, by node for a linked one; the
 * count bounds what a reader sees; the layout counts relayouts. */
static void lookups(void **st)
{
	(void)st;
	struct tp_reg_entry e = { .name = "echo", .transport = "mq", .depth = 8 };
	tp_registry_put(w, 0, &e);
	struct tp_reg_entry far = { .name = "echo", .node = "board2", .depth = 9 };
	tp_registry_put(w, 1, &far);
	tp_registry_set_count(w, 1);
	struct tp_reg_entry got;
	unsigned ix = 99;
	assert_int_equal(tp_registry_find_ix(r, "echo", "board2", &got, &ix), -TP_ENOENT);
	tp_registry_set_count(w, 2);
	assert_int_equal(tp_registry_find_ix(r, "echo", "board2", &got, &ix), 0);
	assert_int_equal(ix, 1);
	assert_int_equal(got.depth, 9);
	assert_int_equal(tp_registry_find(r, "echo", &got), 0);
	assert_int_equal(got.depth, 8);
	assert_int_equal(tp_registry_find(r, "nope", &got), -TP_ENOENT);
	assert_int_equal(tp_registry_get(r, 2, &got), -TP_ENOENT);
	uint32_t l = tp_registry_layout(r);
	tp_registry_relayout(w);
	assert_int_equal(tp_registry_layout(r), l + 1);
	tp_registry_set_daemon(w, 4242);
	assert_int_equal(tp_registry_daemon(r), 4242);
	assert_int_equal(tp_name_is_valid("a-b_9"), 1);
	assert_int_equal(tp_name_is_valid("a.b"), 0);
	assert_int_equal(tp_name_is_valid(""), 0);
}

/* An object of another version (a daemon of another release) is not read. */
static void other_version_refused(void **st)
{
	(void)st;
	int fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
	assert_true(fd >= 0);
	uint32_t *hdr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	assert_true(hdr != MAP_FAILED);
	hdr[1] = TP_REG_VERSION + 1;
	struct tp_registry *o;
	assert_int_equal(tp_registry_open(node, &o), -TP_EVERSION);
	hdr[1] = TP_REG_VERSION;
	assert_int_equal(tp_registry_open(node, &o), 0);
	tp_registry_close(o);
	munmap(hdr, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(torn_reads_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(write_in_progress_blocks_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(lookups, setup, teardown),
		cmocka_unit_test_setup_teardown(other_version_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
