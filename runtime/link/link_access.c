/* Per-actor export rules (link_access.h). */
#include <stdio.h>
#include <string.h>
#include "troupe/error.h"
#include "link_access.h"

static int export_add(struct tp_link_export *out, const char *name, size_t n,
		      char *err, size_t errlen)
{
	char node[TP_NAME_MAX + 1];
	if (n > TP_NAME_MAX) {
		snprintf(err, errlen, "node name '%.*s' is longer than %d characters",
			 (int)n, name, TP_NAME_MAX);
		return -TP_EINVAL;
	}
	memcpy(node, name, n);
	node[n] = '\0';
	if (strcmp(node, "*") == 0) {
		snprintf(err, errlen, "'*' must stand alone (it already means every node)");
		return -TP_EINVAL;
	}
	if (!tp_name_is_valid(node)) {
		snprintf(err, errlen, "invalid node name '%s' (1 to %d of A-Z a-z 0-9 _ -)",
			 node, TP_NAME_MAX);
		return -TP_EINVAL;
	}
	if (tp_link_export_allows(out, node)) {
		snprintf(err, errlen, "node '%s' is listed twice", node);
		return -TP_EINVAL;
	}
	if (out->n >= TP_LINK_EXPORT_MAX) {
		snprintf(err, errlen, "more than %d nodes (use '*' for every node)",
			 TP_LINK_EXPORT_MAX);
		return -TP_EINVAL;
	}
	memcpy(out->nodes[out->n++], node, n + 1);
	return 0;
}

int tp_link_export_parse(const char *spec, struct tp_link_export *out,
			 char *err, size_t errlen)
{
	static const char sep[] = ", \t";
	memset(out, 0, sizeof *out);
	const char *s = spec + strspn(spec, sep);
	if (s[0] == '*' && s[1 + strspn(s + 1, sep)] == '\0') {
		out->any = true;
		return 0;
	}
	while (*s) {
		size_t n = strcspn(s, sep);
		int rc = export_add(out, s, n, err, errlen);
		if (rc)
			return rc;
		s += n;
		s += strspn(s, sep);
	}
	return 0;
}

bool tp_link_export_allows(const struct tp_link_export *e, const char *node)
{
	if (e->any)
		return true;
	for (unsigned i = 0; i < e->n; i++)
		if (strcmp(e->nodes[i], node) == 0)
			return true;
	return false;
}

void tp_link_access_init(struct tp_link_access *acc)
{
	memset(acc, 0, sizeof *acc);
}

int tp_link_access_add(struct tp_link_access *acc, const char *actor, const char *spec)
{
	char err[128];
	if (acc->n == TP_REG_MAX)
		return -TP_ELIMIT;
	if (tp_link_export_parse(spec, &acc->a[acc->n].ex, err, sizeof err))
		return -TP_EINVAL;
	snprintf(acc->a[acc->n].actor, sizeof acc->a[acc->n].actor, "%s", actor);
	acc->n++;
	return 0;
}

bool tp_link_access_may_send(const struct tp_link_access *acc, const char *node,
			     const char *actor)
{
	for (unsigned i = 0; i < acc->n; i++)
		if (strcmp(acc->a[i].actor, actor) == 0)
			return tp_link_export_allows(&acc->a[i].ex, node);
	return false;
}

unsigned tp_link_access_exports(const struct tp_link_access *acc, const char *node,
				const char **names, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < acc->n && n < max; i++)
		if (tp_link_export_allows(&acc->a[i].ex, node))
			names[n++] = acc->a[i].actor;
	return n;
}
