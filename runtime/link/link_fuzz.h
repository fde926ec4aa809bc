/* Drives links in memory, without sockets: a pump that moves one link's
 * output into another's input, a whole handshake between two links, and
 * the fuzzing entry point.  For tests, fuzzers and benchmarks. */
#ifndef TROUPE_LINK_FUZZ_H
#define TROUPE_LINK_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include "link.h"

typedef void tp_link_ev_fn(void *ctx, struct tp_link *to,
			   const struct tp_link_event *ev);

/* Feeds what `from` has pending into `to`, at most chunk bytes per feed
 * (0: as much as there is), calling on_ev (may be NULL) for each event of
 * `to`.  Returns 0, or the failure of `to` (then on_ev saw EV_CLOSED). */
int tp_link_pump(struct tp_link *from, struct tp_link *to, int64_t now,
		 size_t chunk, tp_link_ev_fn *on_ev, void *ctx);

/* Runs the handshake between an initiator and a responder until both are
 * up: 0, or the first failure. */
int tp_link_pair_connect(struct tp_link *ini, struct tp_link *resp, int64_t now);

/* The fuzz target: returns 0, or aborts (a finding) when a property
 * breaks: in modes 0 and 1 no input yields an event that needs the key
 * (up, mail, actors, rtt, bye); modes 1 and 2 first bring a genuine link
 * up, and abort if they cannot.  data[0] picks the mode:
 *   0  the rest is raw bytes from an unknown peer to a fresh responder;
 *   1  the same, to a responder whose handshake with a genuine initiator
 *      is done (what an attacker can inject into a live link);
 *   2  the rest is a list of [u8 type][u16 len][len bytes] records that the
 *      genuine initiator seals and sends: what a key holder can send, so
 *      that the parsers behind the MAC are reached too.
 * A libFuzzer target is:  int LLVMFuzzerTestOneInput(const uint8_t *d,
 * size_t n) { return tp_link_fuzz(d, n); } */
int tp_link_fuzz(const uint8_t *data, size_t size);

#endif
