/* troupectl's protobuf codec by name: FIELD=VALUE words to the wire
 * format, and the wire format to one "field = value" line per field or
 * to JSON, driven by the generated message table (msgtab.h).  Scalars,
 * strings, bytes, enums and repeated scalars; nested messages are refused
 * when given and shown as bytes. */
#ifndef TROUPE_PBTEXT_H
#define TROUPE_PBTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "msgtab.h"

/* By full name ("demo.Echo") or, when only one message has it, by short
 * name ("Echo").  NULL if none. */
const struct mt_msg *pbt_find(const char *name);
const struct mt_msg *pbt_find_id(uint32_t msgid);

/* The wire, read: each field's number, wire type (WT_*), and value
 * (varint or fixed bits) or, for WT_LEN, where its bytes are.  Also
 * reads the descriptor sets of types.c. */
enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };
struct pbt_in {
	const uint8_t *p, *end;
};
struct pbt_item {
	uint32_t number;
	int wt;
	uint64_t v;
	const uint8_t *data;
	size_t len;
};
/* The next field of in; false when in is malformed (never reads past end). */
bool pbt_next(struct pbt_in *in, struct pbt_item *it);

/* "uint32", "string", the enum's or message's name... */
const char *pbt_type_name(const struct mt_field *f);

/* Encodes the words FIELD=VALUE (argc of them) as message m into buf.
 * Returns the length, or -1 with what is wrong in err. */
int pbt_encode(const struct mt_msg *m, int argc, char **argv, uint8_t *buf,
	       size_t cap, char *err, size_t errn);

/* Prints payload p of len bytes as message m: its name, then one
 * "  field = value" line per field (absent ones with their default), or
 * one JSON object.  Returns 0, or -1 with err when p is malformed. */
int pbt_print(FILE *f, const struct mt_msg *m, const uint8_t *p, size_t len,
	      bool json, char *err, size_t errn);

/* The JSON pbt_print writes (or its "fields" object alone) encoded as
 * message m into buf: the length, or -1 with what is wrong in err.  Keys
 * are at most TP_JSON_KEY_MAX - 1 bytes, strings 4095. */
#define TP_JSON_KEY_MAX 128
int pbt_encode_json(const struct mt_msg *m, const char *json, size_t len, uint8_t *buf,
		    size_t cap, char *err, size_t errn);

/* pbt_print's JSON, one line without its newline, into out (NUL-ended):
 * its length, or -1 with err when p is malformed or it needs more than cap. */
int pbt_json(const struct mt_msg *m, const uint8_t *p, size_t len, char *out, size_t cap,
	     char *err, size_t errn);

#endif
