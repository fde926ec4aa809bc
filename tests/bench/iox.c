/* iceoryx (its C binding, Debian's libiceoryx-binding-c-dev) as a user
 * would write a ping-pong on it: each side a publisher and a subscriber,
 * waiting in a waitset, the payload copied into a loaned chunk and out of
 * the received one (as every other path in the table copies in and out;
 * iceoryx could also be read in place).  Publishers wait for a slow
 * subscriber and subscribers' queues block the producer, so a stream loses
 * nothing, as on Troupe.  Needs RouDi, started and stopped by
 * tests/bench/run, which says so in TROUPE_BENCH_ROUDI.  The topic fan-out
 * (fan.c) uses the same pieces: one publisher, a subscriber per process,
 * each chunk loaned and written once, whatever the subscribers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <iceoryx_binding_c/chunk.h>
#include <iceoryx_binding_c/log.h>
#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>
#include "bench.h"

#define IOX_DEPTH 64   /* the subscriber queue: the shm ring's depth */

static iox_pub_storage_t pub_st;
static iox_sub_storage_t sub_st;
static iox_ws_storage_t ws_st;
static iox_pub_t pub;
static iox_sub_t sub;
static iox_ws_t ws;
static char instance[32];
static bool runtime_up;
static char app_path[96];   /* iceoryx's per-process socket /tmp/NAME (and NAME.lock) */

const char *bench_iox_skip(unsigned size)
{
	(void)size;
	return getenv("TROUPE_BENCH_ROUDI") ? NULL
		: "no RouDi: tests/bench/run starts one when iceoryx is installed";
}

/* A fresh service per case, so that no case meets a previous one's ports
 * while RouDi is still tearing them down. */
static int iox_open2(unsigned size)
{
	snprintf(instance, sizeof instance, "case%d_%u", (int)getpid(), size);
	return 0;
}

static bool iox_connected(void)
{
	return iox_pub_has_subscribers(pub) &&
	       iox_sub_get_subscription_state(sub) == SubscribeState_SUBSCRIBED;
}

static void iox_runtime_up(const char *role, unsigned j)
{
	char name[64];
	snprintf(name, sizeof name, "troupe_bench_%s%.0u_%d", role, j, (int)getpid());
	iox_set_loglevel(Iceoryx_LogLevel_Warn);   /* not a line per registration */
	iox_runtime_init(name);
	runtime_up = true;
	snprintf(app_path, sizeof app_path, "/tmp/%s", name);
}

static void iox_pub_make(const char *event)
{
	iox_pub_options_t po;
	iox_pub_options_init(&po);
	po.historyCapacity = 0;
	po.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	pub = iox_pub_init(&pub_st, "TroupeBench", instance, event, &po);
}

static int iox_sub_make(const char *event, uint64_t depth)
{
	iox_sub_options_t so;
	iox_sub_options_init(&so);
	so.queueCapacity = depth;
	so.historyRequest = 0;
	so.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	sub = iox_sub_init(&sub_st, "TroupeBench", instance, event, &so);
	ws = iox_ws_init(&ws_st);
	return iox_ws_attach_subscriber_state(ws, sub, SubscriberState_HAS_DATA, 0, NULL) ==
	       WaitSetResult_SUCCESS ? 0 : -1;
}

static int iox_start2(bool child)
{
	iox_runtime_up(child ? "echo" : "meas", 0);
	iox_pub_make(child ? "pong" : "ping");
	if (iox_sub_make(child ? "ping" : "pong", IOX_DEPTH))
		return -1;
	if (child)
		return 0;
	/* The measurer starts second: once both of its ports are matched, the
	 * echo's are too, and no first message can be lost. */
	for (int i = 0; i < 10000 && !iox_connected(); i++)
		usleep(1000);
	if (!iox_connected()) {
		fprintf(stderr, "bench: iceoryx: ports not connected within 10 s\n");
		return -1;
	}
	return 0;
}

static int iox_send2(bool child, const void *buf, size_t len)
{
	(void)child;
	void *chunk;
	if (iox_pub_loan_chunk(pub, &chunk, (uint32_t)len) != AllocationResult_SUCCESS)
		return -1;
	memcpy(chunk, buf, len);
	iox_pub_publish_chunk(pub, chunk);
	return 0;
}

static int iox_recv2(bool child, void *buf, size_t len)
{
	(void)child;
	for (;;) {
		const void *chunk;
		enum iox_ChunkReceiveResult r = iox_sub_take_chunk(sub, &chunk);
		if (r == ChunkReceiveResult_SUCCESS) {
			memcpy(buf, chunk, len);
			iox_sub_release_chunk(sub, chunk);
			return 0;
		}
		if (r != ChunkReceiveResult_NO_CHUNK_AVAILABLE)
			return -1;
		iox_notification_info_t info[1];
		uint64_t missed;
		iox_ws_wait(ws, info, 1, &missed);
	}
}

static void iox_close2(bool child)
{
	(void)child;
	if (ws)
		iox_ws_deinit(ws);
	if (sub)
		iox_sub_deinit(sub);
	if (pub)
		iox_pub_deinit(pub);
	ws = NULL;
	sub = NULL;
	pub = NULL;
	if (runtime_up) {
		iox_runtime_shutdown();
		/* The process ends with _exit: iceoryx would leave both. */
		char lock[sizeof app_path + 8];
		snprintf(lock, sizeof lock, "%s.lock", app_path);
		unlink(app_path);
		unlink(lock);
	}
	runtime_up = false;
}

const struct chan_ops chan_iox = {
	.name = "iceoryx", .open = iox_open2, .start = iox_start2,
	.send = iox_send2, .recv = iox_recv2, .close = iox_close2, .skip = bench_iox_skip,
};

/* ---------------------------------------------------------------- fan-out */

#define IOX_FAN_DEPTH 256   /* the subscriber queue: iceoryx's largest */

static int iox_fan_open(unsigned nsubs, unsigned size)
{
	snprintf(instance, sizeof instance, "fan%d_%u_%u", (int)getpid(), nsubs, size);
	return 0;
}

static int iox_fan_sub(unsigned j)
{
	iox_runtime_up("sub", j + 1);
	return iox_sub_make("data", IOX_FAN_DEPTH);
}

static int iox_fan_pub(unsigned nsubs)
{
	(void)nsubs;
	iox_runtime_up("pub", 0);
	iox_pub_make("data");
	return 0;
}

static int iox_fan_recv(unsigned j, void *buf, size_t len) { (void)j; return iox_recv2(true, buf, len); }
static int iox_fan_publish(const void *buf, size_t len) { return iox_send2(false, buf, len); }

const struct fan_io fan_io_iox = {
	.open = iox_fan_open, .sub_start = iox_fan_sub, .sub_recv = iox_fan_recv,
	.pub_start = iox_fan_pub, .publish = iox_fan_publish, .close = iox_close2,
};
