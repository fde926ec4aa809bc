/* The sending daemon's answer to the peer's RESUME
 * (runtime/daemon/linkd_dseq.c): mail sent and never acknowledged is sent
 * again when the peer's record is about us, and also when the same peer
 * has no record of us (it never read our resume, so it took none of our
 * mail: a cut before our resume arrived must not look like a restart);
 * it is answered as undeliverable only when the peer's epoch changed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "troupe/envelope.h"
#include "ctlpath.h"
#include "linkd-internal.h"

#define US 0xa1ull
#define PEER 0xb2ull

static struct tp_peer_conf conf = { .name = "b2" };
static struct tp_linkd d;
static struct tp_lpeer p;

/* Three messages sent, none acknowledged.  From the daemon, so that a
 * restart's answer needs no node to deliver to (no notice about daemon
 * mail). */
static int setup(void **st)
{
	(void)st;
	memset(&d, 0, sizeof d);
	memset(&p, 0, sizeof p);
	d.epoch = US;
	p.conf = &conf;
	p.c.link.version = TP_LINK_VERSION;
	p.state = TP_LPEER_IDLE;   /* nothing is written: the test reads the queue */
	p.epoch_peer = PEER;
	assert_int_equal(tp_link_queue_init(&p.q, 16, 256, TP_FULL_REJECT), 0);
	for (int i = 0; i < 3; i++) {
		uint8_t m[128];
		struct tp_env e = { .version = TP_ENV_VERSION, .type = 1005 };
		strcpy(e.sender, TP_DAEMON_NAME);
		strcpy(e.dest, "logger@b2");
		int off = tp_env_encode_head(m, sizeof m, &e);
		assert_true(off > 0);
		tp_env_set_len(m, 0);
		assert_int_equal(tp_link_queue_push(&p.q, m, (size_t)off), 0);
	}
	const uint8_t *m;
	uint64_t seq;
	for (uint64_t want = 1; want <= 3; want++) {
		assert_true(tp_link_queue_next(&p.q, &m, &seq) > 0);
		assert_true(seq == want);
		tp_link_queue_sent(&p.q);
	}
	assert_int_equal(p.q.st.unacked, 3);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	tp_link_queue_fini(&p.q);
	return 0;
}

static void resume(uint64_t peer_epoch, uint64_t your_epoch, uint64_t ack)
{
	struct tp_link_event ev = { .kind = TP_LINK_EV_RESUME, .epoch = peer_epoch,
				    .your_epoch = your_epoch, .ack = ack };
	tp_linkd_dseq_resume(&d, &p, &ev);
}

/* The next message to send and its number. */
static uint64_t next_seq(void)
{
	const uint8_t *m;
	uint64_t seq = 0;
	assert_true(tp_link_queue_next(&p.q, &m, &seq) > 0);
	return seq;
}

static void record_of_us(void **st)
{
	(void)st;
	resume(PEER, US, 2);
	assert_int_equal(p.q.st.queued, 1);   /* 1 and 2 completed */
	assert_int_equal(p.q.st.resent, 1);
	assert_true(next_seq() == 3);
	assert_true(p.restarted == 0);
}

static void same_peer_no_record(void **st)
{
	(void)st;
	resume(PEER, 0, 0);
	assert_true(p.restarted == 0);
	assert_int_equal(p.q.st.queued, 3);   /* all kept, sent again from 1 */
	assert_int_equal(p.q.st.resent, 3);
	assert_true(next_seq() == 1);
}

static void same_peer_record_of_another_us(void **st)
{
	(void)st;
	resume(PEER, US + 1, 7);   /* an earlier incarnation of this node */
	assert_true(p.restarted == 0);
	assert_int_equal(p.q.st.queued, 3);
	assert_true(next_seq() == 1);
}

static void peer_restarted(void **st)
{
	(void)st;
	resume(PEER + 1, 0, 0);
	assert_true(p.restarted == 3);   /* each told, none sent again */
	assert_int_equal(p.q.st.queued, 0);
	assert_true(p.epoch_peer == PEER + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(record_of_us, setup, teardown),
		cmocka_unit_test_setup_teardown(same_peer_no_record, setup, teardown),
		cmocka_unit_test_setup_teardown(same_peer_record_of_another_us, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_restarted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
