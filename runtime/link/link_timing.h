/* Link timing as pure functions of the clock: the reconnect backoff and the
 * heartbeat schedule.  No I/O and no clock reads inside, so both are tested
 * with made-up times. */
#ifndef TROUPE_LINK_TIMING_H
#define TROUPE_LINK_TIMING_H

#include <stdbool.h>
#include <stdint.h>

/* Delay before reconnect attempt `attempt` (0 for the first retry):
 * d = min(cap_ms, base_ms × 2^attempt), and the result is d/2 plus a
 * jitter of 0..d/2 taken from rnd (any uniform 32-bit value), so it lies in
 * [d/2, d].  Half the delay is kept so that a flapping peer is never
 * hammered; the other half is random so that the nodes of a board that
 * rebooted do not all reconnect in step. */
uint32_t tp_link_backoff_ms(unsigned attempt, uint32_t base_ms, uint32_t cap_ms,
			    uint32_t rnd);

/* The same with rnd from the system's random source (randombytes). */
uint32_t tp_link_backoff_next_ms(unsigned attempt, uint32_t base_ms, uint32_t cap_ms);

/* Heartbeats of one link: a heartbeat goes out every interval; the link
 * is dead when nothing authenticated has arrived for dead_after (which
 * should be a few intervals: a lost heartbeat alone must not kill it).
 * Times are CLOCK_MONOTONIC nanoseconds. */
struct tp_link_beat {
	int64_t interval_ns;
	int64_t dead_ns;
	int64_t last_rx;    /* last authenticated frame from the peer */
	int64_t next_tx;    /* when the next heartbeat is due */
};

void tp_link_beat_init(struct tp_link_beat *b, uint32_t interval_ms,
		       uint32_t dead_ms, int64_t now);
/* Any authenticated frame from the peer proves it alive. */
void tp_link_beat_rx(struct tp_link_beat *b, int64_t now);
bool tp_link_beat_send_is_due(const struct tp_link_beat *b, int64_t now);
/* A heartbeat went out at now: the next is due one interval later. */
void tp_link_beat_sent(struct tp_link_beat *b, int64_t now);
bool tp_link_beat_is_dead(const struct tp_link_beat *b, int64_t now);
/* The next time anything is due (a heartbeat or the death deadline). */
int64_t tp_link_beat_next(const struct tp_link_beat *b);

#endif
