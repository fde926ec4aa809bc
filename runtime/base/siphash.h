/* SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom
 * function, used as the MAC of the daemon's seal on the mail it puts into
 * an actor's mailbox (runtime/lib/seal.h).  Written here, not taken from
 * a library: nettle (which the daemon links for node links) has no
 * SipHash in the version Debian ships, and HMAC from it would make every
 * user's actor link nettle for a tag on a few notices. */
#ifndef TROUPE_SIPHASH_H
#define TROUPE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define TP_SIPHASH_KEY_LEN 16

uint64_t tp_siphash24(const uint8_t key[TP_SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
