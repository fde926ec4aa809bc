/* The link's cryptography on nettle and the kernel (link_crypto.h). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <nettle/memops.h>
#include "troupe/error.h"
#include "link_crypto.h"

void tp_hmac_init(struct tp_hmac *h, const uint8_t *key, size_t len)
{
	hmac_sha256_set_key(&h->ctx, len, key);
}

void tp_hmac_update(struct tp_hmac *h, const void *data, size_t len)
{
	hmac_sha256_update(&h->ctx, len, data);
}

void tp_hmac_final(struct tp_hmac *h, uint8_t out[TP_HMAC_LEN])
{
	hmac_sha256_digest(&h->ctx, TP_HMAC_LEN, out);
}

int tp_random_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -TP_ESYS;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

uint32_t tp_random_u32(void)
{
	uint32_t v = 0;
	if (tp_random_bytes(&v, sizeof v))
		return 0;
	return v;
}

bool tp_ct_equal(const void *a, const void *b, size_t n)
{
	return memeql_sec(a, b, n) != 0;
}

void tp_wipe(void *p, size_t n)
{
	explicit_bzero(p, n);
}
