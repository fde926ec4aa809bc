/* Counts heap allocations, to prove that Troupe's message path allocates
 * nothing.  It replaces malloc and its siblings (glibc allows this: its own
 * internal calls go through the replaced symbols too) and forwards to
 * glibc's allocator, adding one to a counter per allocation.
 *
 * Linked into the bench binary, it counts in the forked pinger and sink
 * (mc_attach after fork).  Built as malloc_count.so and LD_PRELOADed into
 * the exec'd echo actor, it finds its counter in TROUPE_BENCH_MALLOC=
 * "<fd>:<slot>": a memfd page shared with the bench, so the pinger can read
 * every process's count before and after a measured loop. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

struct mc_page {
	_Atomic long count[MC_SLOTS];
};

static _Atomic long mc_local;
static _Atomic long *mc_counter = &mc_local;

static void mc_count(void)
{
	atomic_fetch_add_explicit(mc_counter, 1, memory_order_relaxed);
}

void *malloc(size_t n)
{
	mc_count();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	mc_count();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	mc_count();
	return __libc_realloc(p, n);
}

void *memalign(size_t align, size_t n)
{
	mc_count();
	return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void free(void *p)
{
	__libc_free(p);
}

struct mc_page *mc_page_create(int *fd)
{
	*fd = memfd_create("troupe-bench-mallocs", 0);   /* no name in any fs */
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, sizeof(struct mc_page)) < 0) {
		close(*fd);
		return NULL;
	}
	struct mc_page *pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
	if (pg == MAP_FAILED) {
		close(*fd);
		return NULL;
	}
	return pg;
}

void mc_page_free(struct mc_page *pg)
{
	if (pg)
		munmap(pg, sizeof *pg);
}

void mc_attach(struct mc_page *pg, unsigned slot)
{
	if (pg && slot < MC_SLOTS)
		mc_counter = &pg->count[slot];
}

long mc_read(const struct mc_page *pg, unsigned slot)
{
	return atomic_load_explicit((_Atomic long *)&pg->count[slot], memory_order_relaxed);
}

/* In the exec'd actor: find the shared page. */
__attribute__((constructor)) static void mc_init(void)
{
	const char *v = getenv("TROUPE_BENCH_MALLOC");
	if (!v)
		return;
	char *end;
	long fd = strtol(v, &end, 10);
	if (*end != ':')
		return;
	long slot = strtol(end + 1, NULL, 10);
	struct mc_page *pg = mmap(NULL, sizeof *pg, PROT_READ | PROT_WRITE, MAP_SHARED,
				  (int)fd, 0);
	if (pg != MAP_FAILED)
		mc_attach(pg, (unsigned)slot);
	close((int)fd);
}
