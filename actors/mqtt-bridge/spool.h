/* The bridge's spool: the messages bound for the broker at QoS 1 or 2
 * that it has not acknowledged yet, oldest first, at most `depth` of
 * them.  Every such message goes through the spool, connected or not, so
 * that one order and one rule hold: a message leaves the spool only when
 * the broker acknowledged it (PUBACK, or PUBCOMP at QoS 2) or when the
 * spool drops it for room, counted.  With a directory, each entry is also
 * a file there, written before the message counts as spooled and removed
 * when it leaves, so that a restarted bridge sends what its predecessor
 * had not (docs/FLEETS.md states the fsync policy). */
#ifndef MQTT_BRIDGE_SPOOL_H
#define MQTT_BRIDGE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_TOPIC_MAX 255
#define SPOOL_PAYLOAD_MAX 1024

enum spool_policy { SPOOL_DROP_OLDEST, SPOOL_DROP_NEWEST };

struct spool_entry {
	uint64_t seq;         /* the spool's own order, also the file's name */
	int mid;              /* libmosquitto's message id while in flight, else 0 */
	bool acked;           /* acknowledged, waiting for the ones before it */
	uint8_t qos;
	uint32_t type;        /* the Troupe message type, sent as a user property */
	uint16_t len;
	char topic[SPOOL_TOPIC_MAX + 1];   /* the broker's topic */
	uint8_t payload[SPOOL_PAYLOAD_MAX];
};

struct spool {
	struct spool_entry *e;   /* a ring of depth entries */
	unsigned depth, head, n;
	enum spool_policy policy;
	const char *dir;         /* NULL: memory only */
	bool fsync;
	uint64_t next_seq;
	uint64_t dropped;        /* for room, by policy */
	uint64_t file_errors;
};

/* Allocates the ring; with dir, loads what a predecessor left there, in
 * order (the oldest dropped if more than depth, counted).  Returns the
 * number of entries loaded, or -1 with errno (the directory cannot be
 * made or read, out of memory). */
int spool_open(struct spool *s, unsigned depth, enum spool_policy policy,
	       const char *dir, bool do_fsync);
void spool_close(struct spool *s);

/* Adds a message at the tail: 1 added, 0 dropped (the new one, by
 * drop_newest; counted), or 1 with the oldest dropped (drop_oldest,
 * counted).  A message too large for an entry is refused (-1). */
int spool_push(struct spool *s, const char *topic, uint8_t qos, uint32_t type,
	       const void *payload, size_t len);

/* The i-th entry from the oldest (i < n). */
struct spool_entry *spool_at(struct spool *s, unsigned i);

/* The broker acknowledged message id mid: marks its entry, then removes
 * acknowledged entries from the head, so the spool stays in order.
 * Returns true if an entry had that id. */
bool spool_ack(struct spool *s, int mid);

/* The connection is gone: nothing is in flight any more; everything not
 * acknowledged is sent again, from the oldest. */
void spool_reset_inflight(struct spool *s);

#endif
