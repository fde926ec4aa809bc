/* flowprobe: a test actor for tests/integration/test_links_flow.sh, in
 * one of two parts, both started once --probe (an echo actor on another
 * node) answers a call.
 *
 * With --call NAME@NODE it is the caller: one call every tick (20 ms),
 * each with a 1000 ms deadline: --base of them first (the baseline,
 * before any flood), then from --load-ms after the probe answered for
 * --secs seconds.  It prints
 *   "baseline n=N median_us=M"
 *   "loaded n=N ok=K failed=F median_us=M max_us=X"
 * (the median over the calls that succeeded).
 *
 * With --flood NAME@NODE (repeatable, up to 4) it is the sensor: from
 * --start-ms after the probe answered, one one-way message to each flood
 * destination every tick (50 a second each) for --secs seconds.  Every
 * 500 ms from then on it prints one line per destination
 *   "tally DEST sent=N failed=F notices=K"
 * sent: the runtime took it (tp_send returned 0); failed: it did not;
 * notices: Undeliverable notices that came back for DEST.
 *
 * Options: --probe NAME@NODE --secs S  and  --call NAME@NODE --base N
 *          --load-ms MS  or  --flood NAME@NODE … --start-ms MS */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <troupe/troupe.h>
#include "echo.pb.h"

#define TICK_MS 20
#define FLOOD_MAX 4

struct flowprobe {
	const char *probe, *call;
	const char *flood[FLOOD_MAX];
	int n_flood, secs, base, load_ms, start_ms;
	int phase;               /* 0 probing, 1 baseline, 2 waiting, 3 running, 4 done */
	int64_t t_probe, t_run, t_tally;
	uint64_t sent[FLOOD_MAX], failed[FLOOD_MAX], notices[FLOOD_MAX];
	int64_t *lat;            /* µs of successful calls of the phase */
	int n_lat, cap_lat, ok, bad;
};

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t median(struct flowprobe *f)
{
	if (!f->n_lat)
		return -1;
	qsort(f->lat, (size_t)f->n_lat, sizeof *f->lat, cmp64);
	return f->lat[f->n_lat / 2];
}

static void one_call(tp_actor *self, struct flowprobe *f)
{
	demo_Echo req = { .seq = 7 }, rep;
	int64_t t0 = tp_now_ns();
	int rc = tp_call(self, f->call, demo_Echo, &req, demo_Echo, &rep, 1000);
	if (rc) {
		f->bad++;
		return;
	}
	f->ok++;
	if (f->n_lat < f->cap_lat)
		f->lat[f->n_lat++] = (tp_now_ns() - t0) / 1000;
}

static void tally(struct flowprobe *f)
{
	for (int i = 0; i < f->n_flood; i++)
		printf("tally %s sent=%llu failed=%llu notices=%llu\n", f->flood[i],
		       (unsigned long long)f->sent[i], (unsigned long long)f->failed[i],
		       (unsigned long long)f->notices[i]);
	fflush(stdout);
}

static void flowprobe_tick(tp_actor *self, void *state, void *arg)
{
	struct flowprobe *f = state;
	int64_t now = tp_now_ns();
	(void)arg;
	if (f->phase == 0) {
		demo_Echo req = { .seq = 0 }, rep;
		if (tp_call(self, f->probe, demo_Echo, &req, demo_Echo, &rep, 500))
			return;   /* the link is not up yet */
		f->t_probe = tp_now_ns();
		f->phase = f->call ? 1 : 2;
		return;
	}
	if (f->phase == 1) {
		/* One a tick, as under load: the same wake-ups, the same caches. */
		one_call(self, f);
		if (f->ok + f->bad < f->base)
			return;
		printf("baseline n=%d median_us=%lld\n", f->n_lat, (long long)median(f));
		fflush(stdout);
		f->n_lat = f->ok = f->bad = 0;
		f->phase = 2;
		return;
	}
	if (f->phase == 2) {
		if (now < f->t_probe + (int64_t)(f->call ? f->load_ms : f->start_ms) * 1000000)
			return;
		f->t_run = now;
		f->phase = 3;
	}
	if (f->phase == 3) {
		if (now >= f->t_run + (int64_t)f->secs * 1000000000) {
			f->phase = 4;
			if (f->call) {
				int64_t m = median(f);
				printf("loaded n=%d ok=%d failed=%d median_us=%lld max_us=%lld\n",
				       f->ok + f->bad, f->ok, f->bad, (long long)m,
				       (long long)(f->n_lat ? f->lat[f->n_lat - 1] : -1));
				fflush(stdout);
			}
			return;
		}
		if (f->call) {
			one_call(self, f);
			return;
		}
		demo_Echo e = { .seq = 1 };
		for (int i = 0; i < f->n_flood; i++) {
			int rc = tp_send(self, f->flood[i], demo_Echo, &e);
			if (rc)
				f->failed[i]++;
			else
				f->sent[i]++;
		}
	}
	if (f->n_flood && f->phase >= 3 && now >= f->t_tally) {
		f->t_tally = now + 500000000LL;
		tally(f);
	}
}

static int flowprobe_receive(tp_actor *self, void *state, const struct tp_msg *m)
{
	struct flowprobe *f = state;
	struct tp_undeliverable u;
	(void)self;
	if (tp_undeliverable_decode(m, &u) != 0)
		return 0;   /* echo's answers to the flood */
	for (int i = 0; i < f->n_flood; i++)
		if (strcmp(u.dest, f->flood[i]) == 0) {
			f->notices[i]++;
			return 0;
		}
	printf("undeliverable %s reason=%s\n", u.dest, tp_undeliverable_reason_name(u.reason));
	fflush(stdout);
	return 0;
}

static int flowprobe_init(tp_actor *self, void *state, int argc, char **argv)
{
	struct flowprobe *f = state;
	f->secs = 10;
	f->base = 30;
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *k = argv[i], *v = argv[i + 1];
		if (strcmp(k, "--probe") == 0) f->probe = v;
		else if (strcmp(k, "--call") == 0) f->call = v;
		else if (strcmp(k, "--flood") == 0 && f->n_flood < FLOOD_MAX) f->flood[f->n_flood++] = v;
		else if (strcmp(k, "--secs") == 0) f->secs = atoi(v);
		else if (strcmp(k, "--base") == 0) f->base = atoi(v);
		else if (strcmp(k, "--load-ms") == 0) f->load_ms = atoi(v);
		else if (strcmp(k, "--start-ms") == 0) f->start_ms = atoi(v);
		else return -TP_EINVAL;
	}
	if (!f->probe)
		return -TP_EINVAL;
	f->cap_lat = f->base + f->secs * (1000 / TICK_MS) + 16;
	f->lat = calloc((size_t)f->cap_lat, sizeof *f->lat);
	if (!f->lat)
		return -TP_ENOMEM;
	int t = tp_timer_start(self, 100, TICK_MS, flowprobe_tick, NULL);
	return t < 0 ? t : 0;
}

static void flowprobe_stop(tp_actor *self, void *state)
{
	(void)self;
	struct flowprobe *f = state;
	free(f->lat);   /* the sanitizer run checks that nothing leaks */
	f->lat = NULL;
}

static const struct tp_actor_ops flowprobe_ops = {
	.state_size = sizeof(struct flowprobe),
	.init = flowprobe_init,
	.receive = flowprobe_receive,
	.stop = flowprobe_stop,
};

TP_ACTOR_MAIN(flowprobe_ops)
