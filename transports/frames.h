/* The receiving end of a tcp mailbox's stream (tcp.c): one lane byte, then
 * frames of a 4-byte big-endian length and that many bytes, cut by the
 * network wherever it likes.  A tp_frames turns the bytes of one
 * connection, however they come, into whole frames in order; each length
 * is checked against msg_max before anything of its frame is used, and the
 * buffer is allocated once, at its full size, whatever the lengths say.
 * No I/O here: the caller reads into the room it is given, so that the
 * parser can be fuzzed on any cut of any stream (tests/fuzz/fuzz_tcp.c). */
#ifndef TROUPE_TRANSPORT_FRAMES_H
#define TROUPE_TRANSPORT_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_FRAMES_LANES 2
#define TP_FRAMES_NO_LANE 0xff

/* Room for a whole frame behind the tail of the one before. */
#define TP_FRAMES_CAP(msg_max) (2 * ((size_t)(msg_max) + 4))

struct tp_frames {
	uint8_t *buf;                /* TP_FRAMES_CAP bytes, allocated on first data */
	uint32_t msg_max;
	uint32_t off, end;           /* bytes not yet used: buf[off, end) */
	uint32_t need;               /* the length of the frame at buf + off */
	uint8_t lane;                /* TP_FRAMES_NO_LANE until the first byte came */
	bool ready;                  /* a whole frame at buf + off */
};

/* A new stream (connection); keeps the buffer for it. */
void tp_frames_reset(struct tp_frames *f, uint32_t msg_max);

void tp_frames_free(struct tp_frames *f);

/* Where the stream's next bytes go and how many fit (*room): never 0
 * while no whole frame waits.  NULL: out of memory. */
uint8_t *tp_frames_room(struct tp_frames *f, size_t *room);

/* n bytes were put where tp_frames_room said.  0, or -1 when the stream
 * is broken (a bad lane, a length of 0 or above msg_max): drop it. */
int tp_frames_add(struct tp_frames *f, size_t n);

/* When f->ready: the frame at the front (valid until the next
 * tp_frames_room) and its length, taken.  Returns 0 or -1 as
 * tp_frames_add does for what follows it. */
int tp_frames_take(struct tp_frames *f, const uint8_t **frame, uint32_t *len);

#endif
