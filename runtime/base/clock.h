/* The monotonic clock and deadlines on it (the base layer: transports,
 * links and the runtime all read time here). */
#ifndef TROUPE_CLOCK_H
#define TROUPE_CLOCK_H
#include <stdint.h>
#include "troupe/api.h"

/* A deadline that never comes. */
#define TP_DEADLINE_NEVER INT64_MAX

/* CLOCK_MONOTONIC in nanoseconds (also in troupe/actor.h, for actors:
 * exported from libtroupe.so). */
TP_API
int64_t tp_now_ns(void);

/* An absolute deadline timeout_ms from now; a negative timeout: none. */
int64_t tp_deadline_ms(int timeout_ms);
/* Milliseconds left until deadline, for poll: 0 when past, -1 for none. */
int tp_remaining_ms(int64_t deadline);

#endif
