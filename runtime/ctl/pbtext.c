/* troupectl's protobuf codec by name (see pbtext.h).  The wire format:
 * https://protobuf.dev/programming-guides/encoding/ . */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "pbtext.h"
#include "types.h"


static int pbt_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

const struct mt_msg *pbt_find(const char *name)
{
	const struct mt_msg *hit = NULL;
	for (unsigned i = 0; i < mt_count(); i++) {
		const struct mt_msg *m = mt_at(i);
		const char *full = m->name, *dot = strrchr(full, '.');
		if (strcmp(full, name) == 0)
			return m;
		if (strcmp(dot ? dot + 1 : full, name) == 0) {
			if (hit)
				return NULL;   /* ambiguous: the full name is needed */
			hit = m;
		}
	}
	return hit;
}

const struct mt_msg *pbt_find_id(uint32_t msgid)
{
	for (unsigned i = 0; msgid && i < mt_count(); i++)
		if (mt_at(i)->msgid == msgid)
			return mt_at(i);
	return NULL;
}

static int pbt_wiretype(uint8_t type)
{
	switch (type) {
	case MT_DOUBLE: case MT_FIXED64: case MT_SFIXED64: return WT_I64;
	case MT_FLOAT: case MT_FIXED32: case MT_SFIXED32: return WT_I32;
	case MT_STRING: case MT_BYTES: case MT_MESSAGE: return WT_LEN;
	case MT_GROUP: return -1;
	default: return WT_VARINT;
	}
}

/* ---------------------------------------------------------------- encode */

struct pbt_out {
	uint8_t *buf;
	size_t cap, len;
	bool full;
};

static void out_bytes(struct pbt_out *o, const void *p, size_t n)
{
	if (n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_varint(struct pbt_out *o, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		b[n++] |= v ? 0x80 : 0;
	} while (v);
	out_bytes(o, b, n);
}

static void out_fixed(struct pbt_out *o, uint64_t v, size_t n)
{
	uint8_t b[8];
	for (size_t k = 0; k < n; k++)
		b[k] = (uint8_t)(v >> (8 * k));
	out_bytes(o, b, n);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A whole number in [lo, hi] (signed) or [0, uhi] (unsigned). */
static bool parse_int(const char *s, bool is_signed, int64_t lo, int64_t hi,
		      uint64_t uhi, uint64_t *out)
{
	char *end;
	errno = 0;
	if (!*s)
		return false;
	if (is_signed) {
		long long v = strtoll(s, &end, 0);
		if (*end || errno || v < lo || v > hi)
			return false;
		*out = (uint64_t)v;
	} else {
		if (*s == '-' || *s == '+')
			return false;
		unsigned long long v = strtoull(s, &end, 0);
		if (*end || errno || v > uhi)
			return false;
		*out = v;
	}
	return true;
}

static bool parse_enum(const struct mt_field *f, const char *s, uint64_t *out)
{
	for (const struct mt_enumval *e = f->values; e && e->name; e++)
		if (strcmp(e->name, s) == 0) {
			*out = (uint64_t)(int64_t)e->number;
			return true;
		}
	return parse_int(s, true, INT32_MIN, INT32_MAX, 0, out);
}

/* A scalar value into its wire form: a varint or the bits of a fixed. */
static bool parse_scalar(const struct mt_field *f, const char *s, uint64_t *v)
{
	char *end;
	switch (f->type) {
	case MT_INT32: case MT_SFIXED32:
		return parse_int(s, true, INT32_MIN, INT32_MAX, 0, v);
	case MT_SINT32:
		if (!parse_int(s, true, INT32_MIN, INT32_MAX, 0, v))
			return false;
		*v = (uint32_t)(((uint32_t)*v << 1) ^ (uint32_t)((int32_t)*v >> 31));
		return true;
	case MT_INT64: case MT_SFIXED64:
		return parse_int(s, true, INT64_MIN, INT64_MAX, 0, v);
	case MT_SINT64:
		if (!parse_int(s, true, INT64_MIN, INT64_MAX, 0, v))
			return false;
		*v = (*v << 1) ^ (uint64_t)((int64_t)*v >> 63);
		return true;
	case MT_UINT32: case MT_FIXED32:
		return parse_int(s, false, 0, 0, UINT32_MAX, v);
	case MT_UINT64: case MT_FIXED64:
		return parse_int(s, false, 0, 0, UINT64_MAX, v);
	case MT_BOOL:
		*v = strcmp(s, "true") == 0 || strcmp(s, "1") == 0;
		return *v || strcmp(s, "false") == 0 || strcmp(s, "0") == 0;
	case MT_ENUM:
		return parse_enum(f, s, v);
	case MT_FLOAT: {
		float x = strtof(s, &end);
		uint32_t bits;
		memcpy(&bits, &x, 4);
		*v = bits;
		return *s && !*end;
	}
	case MT_DOUBLE: {
		double x = strtod(s, &end);
		memcpy(v, &x, 8);
		return *s && !*end;
	}
	}
	return false;
}

/* bytes: "0x" then hex digits, or the text itself. */
static int parse_bytes(const char *s, uint8_t *b, size_t cap)
{
	if (strncmp(s, "0x", 2) != 0) {
		size_t n = strlen(s);
		if (n > cap)
			return -1;
		memcpy(b, s, n);
		return (int)n;
	}
	size_t n = strlen(s + 2);
	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t k = 0; k < n / 2; k++) {
		int hi = hexval(s[2 + 2 * k]), lo = hexval(s[3 + 2 * k]);
		if (hi < 0 || lo < 0)
			return -1;
		b[k] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static const char *type_word(uint8_t t)
{
	static const char *const w[] = {
		[MT_DOUBLE] = "double", [MT_FLOAT] = "float", [MT_INT64] = "int64",
		[MT_UINT64] = "uint64", [MT_INT32] = "int32", [MT_FIXED64] = "fixed64",
		[MT_FIXED32] = "fixed32", [MT_BOOL] = "bool",
		[MT_STRING] = "string", [MT_GROUP] = "group", [MT_MESSAGE] = "message",
		[MT_BYTES] = "bytes", [MT_UINT32] = "uint32", [MT_ENUM] = "enum",
		[MT_SFIXED32] = "sfixed32", [MT_SFIXED64] = "sfixed64",
		[MT_SINT32] = "sint32", [MT_SINT64] = "sint64",
	};
	return t < sizeof w / sizeof w[0] && w[t] ? w[t] : "?";
}

const char *pbt_type_name(const struct mt_field *f)
{
	if (f->type == MT_ENUM || f->type == MT_MESSAGE)
		return f->type_name;
	return type_word(f->type);
}

static const struct mt_field *field_by_name(const struct mt_msg *m, const char *name,
					    size_t n)
{
	for (unsigned k = 0; k < m->n_fields; k++)
		if (strlen(m->fields[k].name) == n && strncmp(m->fields[k].name, name, n) == 0)
			return &m->fields[k];
	return NULL;
}

static int encode_one(const struct mt_msg *m, const struct mt_field *f, const char *val,
		      struct pbt_out *o, char *err, size_t errn)
{
	int wt = pbt_wiretype(f->type);
	if (f->type == MT_MESSAGE || wt < 0)
		return pbt_err(err, errn, "%s.%s: a nested message (%s); troupectl cannot "
			       "give one by fields", m->name, f->name, f->type_name);
	out_varint(o, (uint64_t)f->number << 3 | (unsigned)wt);
	if (wt == WT_LEN) {
		static uint8_t b[65536];
		int n = (int)strlen(val);
		if (f->type == MT_BYTES && (n = parse_bytes(val, b, sizeof b)) < 0)
			return pbt_err(err, errn, "%s.%s: bad bytes '%s' (text, or 0x and "
				       "pairs of hex digits)", m->name, f->name, val);
		out_varint(o, (uint64_t)n);
		out_bytes(o, f->type == MT_BYTES ? (const void *)b : val, (size_t)n);
		return 0;
	}
	uint64_t v;
	if (!parse_scalar(f, val, &v))
		return pbt_err(err, errn, "%s.%s: '%s' is not a valid %s", m->name, f->name,
			       val, f->type == MT_BOOL ? "bool (true or false)" :
			       pbt_type_name(f));
	if (wt == WT_VARINT)
		out_varint(o, (f->type == MT_INT32 || f->type == MT_ENUM) ?
			   (uint64_t)(int64_t)(int32_t)v : v);
	else
		out_fixed(o, v, wt == WT_I32 ? 4 : 8);
	return 0;
}

int pbt_encode(const struct mt_msg *m, int argc, char **argv, uint8_t *buf,
	       size_t cap, char *err, size_t errn)
{
	struct pbt_out o = { buf, cap, 0, false };
	uint64_t given = 0;   /* fields given, for the "twice" check (first 64) */
	for (int i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		if (!eq)
			return pbt_err(err, errn, "'%s': expected FIELD=VALUE", argv[i]);
		const struct mt_field *f = field_by_name(m, argv[i], (size_t)(eq - argv[i]));
		if (!f)
			return pbt_err(err, errn, "%s has no field '%.*s'", m->name,
				       (int)(eq - argv[i]), argv[i]);
		unsigned k = (unsigned)(f - m->fields);
		if (!f->repeated && k < 64 && (given & (1ull << k)))
			return pbt_err(err, errn, "%s.%s given twice", m->name, f->name);
		given |= k < 64 ? 1ull << k : 0;
		if (encode_one(m, f, eq + 1, &o, err, errn))
			return -1;
	}
	if (o.full)
		return pbt_err(err, errn, "%s: the message exceeds %zu bytes", m->name, cap);
	return (int)o.len;
}

/* ---------------------------------------------------------------- decode */

static bool in_varint(struct pbt_in *in, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 70 && in->p < in->end; shift += 7) {
		uint8_t b = *in->p++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

bool pbt_next(struct pbt_in *in, struct pbt_item *it)
{
	uint64_t key;
	if (!in_varint(in, &key) || key >> 3 == 0 || key >> 3 > 0x1fffffff)
		return false;
	it->number = (uint32_t)(key >> 3);
	it->wt = (int)(key & 7);
	size_t left = (size_t)(in->end - in->p);
	switch (it->wt) {
	case WT_VARINT:
		return in_varint(in, &it->v);
	case WT_I64: case WT_I32: {
		size_t n = it->wt == WT_I64 ? 8 : 4;
		if (left < n)
			return false;
		it->v = 0;
		for (size_t k = 0; k < n; k++)
			it->v |= (uint64_t)in->p[k] << (8 * k);
		in->p += n;
		return true;
	}
	case WT_LEN:
		if (!in_varint(in, &it->v) || it->v > (uint64_t)(in->end - in->p))
			return false;
		it->data = in->p;
		it->len = (size_t)it->v;
		in->p += it->len;
		return true;
	}
	return false;
}

static void put_str(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	for (size_t k = 0; k < n; k++) {
		uint8_t c = s[k];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static bool is_text(const uint8_t *s, size_t n)
{
	if (n >= 2 && s[0] == '0' && s[1] == 'x')
		return false;   /* would read back as hex */
	for (size_t k = 0; k < n; k++)
		if (s[k] < 0x20 || s[k] >= 0x7f)
			return false;
	return true;
}

static void put_bytes(FILE *f, const uint8_t *s, size_t n)
{
	if (is_text(s, n)) {
		put_str(f, s, n);
		return;
	}
	fputs("\"0x", f);
	for (size_t k = 0; k < n; k++)
		fprintf(f, "%02x", s[k]);
	fputc('"', f);
}

static void put_float(FILE *f, double x, bool json, int digits)
{
	if (isfinite(x))
		fprintf(f, "%.*g", digits, x);
	else
		fprintf(f, json ? "\"%g\"" : "%g", x);
}

static void put_scalar(FILE *f, const struct mt_field *fd, uint64_t v, bool json)
{
	switch (fd->type) {
	case MT_INT32: case MT_SFIXED32: fprintf(f, "%" PRId32, (int32_t)v); break;
	case MT_INT64: case MT_SFIXED64: fprintf(f, "%" PRId64, (int64_t)v); break;
	case MT_UINT32: case MT_FIXED32: fprintf(f, "%" PRIu32, (uint32_t)v); break;
	case MT_UINT64: case MT_FIXED64: fprintf(f, "%" PRIu64, v); break;
	case MT_SINT32: fprintf(f, "%" PRId32, (int32_t)((uint32_t)v >> 1) ^ -(int32_t)(v & 1)); break;
	case MT_SINT64: fprintf(f, "%" PRId64, (int64_t)(v >> 1) ^ -(int64_t)(v & 1)); break;
	case MT_BOOL: fputs(v ? "true" : "false", f); break;
	case MT_FLOAT: {
		float x;
		uint32_t bits = (uint32_t)v;
		memcpy(&x, &bits, 4);
		put_float(f, x, json, 9);
		break;
	}
	case MT_DOUBLE: {
		double x;
		memcpy(&x, &v, 8);
		put_float(f, x, json, 17);
		break;
	}
	case MT_ENUM:
		for (const struct mt_enumval *e = fd->values; e && e->name; e++)
			if (e->number == (int32_t)v) {
				fprintf(f, json ? "\"%s\"" : "%s", e->name);
				return;
			}
		fprintf(f, "%" PRId32, (int32_t)v);
		break;
	}
}

/* Prints field fd's one value from item it (a packed run is split by
 * the caller). */
static void put_value(FILE *f, const struct mt_field *fd, const struct pbt_item *it,
		      bool json)
{
	if (fd->type == MT_STRING)
		put_str(f, it->data, it->len);
	else if (it->wt == WT_LEN)
		put_bytes(f, it->data, it->len);
	else
		put_scalar(f, fd, it->v, json);
}

/* Calls back for every value of field number n in p; checks wire types.
 * Returns how many, or -1 if malformed. */
static int each_value(const struct mt_field *fd, const uint8_t *p, size_t len,
		      FILE *f, bool json, const char *sep, char *err, size_t errn)
{
	struct pbt_in in = { p, p + len };
	struct pbt_item it;
	int count = 0, wt = pbt_wiretype(fd->type);
	while (in.p < in.end) {
		if (!pbt_next(&in, &it))
			return pbt_err(err, errn, "malformed payload at byte %zu",
				       (size_t)(in.p - p));
		if (it.number != fd->number)
			continue;
		if (it.wt == WT_LEN && wt != WT_LEN && fd->repeated) {   /* packed */
			struct pbt_in pk = { it.data, it.data + it.len };
			struct pbt_item v = { .wt = wt };
			while (pk.p < pk.end) {
				bool ok = wt == WT_VARINT ? in_varint(&pk, &v.v) :
					  (size_t)(pk.end - pk.p) >= (wt == WT_I64 ? 8u : 4u);
				if (!ok)
					return pbt_err(err, errn, "field %s: malformed packed values",
						       fd->name);
				if (wt != WT_VARINT) {
					size_t n = wt == WT_I64 ? 8 : 4;
					v.v = 0;
					for (size_t k = 0; k < n; k++)
						v.v |= (uint64_t)pk.p[k] << (8 * k);
					pk.p += n;
				}
				if (f) {
					fputs(count ? sep : "", f);
					put_value(f, fd, &v, json);
				}
				count++;
			}
			continue;
		}
		if (it.wt != wt)
			return pbt_err(err, errn, "field %s: wire type %d, want %d", fd->name,
				       it.wt, wt);
		if (f) {
			fputs(count ? sep : "", f);
			put_value(f, fd, &it, json);
		}
		count++;
	}
	return count;
}

static void put_default(FILE *f, const struct mt_field *fd, bool json)
{
	struct pbt_item zero = { .wt = pbt_wiretype(fd->type), .data = (const uint8_t *)"" };
	if (fd->type == MT_MESSAGE)
		fputs(json ? "null" : "(none)", f);
	else
		put_value(f, fd, &zero, json);
}

/* The fields in the table's order; a field given several times (a
 * repeated one) is one line "a = 1, 2" or one JSON array.  Proto3 leaves
 * zero values out of the wire: they are shown as such. */
int pbt_print(FILE *f, const struct mt_msg *m, const uint8_t *p, size_t len,
	      bool json, char *err, size_t errn)
{
	for (unsigned k = 0; k < m->n_fields; k++)   /* check all before printing */
		if (each_value(&m->fields[k], p, len, NULL, json, "", err, errn) < 0)
			return -1;
	struct pbt_in in = { p, p + len };
	struct pbt_item it;
	while (in.p < in.end)
		if (!pbt_next(&in, &it))
			return pbt_err(err, errn, "malformed payload at byte %zu",
				       (size_t)(in.p - p));
	if (json)
		fprintf(f, "{\"type\":\"%s\",\"msgid\":%" PRIu32 ",\"fields\":{", m->name,
			m->msgid);
	else
		fprintf(f, "%s\n", m->name);
	for (unsigned k = 0; k < m->n_fields; k++) {
		const struct mt_field *fd = &m->fields[k];
		int n = each_value(fd, p, len, NULL, json, "", err, errn);
		if (json)
			fprintf(f, "%s\"%s\":%s", k ? "," : "", fd->name, fd->repeated ? "[" : "");
		else
			fprintf(f, "  %s = ", fd->name);
		if (n == 0 && !fd->repeated)
			put_default(f, fd, json);
		else
			each_value(fd, p, len, f, json, json ? "," : ", ", err, errn);
		fputs(json ? (fd->repeated ? "]" : "") : "\n", f);
	}
	if (json)
		fputs("}}\n", f);
	return 0;
}

/* ---------------------------------------------------------------- JSON */

/* JSON in, by the message's descriptor: a small strict parser (RFC 8259's
 * grammar) of what pbt_print writes, or of its "fields" object alone.
 * Each value becomes the text pbt_encode takes for FIELD=VALUE and is
 * encoded by the same code (encode_one), so both ways agree: strings and
 * bytes (text, or "0x" and hex) as JSON strings, numbers as numbers (64-bit
 * ones also as strings, floats also "nan", "inf"), enums by name or number,
 * bools as true or false, repeated fields as arrays, null as absent.
 * Nested messages are refused, as by pbt_encode: no recursion deeper than
 * an array of scalars. */
#define JSON_STR_MAX 4096

struct jp {
	const char *p, *end, *start;
	char *err;
	size_t errn;
};

static int jp_fail(struct jp *j, const char *what)
{
	return pbt_err(j->err, j->errn, "JSON, at byte %zu: %s", (size_t)(j->p - j->start), what);
}

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_lit(struct jp *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return false;
	j->p += n;
	return true;
}

static int jp_hex4(struct jp *j, unsigned *u)
{
	*u = 0;
	if (j->end - j->p < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		int h = hexval(j->p[k]);
		if (h < 0)
			return -1;
		*u = *u << 4 | (unsigned)h;
	}
	j->p += 4;
	return 0;
}

/* A string at j->p (its quote), unescaped into out (NUL-terminated). */
static int jp_string(struct jp *j, char *out, size_t cap)
{
	size_t n = 0;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;
		unsigned u;
		char b[4];
		size_t bn = 0;
		if (c < 0x20)
			return jp_fail(j, "a control character in a string");
		if (c != '\\') {
			b[bn++] = (char)c;
		} else {
			if (j->p == j->end)
				break;
			switch (*j->p++) {
			case '"': b[bn++] = '"'; break;
			case '\\': b[bn++] = '\\'; break;
			case '/': b[bn++] = '/'; break;
			case 'b': b[bn++] = '\b'; break;
			case 'f': b[bn++] = '\f'; break;
			case 'n': b[bn++] = '\n'; break;
			case 'r': b[bn++] = '\r'; break;
			case 't': b[bn++] = '\t'; break;
			case 'u':
				if (jp_hex4(j, &u))
					return jp_fail(j, "a bad \\u escape");
				if (u >= 0xd800 && u < 0xdc00) {   /* a surrogate pair */
					unsigned lo;
					if (!jp_lit(j, "\\u") || jp_hex4(j, &lo) || lo < 0xdc00 ||
					    lo > 0xdfff)
						return jp_fail(j, "a lone surrogate in \\u escapes");
					u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				} else if (u >= 0xdc00 && u < 0xe000) {
					return jp_fail(j, "a lone surrogate in \\u escapes");
				}
				if (u == 0)
					return jp_fail(j, "\\u0000: a NUL in a string");
				if (u < 0x80) {
					b[bn++] = (char)u;
				} else if (u < 0x800) {
					b[bn++] = (char)(0xc0 | u >> 6);
					b[bn++] = (char)(0x80 | (u & 0x3f));
				} else if (u < 0x10000) {
					b[bn++] = (char)(0xe0 | u >> 12);
					b[bn++] = (char)(0x80 | ((u >> 6) & 0x3f));
					b[bn++] = (char)(0x80 | (u & 0x3f));
				} else {
					b[bn++] = (char)(0xf0 | u >> 18);
					b[bn++] = (char)(0x80 | ((u >> 12) & 0x3f));
					b[bn++] = (char)(0x80 | ((u >> 6) & 0x3f));
					b[bn++] = (char)(0x80 | (u & 0x3f));
				}
				break;
			default:
				return jp_fail(j, "a bad escape in a string");
			}
		}
		if (n + bn >= cap)
			return jp_fail(j, "a string too long");
		memcpy(out + n, b, bn);
		n += bn;
	}
	if (j->p == j->end)
		return jp_fail(j, "an unterminated string");
	j->p++;
	out[n] = '\0';
	return 0;
}

/* A number's text as JSON writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 * Sets *whole when it has no fraction nor exponent. */
static int jp_number(struct jp *j, char *out, size_t cap, bool *whole)
{
	const char *s = j->p;
	*whole = true;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jp_fail(j, "a bad number");
	if (j->p < j->end && *j->p == '.') {
		*whole = false;
		j->p++;
		if (j->p == j->end || *j->p < '0' || *j->p > '9')
			return jp_fail(j, "a bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		*whole = false;
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p == j->end || *j->p < '0' || *j->p > '9')
			return jp_fail(j, "a bad number");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if ((size_t)(j->p - s) >= cap)
		return jp_fail(j, "a number too long");
	memcpy(out, s, (size_t)(j->p - s));
	out[j->p - s] = '\0';
	return 0;
}

/* One scalar value of field f, checked against its type, then encoded
 * as pbt_encode would encode its text. */
static int jp_scalar(struct jp *j, const struct mt_msg *m, const struct mt_field *f,
		     struct pbt_out *o, char *val)
{
	bool whole, ok;
	jp_ws(j);
	if (j->p == j->end)
		return jp_fail(j, "a value expected");
	bool is_int = f->type != MT_FLOAT && f->type != MT_DOUBLE && f->type != MT_BOOL &&
		      f->type != MT_STRING && f->type != MT_BYTES && f->type != MT_ENUM;
	bool wide = f->type == MT_INT64 || f->type == MT_UINT64 || f->type == MT_SINT64 ||
		    f->type == MT_FIXED64 || f->type == MT_SFIXED64;
	bool fl = f->type == MT_FLOAT || f->type == MT_DOUBLE;
	if (*j->p == '"') {
		if (jp_string(j, val, JSON_STR_MAX))
			return -1;
		ok = f->type == MT_STRING || f->type == MT_BYTES || f->type == MT_ENUM ||
		     (wide && *val) ||
		     (fl && (!strcmp(val, "nan") || !strcmp(val, "inf") || !strcmp(val, "-inf")));
		if (wide && ok) {   /* "123" only: no hex, no blanks */
			for (const char *c = *val == '-' ? val + 1 : val; *c; c++)
				ok = ok && *c >= '0' && *c <= '9';
		}
	} else if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) {
		if (jp_number(j, val, 64, &whole))
			return -1;
		ok = (is_int && whole) || fl || f->type == MT_ENUM;
	} else if (jp_lit(j, "true")) {
		strcpy(val, "true");
		ok = f->type == MT_BOOL;
	} else if (jp_lit(j, "false")) {
		strcpy(val, "false");
		ok = f->type == MT_BOOL;
	} else {
		return jp_fail(j, "a value expected");
	}
	if (!ok)
		return pbt_err(j->err, j->errn, "%s.%s: a JSON value of the wrong kind for a %s",
			       m->name, f->name, pbt_type_name(f));
	return encode_one(m, f, val, o, j->err, j->errn);
}

/* A field's value: null (absent), an array for a repeated field, else one
 * scalar. */
static int jp_field(struct jp *j, const struct mt_msg *m, const struct mt_field *f,
		    struct pbt_out *o, char *val)
{
	jp_ws(j);
	if (jp_lit(j, "null"))
		return 0;
	if (f->type == MT_MESSAGE || f->type == MT_GROUP)
		return pbt_err(j->err, j->errn, "%s.%s: a nested message (%s); not given by JSON",
			       m->name, f->name, f->type_name);
	if (!f->repeated)
		return jp_scalar(j, m, f, o, val);
	if (j->p == j->end || *j->p != '[')
		return pbt_err(j->err, j->errn, "%s.%s: repeated: a JSON array expected", m->name,
			       f->name);
	j->p++;
	jp_ws(j);
	if (jp_lit(j, "]"))
		return 0;
	for (unsigned count = 0;; count++) {
		if (o->full)
			return pbt_err(j->err, j->errn, "%s: the message exceeds %zu bytes", m->name,
				       o->cap);
		if (jp_scalar(j, m, f, o, val))
			return -1;
		jp_ws(j);
		if (jp_lit(j, "]"))
			return 0;
		if (!jp_lit(j, ","))
			return jp_fail(j, "',' or ']' expected in an array");
	}
}

/* An object at j->p: the fields of m, or (top) pbt_print's wrapper
 * {"type":..., "msgid":..., "fields":{...}} where m has no field of
 * those names. */
static int jp_object(struct jp *j, const struct mt_msg *m, struct pbt_out *o, bool top,
		     char *key, char *val)
{
	uint64_t given = 0;
	bool wrapper = false, plain = false;
	jp_ws(j);
	if (!jp_lit(j, "{"))
		return jp_fail(j, "an object expected");
	jp_ws(j);
	if (jp_lit(j, "}"))
		return 0;
	for (;;) {
		jp_ws(j);
		if (j->p == j->end || *j->p != '"')
			return jp_fail(j, "a key expected");
		if (jp_string(j, key, TP_JSON_KEY_MAX))
			return -1;
		jp_ws(j);
		if (!jp_lit(j, ":"))
			return jp_fail(j, "':' expected after a key");
		const struct mt_field *f = field_by_name(m, key, strlen(key));
		if (!f && top && (!strcmp(key, "type") || !strcmp(key, "msgid") ||
				  !strcmp(key, "fields"))) {
			wrapper = true;
			jp_ws(j);
			if (!strcmp(key, "fields")) {
				if (jp_object(j, m, o, false, key, val))
					return -1;
			} else if (!strcmp(key, "type")) {
				if (j->p == j->end || *j->p != '"' || jp_string(j, val, JSON_STR_MAX))
					return jp_fail(j, "\"type\": a string expected");
				if (strcmp(val, m->name))
					return pbt_err(j->err, j->errn, "a %s, not the %s expected",
						       val, m->name);
			} else {
				bool whole;
				if (jp_number(j, val, 64, &whole))
					return -1;
				if (strtoull(val, NULL, 10) != m->msgid || !whole || *val == '-')
					return pbt_err(j->err, j->errn, "msgid %s, not %s's %u", val,
						       m->name, (unsigned)m->msgid);
			}
		} else if (!f) {
			return pbt_err(j->err, j->errn, "%s has no field '%s'", m->name, key);
		} else {
			unsigned k = (unsigned)(f - m->fields);
			if (k < 64 && (given & (1ull << k)))
				return pbt_err(j->err, j->errn, "%s.%s given twice", m->name, f->name);
			given |= k < 64 ? 1ull << k : 0;
			plain = true;
			if (jp_field(j, m, f, o, val))
				return -1;
		}
		if (wrapper && plain)
			return jp_fail(j, "\"type\", \"msgid\" or \"fields\" beside fields");
		if (o->full)
			return pbt_err(j->err, j->errn, "%s: the message exceeds %zu bytes", m->name,
				       o->cap);
		jp_ws(j);
		if (jp_lit(j, "}"))
			return 0;
		if (!jp_lit(j, ","))
			return jp_fail(j, "',' or '}' expected in an object");
	}
}

int pbt_encode_json(const struct mt_msg *m, const char *json, size_t len, uint8_t *buf,
		    size_t cap, char *err, size_t errn)
{
	struct pbt_out o = { buf, cap, 0, false };
	struct jp j = { json, json + len, json, err, errn };
	char *key = malloc(TP_JSON_KEY_MAX), *val = malloc(JSON_STR_MAX);
	int rc = key && val ? jp_object(&j, m, &o, true, key, val) :
		 pbt_err(err, errn, "out of memory");
	free(key);
	free(val);
	if (rc)
		return -1;
	jp_ws(&j);
	if (j.p != j.end)
		return jp_fail(&j, "more after the object");
	if (o.full)
		return pbt_err(err, errn, "%s: the message exceeds %zu bytes", m->name, cap);
	return (int)o.len;
}

int pbt_json(const struct mt_msg *m, const uint8_t *p, size_t len, char *out, size_t cap,
	     char *err, size_t errn)
{
	if (cap < 2)
		return pbt_err(err, errn, "no room");
	FILE *f = fmemopen(out, cap, "w");
	if (!f)
		return pbt_err(err, errn, "fmemopen: %s", strerror(errno));
	int rc = pbt_print(f, m, p, len, true, err, errn);
	long n = ftell(f);
	bool bad = ferror(f) || n < 0 || (size_t)n >= cap - 1;
	fclose(f);
	if (rc)
		return -1;
	if (bad)
		return pbt_err(err, errn, "%s as JSON exceeds %zu bytes", m->name, cap - 2);
	if (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	return (int)n;
}
