/* The MQTT bridge's spool (actors/mqtt-bridge/spool.c) on its own: order
 * kept whatever order the acknowledgements come in, both drop policies
 * counted, and the file mirror: what a restarted bridge loads, in order,
 * and what it cleans up (a cut write, a torn file, the newest beyond the
 * depth under drop_newest). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <errno.h>
#include <cmocka.h>
#include "../../actors/mqtt-bridge/spool.h"

static void push_n(struct spool *s, unsigned from, unsigned to)
{
	for (unsigned i = from; i <= to; i++) {
		char payload[16];
		int n = snprintf(payload, sizeof payload, "m%u", i);
		assert_true(spool_push(s, "t/x", 1, 1001, payload, (size_t)n) >= 0);
	}
}

/* The payloads from the oldest, "m1 m2 …". */
static void assert_held(struct spool *s, const char *want)
{
	char got[512] = "";
	for (unsigned i = 0; i < s->n; i++) {
		struct spool_entry *e = spool_at(s, i);
		size_t l = strlen(got);
		snprintf(got + l, sizeof got - l, "%s%.*s", i ? " " : "", (int)e->len, (char *)e->payload);
	}
	assert_string_equal(got, want);
}

static unsigned files_in(const char *dir)
{
	unsigned n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	assert_int_equal(errno, 0);
	closedir(d);
	return n;
}

static void acks_out_of_order(void **state)
{
	(void)state;
	struct spool s;
	assert_int_equal(spool_open(&s, 8, SPOOL_DROP_OLDEST, NULL, false), 0);
	push_n(&s, 1, 4);
	for (unsigned i = 0; i < 4; i++)
		spool_at(&s, i)->mid = (int)i + 10;
	/* The third acknowledged first: nothing leaves, the head waits. */
	assert_true(spool_ack(&s, 12));
	assert_held(&s, "m1 m2 m3 m4");
	assert_true(spool_ack(&s, 10));
	assert_held(&s, "m2 m3 m4");
	assert_true(spool_ack(&s, 11));
	assert_held(&s, "m4");
	assert_false(spool_ack(&s, 99));
	/* A broken connection: the rest is sent again, nothing is acked. */
	spool_reset_inflight(&s);
	assert_int_equal(spool_at(&s, 0)->mid, 0);
	assert_false(spool_ack(&s, 13));
	assert_held(&s, "m4");
	assert_int_equal(s.dropped, 0);
	spool_close(&s);
}

static void drop_oldest_counts(void **state)
{
	(void)state;
	struct spool s;
	assert_int_equal(spool_open(&s, 3, SPOOL_DROP_OLDEST, NULL, false), 0);
	push_n(&s, 1, 5);
	assert_held(&s, "m3 m4 m5");
	assert_int_equal(s.dropped, 2);
	spool_close(&s);
}

static void drop_newest_counts(void **state)
{
	(void)state;
	struct spool s;
	assert_int_equal(spool_open(&s, 3, SPOOL_DROP_NEWEST, NULL, false), 0);
	push_n(&s, 1, 3);
	assert_int_equal(spool_push(&s, "t/x", 1, 1001, "m4", 2), 0);
	assert_held(&s, "m1 m2 m3");
	assert_int_equal(s.dropped, 1);
	char big[SPOOL_PAYLOAD_MAX + 1] = { 0 };
	assert_int_equal(spool_push(&s, "t/x", 1, 1001, big, sizeof big), -1);
	spool_close(&s);
}

static void files_survive(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_mqtt_spool.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct spool s;
	assert_int_equal(spool_open(&s, 8, SPOOL_DROP_OLDEST, dir, true), 0);
	push_n(&s, 1, 5);
	spool_at(&s, 0)->mid = 1;
	assert_true(spool_ack(&s, 1));
	assert_int_equal(files_in(dir), 4);
	spool_close(&s);   /* as a kill -9 would: the files stay */

	/* A write cut before its rename, and a torn file. */
	char p[300];
	snprintf(p, sizeof p, "%s/.00000000000000ff.tmp", dir);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(p, sizeof p, "%s/0000000000000100.msg", dir);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("TP", f);
	fclose(f);

	assert_int_equal(spool_open(&s, 8, SPOOL_DROP_OLDEST, dir, false), 4);
	assert_held(&s, "m2 m3 m4 m5");
	assert_string_equal(spool_at(&s, 0)->topic, "t/x");
	assert_int_equal(spool_at(&s, 0)->type, 1001);
	assert_int_equal(files_in(dir), 4);
	/* New entries come after the loaded ones, in files too. */
	push_n(&s, 6, 6);
	assert_true(spool_at(&s, 4)->seq > spool_at(&s, 3)->seq);
	spool_close(&s);

	/* Reloaded into a smaller spool: drop_newest keeps the oldest and
	 * removes the newest files, counted. */
	assert_int_equal(spool_open(&s, 2, SPOOL_DROP_NEWEST, dir, false), 2);
	assert_held(&s, "m2 m3");
	assert_int_equal(s.dropped, 3);
	assert_int_equal(files_in(dir), 2);
	for (unsigned i = 0; i < 2; i++)
		spool_at(&s, i)->mid = (int)i + 1;
	spool_ack(&s, 1);
	spool_ack(&s, 2);
	assert_int_equal(files_in(dir), 0);
	spool_close(&s);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acks_out_of_order),
		cmocka_unit_test(drop_oldest_counts),
		cmocka_unit_test(drop_newest_counts),
		cmocka_unit_test(files_survive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
