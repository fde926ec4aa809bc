/* A wait on a 32-bit word in shared memory, woken by another process:
 * Linux's futex, shared (no FUTEX_PRIVATE_FLAG: the word lives in a
 * MAP_SHARED mapping that several processes see at different addresses),
 * with absolute CLOCK_MONOTONIC deadlines as every Troupe wait has. */
#ifndef TROUPE_FUTEX_H
#define TROUPE_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

/* Sleeps while *word holds expect, until woken, a signal, or the absolute
 * CLOCK_MONOTONIC deadline (ns; TP_DEADLINE_NEVER: none).  Returns 0 when
 * it slept and woke (or *word was not expect: it did not sleep), ETIMEDOUT
 * at the deadline, EINTR, or another errno when the kernel refused the
 * wait (the caller must not retry it in a loop).  Every return may be
 * spurious: the caller re-reads what it waits for. */
int tp_futex_wait(_Atomic uint32_t *word, uint32_t expect, int64_t deadline);

/* Wakes every process asleep on word. */
void tp_futex_wake(_Atomic uint32_t *word);

#endif
