/* Reconnect backoff and heartbeat schedule (link_timing.h). */
#include "link_crypto.h"
#include "link_timing.h"

uint32_t tp_link_backoff_ms(unsigned attempt, uint32_t base_ms, uint32_t cap_ms,
			    uint32_t rnd)
{
	uint64_t d = base_ms;
	/* Doubling stops once the cap is reached: no shift overflows. */
	for (unsigned i = 0; i < attempt && d < cap_ms; i++)
		d <<= 1;
	if (d > cap_ms)
		d = cap_ms;
	uint64_t half = d / 2;
	return (uint32_t)(half + rnd % (d - half + 1));
}

uint32_t tp_link_backoff_next_ms(unsigned attempt, uint32_t base_ms, uint32_t cap_ms)
{
	return tp_link_backoff_ms(attempt, base_ms, cap_ms, tp_random_u32());
}

void tp_link_beat_init(struct tp_link_beat *b, uint32_t interval_ms,
		       uint32_t dead_ms, int64_t now)
{
	b->interval_ns = (int64_t)interval_ms * 1000000;
	b->dead_ns = (int64_t)dead_ms * 1000000;
	b->last_rx = now;
	b->next_tx = now + b->interval_ns;
}

void tp_link_beat_rx(struct tp_link_beat *b, int64_t now)
{
	if (now > b->last_rx)
		b->last_rx = now;
}

bool tp_link_beat_send_is_due(const struct tp_link_beat *b, int64_t now)
{
	return now >= b->next_tx;
}

void tp_link_beat_sent(struct tp_link_beat *b, int64_t now)
{
	b->next_tx = now + b->interval_ns;
}

bool tp_link_beat_is_dead(const struct tp_link_beat *b, int64_t now)
{
	return now - b->last_rx >= b->dead_ns;
}

int64_t tp_link_beat_next(const struct tp_link_beat *b)
{
	int64_t dead = b->last_rx + b->dead_ns;
	return dead < b->next_tx ? dead : b->next_tx;
}
