/* What troupectl knows of the actors' messages: a table generated at build
 * time from every actor's .proto and .options (gen-msgtab.py), so
 * that messages can be given and shown by type and field name. */
#ifndef TROUPE_MSGTAB_H
#define TROUPE_MSGTAB_H

#include <stdint.h>

/* Field types: google.protobuf.FieldDescriptorProto.Type's numbers. */
enum {
	MT_DOUBLE = 1, MT_FLOAT = 2, MT_INT64 = 3, MT_UINT64 = 4, MT_INT32 = 5,
	MT_FIXED64 = 6, MT_FIXED32 = 7, MT_BOOL = 8, MT_STRING = 9, MT_GROUP = 10,
	MT_MESSAGE = 11, MT_BYTES = 12, MT_UINT32 = 13, MT_ENUM = 14,
	MT_SFIXED32 = 15, MT_SFIXED64 = 16, MT_SINT32 = 17, MT_SINT64 = 18,
};

struct mt_enumval {
	const char *name;
	int32_t number;
};

struct mt_field {
	const char *name;
	uint32_t number;
	uint8_t type;              /* MT_* */
	uint8_t repeated;
	const char *type_name;     /* message or enum fields: its full name */
	const struct mt_enumval *values;   /* enum fields; ends with a NULL name */
};

struct mt_msg {
	const char *name;          /* full name, "demo.Echo" */
	uint32_t msgid;            /* 0: none (not sendable on its own) */
	const struct mt_field *fields;
	unsigned n_fields;
};

extern const struct mt_msg mt_msgs[];
extern const unsigned mt_n_msgs;

#endif
