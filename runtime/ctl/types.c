/* The message types troupectl knows: those it was built with (msgtab.c),
 * then those it learns at run time from each NAME.desc (a descriptor set,
 * protoc --descriptor_set_out) and NAME.msgids ("ID TYPE FILE:LINE") on
 * its search path.  The descriptor set is read with a small protobuf wire
 * reader: troupectl needs names, numbers, types and enum values only. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pbtext.h"
#include "types.h"

#define TYPES_DIRS_MAX 16
#define TYPES_FILE_MAX (4u << 20)   /* a descriptor set larger than this is refused */

static const char *types_dirs[TYPES_DIRS_MAX];
static unsigned types_n_dirs;
static struct mt_msg *types_tab;    /* built-in first, then learnt */
static unsigned types_n, types_cap;
static bool types_loaded;

/* Enums seen in descriptor sets, resolved once every file is read. */
struct types_enum {
	char *name;
	struct mt_enumval *values;
};
static struct types_enum *types_enums;
static unsigned types_n_enums;

int mt_path_add(const char *dir)
{
	if (types_n_dirs == TYPES_DIRS_MAX)
		return -1;
	types_dirs[types_n_dirs++] = dir;
	return 0;
}

/* ---------------------------------------------------------------- wire */

/* One field: its number, and its value (varints) or bytes (sub, LEN only). */
static bool rd_next(struct pbt_in *r, uint32_t *num, uint64_t *v, struct pbt_in *sub)
{
	struct pbt_item it;
	if (!pbt_next(r, &it))
		return false;
	*num = it.number;
	*v = it.v;
	sub->p = it.wt == WT_LEN ? it.data : NULL;
	sub->end = it.wt == WT_LEN ? it.data + it.len : NULL;
	return true;
}

static char *rd_str(const struct pbt_in *s)
{
	size_t n = (size_t)(s->end - s->p);
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s->p, n);
		c[n] = '\0';
	}
	return c;
}

static char *join(const char *prefix, const struct pbt_in *name)
{
	size_t a = strlen(prefix), b = (size_t)(name->end - name->p);
	char *c = malloc(a + b + 2);
	if (!c)
		return NULL;
	memcpy(c, prefix, a);
	if (a)
		c[a++] = '.';
	memcpy(c + a, name->p, b);
	c[a + b] = '\0';
	return c;
}

/* ---------------------------------------------------------------- table */

static const struct mt_msg *types_by_name(const char *name)
{
	for (unsigned i = 0; i < types_n; i++)
		if (strcmp(types_tab[i].name, name) == 0)
			return &types_tab[i];
	return NULL;
}

static struct mt_msg *types_append(void)
{
	if (types_n == types_cap) {
		unsigned cap = types_cap ? types_cap * 2 : 64;
		struct mt_msg *t = realloc(types_tab, cap * sizeof *t);
		if (!t)
			return NULL;
		types_tab = t;
		types_cap = cap;
	}
	struct mt_msg *m = &types_tab[types_n++];
	memset(m, 0, sizeof *m);
	return m;
}

static bool enum_read(const char *prefix, struct pbt_in e)
{
	struct pbt_in sub, name = { 0 };
	uint32_t num;
	uint64_t v;
	unsigned n = 0;
	struct mt_enumval *vals = calloc(1, sizeof *vals);
	while (vals && e.p < e.end) {
		if (!rd_next(&e, &num, &v, &sub))
			goto bad;
		if (num == 1 && sub.p)
			name = sub;
		if (num != 2 || !sub.p)
			continue;
		struct mt_enumval ev = { 0 };
		while (sub.p < sub.end) {
			struct pbt_in s2;
			uint32_t n2;
			uint64_t v2;
			if (!rd_next(&sub, &n2, &v2, &s2))
				goto bad;
			if (n2 == 1 && s2.p)
				ev.name = rd_str(&s2);
			else if (n2 == 2 && !s2.p)
				ev.number = (int32_t)v2;
		}
		struct mt_enumval *nv = ev.name ? realloc(vals, (n + 2) * sizeof *vals) : NULL;
		if (!nv)
			goto bad;
		vals = nv;
		vals[n++] = ev;
		vals[n] = (struct mt_enumval){ 0 };
	}
	struct types_enum *te = realloc(types_enums, (types_n_enums + 1) * sizeof *te);
	if (!vals || !name.p || !te)
		goto bad;
	types_enums = te;
	te[types_n_enums].name = join(prefix, &name);
	te[types_n_enums++].values = vals;
	return true;
bad:
	free(vals);   /* names already copied stay: troupectl is short-lived */
	return false;
}

static bool field_read(struct pbt_in f, struct mt_field *out)
{
	struct pbt_in sub;
	uint32_t num;
	uint64_t v;
	while (f.p < f.end) {
		if (!rd_next(&f, &num, &v, &sub))
			return false;
		if (num == 1 && sub.p)
			out->name = rd_str(&sub);
		else if (num == 3 && !sub.p)
			out->number = (uint32_t)v;
		else if (num == 4 && !sub.p)
			out->repeated = v == 3;   /* LABEL_REPEATED */
		else if (num == 5 && !sub.p)
			out->type = (uint8_t)v;
		else if (num == 6 && sub.p) {
			out->type_name = rd_str(&sub);
			if (out->type_name && out->type_name[0] == '.')
				memmove((char *)out->type_name, out->type_name + 1,
					strlen(out->type_name));
		}
	}
	return out->name != NULL;
}

static bool message_read(const char *prefix, struct pbt_in d)
{
	struct pbt_in sub, name = { 0 };
	uint32_t num;
	uint64_t v;
	struct pbt_in scan = d;
	while (scan.p < scan.end) {   /* the name first: nested types need it */
		if (!rd_next(&scan, &num, &v, &sub))
			return false;
		if (num == 1 && sub.p)
			name = sub;
	}
	if (!name.p)
		return false;
	char *full = join(prefix, &name);
	if (!full)
		return false;
	if (types_by_name(full)) {   /* built in, or in an earlier file: the first stays */
		free(full);
		return true;
	}
	struct mt_field *fields = NULL;
	unsigned n_fields = 0;
	while (d.p < d.end) {
		if (!rd_next(&d, &num, &v, &sub))
			return false;
		if (num == 2 && sub.p) {
			struct mt_field *nf = realloc(fields, (n_fields + 1) * sizeof *nf);
			if (!nf)
				return false;
			fields = nf;
			memset(&fields[n_fields], 0, sizeof *fields);
			if (!field_read(sub, &fields[n_fields++]))
				return false;
		} else if (num == 3 && sub.p) {
			if (!message_read(full, sub))
				return false;
		} else if (num == 4 && sub.p) {
			if (!enum_read(full, sub))
				return false;
		}
	}
	struct mt_msg *m = types_append();
	if (!m)
		return false;
	m->name = full;
	m->fields = fields;
	m->n_fields = n_fields;
	return true;
}

static bool descset_read(const uint8_t *buf, size_t len)
{
	struct pbt_in r = { buf, buf + len }, file, sub;
	uint32_t num;
	uint64_t v;
	while (r.p < r.end) {
		if (!rd_next(&r, &num, &v, &file))
			return false;
		if (num != 1 || !file.p)
			continue;
		char *pkg = NULL;
		struct pbt_in scan = file;
		while (scan.p < scan.end) {
			if (!rd_next(&scan, &num, &v, &sub))
				return false;
			if (num == 2 && sub.p) {
				free(pkg);
				pkg = rd_str(&sub);
			}
		}
		const char *prefix = pkg ? pkg : "";
		bool ok = true;
		while (ok && file.p < file.end) {
			ok = rd_next(&file, &num, &v, &sub);
			if (ok && num == 4 && sub.p)
				ok = message_read(prefix, sub);
			if (ok && num == 5 && sub.p)
				ok = enum_read(prefix, sub);
		}
		free(pkg);
		if (!ok)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- files */

static void desc_load(const char *path, FILE *err)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0;
	if (!f) {
		fprintf(err, "troupectl: %s: %s\n", path, strerror(errno));
		return;
	}
	if (fseek(f, 0, SEEK_END) == 0) {
		long sz = ftell(f);
		if (sz >= 0 && (unsigned long)sz <= TYPES_FILE_MAX && fseek(f, 0, SEEK_SET) == 0 &&
		    (buf = malloc((size_t)sz + 1)) && fread(buf, 1, (size_t)sz, f) == (size_t)sz)
			len = (size_t)sz;
	}
	fclose(f);
	if (!buf || !descset_read(buf, len))
		fprintf(err, "troupectl: %s: not a descriptor set (protoc --descriptor_set_out); "
			"its types are skipped\n", path);
	free(buf);
}

static void msgids_load(const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(err, "troupectl: %s: %s\n", path, strerror(errno));
		return;
	}
	char line[1024], type[256];
	unsigned long id;
	for (int n = 1; fgets(line, sizeof line, f); n++) {
		if (sscanf(line, "%lu %255s", &id, type) != 2 || id == 0 || id > UINT32_MAX) {
			fprintf(err, "troupectl: %s:%d: not \"ID TYPE FILE:LINE\"; skipped\n", path, n);
			continue;
		}
		for (unsigned i = 0; i < types_n; i++) {
			struct mt_msg *m = &types_tab[i];
			if (strcmp(m->name, type) == 0 && m->msgid == 0)
				m->msgid = (uint32_t)id;
		}
	}
	fclose(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME.desc of dir, then every NAME.msgids (ids name the types). */
static void dir_load(const char *dir, FILE *err, bool quiet_missing)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (!quiet_missing || errno != ENOENT)
			fprintf(err, "troupectl: -I %s: %s\n", dir, strerror(errno));
		return;
	}
	char *names[256];
	unsigned n = 0;
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) && n < sizeof names / sizeof names[0]) {
		size_t l = strlen(e->d_name);
		if ((l > 5 && strcmp(e->d_name + l - 5, ".desc") == 0) ||
		    (l > 7 && strcmp(e->d_name + l - 7, ".msgids") == 0))
			names[n++] = strdup(e->d_name);
	}
	if (!e && errno)
		fprintf(err, "troupectl: %s: %s\n", dir, strerror(errno));
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	char path[PATH_MAX];
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < n; i++) {
			if (!names[i] || (strstr(names[i], ".desc") != NULL) != (pass == 0))
				continue;
			if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= sizeof path)
				continue;
			if (pass == 0)
				desc_load(path, err);
			else
				msgids_load(path, err);
		}
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
}

/* An id's second type is left unnamed by id: which one a number means
 * must never depend on the order of files. */
static void ids_check(FILE *err)
{
	for (unsigned i = mt_n_msgs; i < types_n; i++)
		for (unsigned j = 0; j < i && types_tab[i].msgid; j++)
			if (types_tab[j].msgid == types_tab[i].msgid) {
				fprintf(err, "troupectl: msgid %u is both %s and %s; "
					"%s is known by name only\n", (unsigned)types_tab[i].msgid,
					types_tab[j].name, types_tab[i].name, types_tab[i].name);
				types_tab[i].msgid = 0;
				break;
			}
}

static void enums_resolve(void)
{
	for (unsigned i = mt_n_msgs; i < types_n; i++)
		for (unsigned k = 0; k < types_tab[i].n_fields; k++) {
			struct mt_field *f = (struct mt_field *)&types_tab[i].fields[k];
			if (f->type != MT_ENUM || !f->type_name)
				continue;
			for (unsigned e = 0; e < types_n_enums; e++)
				if (types_enums[e].name && strcmp(types_enums[e].name, f->type_name) == 0)
					f->values = types_enums[e].values;
		}
}

void mt_load(FILE *err)
{
	if (types_loaded)
		return;
	types_loaded = true;
	for (unsigned i = 0; i < mt_n_msgs; i++) {
		struct mt_msg *m = types_append();
		if (!m)
			return;
		*m = mt_msgs[i];
	}
	for (unsigned i = 0; i < types_n_dirs; i++)
		dir_load(types_dirs[i], err, false);
	const char *env = getenv("TROUPE_PROTO_PATH");
	if (env) {
		char *copy = strdup(env), *save, *dir;
		for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir; dir = strtok_r(NULL, ":", &save))
			dir_load(dir, err, false);
		free(copy);
	}
	/* The SDK's own folder, from troupectl's place: BINDIR/../share. */
	char exe[PATH_MAX], dir[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(dir, sizeof dir, "%s/../share/troupe/proto", exe);
			dir_load(dir, err, true);
		}
	}
	enums_resolve();
	ids_check(err);
}

unsigned mt_count(void)
{
	return types_loaded ? types_n : mt_n_msgs;
}

const struct mt_msg *mt_at(unsigned i)
{
	return types_loaded ? &types_tab[i] : &mt_msgs[i];
}
