/* What the fuzz targets share (tests/fuzz/README.md): the demo messages,
 * to run every payload through the nanopb decoders the actors use, and a
 * check that turns a broken invariant into a finding libFuzzer saves. */
#ifndef TROUPE_FUZZ_H
#define TROUPE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "troupe/troupe.h"
#include "troupe/envelope.h"   /* the targets feed the wire format itself */
#include "echo.pb.h"
#include "filter.pb.h"
#include "greeter.pb.h"
#include "logger.pb.h"
#include "sensor.pb.h"

/* A property that must hold for every input: abort() makes libFuzzer keep
 * the input as a crash artifact. */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every demo message: id, descriptor, and room for one decoded value. */
union fuzz_any {
	demo_Reading reading;
	demo_Average average;
	demo_Alarm alarm;
	demo_LogLine logline;
	demo_Echo echo;
	demo_Hello hello;
	demo_Greeting greeting;
};

#define FUZZ_TYPE(T) { T##_msgid, T##_fields }
static const struct fuzz_type {
	uint32_t id;
	const pb_msgdesc_t *fields;
} fuzz_types[] = {
	FUZZ_TYPE(demo_Reading), FUZZ_TYPE(demo_Average), FUZZ_TYPE(demo_Alarm),
	FUZZ_TYPE(demo_LogLine), FUZZ_TYPE(demo_Echo), FUZZ_TYPE(demo_Hello),
	FUZZ_TYPE(demo_Greeting),
};
#define FUZZ_NTYPES (sizeof fuzz_types / sizeof fuzz_types[0])

/* Decodes m as every demo type, as an actor that guessed wrong would: a
 * payload may fail to decode, never read out of bounds.  Returns how many
 * types it decoded as. */
static inline unsigned fuzz_decode_all(const struct tp_msg *m)
{
	unsigned ok = 0;
	for (size_t i = 0; i < FUZZ_NTYPES; i++) {
		union fuzz_any out;
		struct tp_msg as = *m;
		as.type = fuzz_types[i].id;
		int rc = tp_decode_msg(&as, fuzz_types[i].id, fuzz_types[i].fields, &out);
		FUZZ_CHECK(rc == 0 || rc == -TP_EDECODE);
		ok += rc == 0;
	}
	return ok;
}

#endif
