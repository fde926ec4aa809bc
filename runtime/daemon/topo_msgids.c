#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "control.pb.h"
#include "monitor.pb.h"
#include "topo_msgids.h"

#define MSGID_LINE_MAX 1024

__attribute__((format(printf, 2, 3)))
static void msay(FILE *errs, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errs)
		vfprintf(errs, fmt, ap);
	va_end(ap);
}

struct decl {
	uint32_t id;
	char type[128];
	char where[TP_TOPO_PATH_MAX + 32];   /* the .options line it came from */
	const struct tp_actor_conf *actor;   /* NULL: the runtime itself */
};

struct table {
	struct decl *v;
	unsigned n, cap;
};

static const struct { uint32_t id; const char *type; } msgids_runtime[] = {
	{ troupe_CtlRequest_msgid, "troupe.CtlRequest" },
	{ troupe_CtlReply_msgid, "troupe.CtlReply" },
	{ troupe_Monitor_msgid, "troupe.Monitor" },
	{ troupe_Demonitor_msgid, "troupe.Demonitor" },
	{ troupe_Down_msgid, "troupe.Down" },
	{ troupe_Undeliverable_msgid, "troupe.Undeliverable" },
	{ troupe_Error_msgid, "troupe.Error" },
};

static int msgids_add(struct table *tb, const struct decl *d,
		      const struct tp_topology *t, FILE *errs)
{
	for (unsigned i = 0; i < tb->n; i++) {
		const struct decl *o = &tb->v[i];
		bool same_id = o->id == d->id, same_type = strcmp(o->type, d->type) == 0;
		if (same_id == same_type)
			continue;   /* another type, or one type declared twice alike */
		msay(errs, "%s:%d: [actor %s]: msgid %u of %s (%s) ", t->file,
			d->actor->exec_line, d->actor->name, (unsigned)d->id, d->type, d->where);
		if (same_id)
			msay(errs, "is also that of %s", o->type);
		else
			msay(errs, "collides: %s has msgid %u", o->type, (unsigned)o->id);
		if (o->actor)
			msay(errs, " for actor %s (%s)\n", o->actor->name, o->where);
		else
			msay(errs, " in the runtime (ids 1-999 are Troupe's)\n");
		return 1;
	}
	if (tb->n == tb->cap) {
		unsigned cap = tb->cap ? tb->cap * 2 : 32;
		struct decl *v = realloc(tb->v, cap * sizeof *v);
		if (!v) {
			msay(errs, "%s: out of memory checking message ids\n", t->file);
			return 1;
		}
		tb->v = v;
		tb->cap = cap;
	}
	tb->v[tb->n++] = *d;
	return 0;
}

/* "ID TYPE FILE:LINE" per line (troupe-gen); FILE:LINE may be missing. */
static int msgids_read(struct table *tb, const struct tp_actor_conf *a,
		       const struct tp_topology *t, FILE *errs)
{
	char path[TP_TOPO_PATH_MAX + 8];
	if ((size_t)snprintf(path, sizeof path, "%s.msgids", a->path) >= sizeof path)
		return 0;
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		msay(errs, "%s:%d: [actor %s]: %s: %s\n", t->file, a->exec_line,
			a->name, path, strerror(errno));
		return 1;
	}
	char line[MSGID_LINE_MAX];
	int n = 0, errors = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		struct decl d = { .actor = a };
		char where[TP_TOPO_PATH_MAX + 16] = "";
		unsigned long id;
		char type[sizeof d.type];
		if (sscanf(line, "%lu %127s %1039s", &id, type, where) < 2 ||
		    id == 0 || id > UINT32_MAX || !strchr(line, '\n')) {
			msay(errs, "%s:%d: not \"ID TYPE FILE:LINE\" (declared by actor %s, %s:%d)\n",
				path, n, a->name, t->file, a->exec_line);
			errors++;
			continue;
		}
		d.id = (uint32_t)id;
		snprintf(d.type, sizeof d.type, "%s", type);
		if (where[0])
			snprintf(d.where, sizeof d.where, "%s", where);
		else
			snprintf(d.where, sizeof d.where, "%s:%d", path, n);
		errors += msgids_add(tb, &d, t, errs);
	}
	fclose(f);
	return errors;
}

int tp_msgids_check(const struct tp_topology *t, FILE *errs)
{
	struct table tb = { 0 };
	int errors = 0;
	for (size_t i = 0; i < sizeof msgids_runtime / sizeof msgids_runtime[0]; i++) {
		struct decl d = { .id = msgids_runtime[i].id };
		snprintf(d.type, sizeof d.type, "%s", msgids_runtime[i].type);
		errors += msgids_add(&tb, &d, t, errs);
	}
	for (unsigned i = 0; i < t->n_actors; i++)
		if (t->actors[i].path[0])
			errors += msgids_read(&tb, &t->actors[i], t, errs);
	free(tb.v);
	return errors;
}
