/* Frames out of a byte stream (see frames.h). */
#include <stdlib.h>
#include <string.h>
#include "frames.h"

void tp_frames_reset(struct tp_frames *f, uint32_t msg_max)
{
	f->msg_max = msg_max;
	f->off = f->end = f->need = 0;
	f->lane = TP_FRAMES_NO_LANE;
	f->ready = false;
}

void tp_frames_free(struct tp_frames *f)
{
	free(f->buf);
	f->buf = NULL;
	f->ready = false;
}

/* Finds the next whole frame among the buffered bytes; its length is
 * checked before anything of it is used. */
static int frames_parse(struct tp_frames *f)
{
	f->ready = false;
	if (f->lane == TP_FRAMES_NO_LANE) {
		if (f->off == f->end)
			return 0;
		if (f->buf[f->off] >= TP_FRAMES_LANES)
			return -1;
		f->lane = f->buf[f->off++];
	}
	if (f->end - f->off < 4)
		return 0;
	const uint8_t *h = f->buf + f->off;
	f->need = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	if (f->need == 0 || f->need > f->msg_max)
		return -1;
	f->ready = f->end - f->off - 4 >= f->need;
	return 0;
}

uint8_t *tp_frames_room(struct tp_frames *f, size_t *room)
{
	size_t cap = TP_FRAMES_CAP(f->msg_max);
	if (!f->buf && !(f->buf = malloc(cap)))
		return NULL;
	if (f->off) {
		memmove(f->buf, f->buf + f->off, f->end - f->off);
		f->end -= f->off;
		f->off = 0;
	}
	*room = cap - f->end;
	return f->buf + f->end;
}

int tp_frames_add(struct tp_frames *f, size_t n)
{
	f->end += (uint32_t)n;
	return frames_parse(f);
}

int tp_frames_take(struct tp_frames *f, const uint8_t **frame, uint32_t *len)
{
	*frame = f->buf + f->off + 4;
	*len = f->need;
	f->off += 4 + f->need;
	return frames_parse(f);
}
