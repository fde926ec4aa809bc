/* Unpredictable numbers for what an outsider must not guess: correlation
 * ids of calls (a guessed id lets a forged reply answer a call). */
#ifndef TROUPE_RANDOM_H
#define TROUPE_RANDOM_H
#include <stddef.h>
#include <stdint.h>

/* A random 64-bit value from the kernel (getrandom) whose low 32 bits are
 * not zero: 0 means "no call" on the wire, and a node link to an older
 * peer carries only those 32 bits (docs/WIRE.md), so they must not read
 * as "no call" there either.  Note: if the kernel has no getrandom (ENOSYS, before
 * Linux 3.17) it reads /dev/urandom; without either it falls back to a
 * generator seeded from the clock and pid, which is guessable, and says
 * so once on stderr. */
uint64_t tp_random_corr(void);

/* n bytes of a key from the kernel (getrandom, else /dev/urandom): 0, or
 * -1 where the kernel gives none; never a guessable fallback. */
int tp_random_key(void *buf, size_t n);

#endif
