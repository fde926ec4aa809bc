/* spawner: a test actor for dynamic children (tests/integration/test_spawn.sh).
 * On a demo.LogLine "cycle N BATCH" it starts N children of template
 * "dev" (an echo), BATCH at a time: spawns each (tp_spawn), calls each
 * once, then despawns each (tp_despawn), and prints
 *   "cycle: spawned S called C despawned D in T ms"
 * and one line per failure ("spawn k7: ...").  On "over NAME" it spawns
 * NAME and prints "over NAME: <error>" (the test's limits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "echo.pb.h"
#include "logger.pb.h"

static int spawner_call(tp_actor *self, const char *name)
{
	demo_Echo req = { .seq = 7 }, rep;
	int rc = tp_call(self, name, demo_Echo, &req, demo_Echo, &rep, 10000);
	return rc ? rc : rep.seq == 7 ? 0 : -TP_EDECODE;
}

static void spawner_cycle(tp_actor *self, int n, int batch)
{
	int spawned = 0, called = 0, despawned = 0;
	int64_t t0 = tp_now_ns();
	for (int base = 0; base < n; base += batch) {
		int end = base + batch < n ? base + batch : n;
		char name[32];
		for (int i = base; i < end; i++) {
			snprintf(name, sizeof name, "k%d", i);
			pid_t pid = tp_spawn(self, "dev", name, "--delay-ms 0", 5000);
			if (pid > 0)
				spawned++;
			else
				printf("spawn %s: %s\n", name, tp_strerror(pid));
		}
		for (int i = base; i < end; i++) {
			snprintf(name, sizeof name, "k%d", i);
			int rc = spawner_call(self, name);
			if (rc == 0)
				called++;
			else
				printf("call %s: %s\n", name, tp_strerror(rc));
		}
		for (int i = base; i < end; i++) {
			snprintf(name, sizeof name, "k%d", i);
			int rc = tp_despawn(self, name, 10000);
			if (rc == 0)
				despawned++;
			else
				printf("despawn %s: %s\n", name, tp_strerror(rc));
		}
	}
	printf("cycle: spawned %d called %d despawned %d in %lld ms\n", spawned, called,
	       despawned, (long long)((tp_now_ns() - t0) / 1000000));
}

static int spawner_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	(void)state;
	demo_LogLine line;
	int rc = tp_decode(m, demo_LogLine, &line);
	if (rc)
		return rc;
	int n, batch;
	char name[32];
	if (sscanf(line.text, "cycle %d %d", &n, &batch) == 2 && n > 0 && batch > 0)
		spawner_cycle(self, n, batch);
	else if (sscanf(line.text, "over %31s", name) == 1)
		printf("over %s: %s\n", name, tp_strerror(tp_spawn(self, "dev", name, NULL, 5000)));
	fflush(stdout);
	return 0;
}

static const struct tp_actor_ops spawner_ops = {
	.receive = spawner_receive,
};

TP_ACTOR_MAIN(spawner_ops)
