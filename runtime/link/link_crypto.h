/* The node link's cryptography, behind one small interface: HMAC-SHA256,
 * randomness, a constant-time compare and wiping.  Only link_crypto.c
 * names the library that does the work (nettle), so the choice can change
 * in one place.  Why nettle and getrandom rather than libsodium: the link
 * needs one MAC and random bytes, and any libsodium call pulls in every
 * primitive's CPU picker (about 100 KiB of a static daemon's text); see
 * docs/DESIGN.md, "Node links". */
#ifndef TROUPE_LINK_CRYPTO_H
#define TROUPE_LINK_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <nettle/hmac.h>

#define TP_HMAC_LEN 32

/* A keyed HMAC-SHA256 state.  A copy of a keyed state starts a new
 * message under the same key: sealing copies the session state per frame
 * rather than rekeying. */
struct tp_hmac {
	struct hmac_sha256_ctx ctx;
};

void tp_hmac_init(struct tp_hmac *h, const uint8_t *key, size_t len);
void tp_hmac_update(struct tp_hmac *h, const void *data, size_t len);
void tp_hmac_final(struct tp_hmac *h, uint8_t out[TP_HMAC_LEN]);

/* n bytes from the kernel's random source (getrandom, which blocks only
 * until the pool is first initialised at boot); 0 or -TP_ESYS. */
int tp_random_bytes(void *buf, size_t n);
/* A random 32-bit number (for jitter; 0 if the source failed). */
uint32_t tp_random_u32(void);

/* a and b equal, in time that depends on n only. */
bool tp_ct_equal(const void *a, const void *b, size_t n);
/* Zeroes secrets in a way the compiler may not remove. */
void tp_wipe(void *p, size_t n);

#endif
