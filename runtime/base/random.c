/* Correlation ids from the kernel's random pool (see random.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/random.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "random.h"

static bool random_kernel(void *buf, size_t n)
{
	ssize_t got;
	do
		got = getrandom(buf, n, 0);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)n)
		return true;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	got = read(fd, buf, n);
	close(fd);
	return got == (ssize_t)n;
}

/* xorshift32: only when the kernel gives nothing. */
static uint32_t random_weak(void)
{
	static uint32_t s;
	if (!s) {
		s = (uint32_t)tp_now_ns() ^ ((uint32_t)getpid() << 16) ^ 0x9e3779b9u;
		tp_log("no kernel randomness: correlation ids are guessable");
	}
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

uint64_t tp_random_corr(void)
{
	uint64_t v = 0;
	while ((uint32_t)v == 0) {
		int saved = errno;   /* never clobber an errno we did not set */
		if (!random_kernel(&v, sizeof v))
			v = (uint64_t)random_weak() << 32 | random_weak();
		errno = saved;
	}
	return v;
}

int tp_random_key(void *buf, size_t n)
{
	int saved = errno;
	bool ok = random_kernel(buf, n);
	errno = saved;
	return ok ? 0 : -1;
}
