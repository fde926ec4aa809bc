/* killstamp PID: prints CLOCK_MONOTONIC in ns, then sends PID SIGKILL:
 * the crash's start for tests/bench/restart, on the same clock as the
 * stamp actor's "first" line (a shell has no monotonic clock). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	char *end;
	long pid = argc == 2 ? strtol(argv[1], &end, 10) : 0;
	if (argc != 2 || *end || pid <= 0) {
		fprintf(stderr, "usage: killstamp PID\n");
		return 2;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (kill((pid_t)pid, SIGKILL)) {
		perror("killstamp: kill");
		return 1;
	}
	printf("%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	return 0;
}
