/* The table of transports this build carries (list.h), and the checks of
 * a table against the contract (transport.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "transport.h"
#include "troupe/error.h"

#define TP_TRANSPORT(n) extern const struct tp_transport tp_transport_##n;
#include "list.h"
#undef TP_TRANSPORT

const struct tp_transport *const tp_transports[] = {
#define TP_TRANSPORT(n) &tp_transport_##n,
#include "list.h"
#undef TP_TRANSPORT
	NULL,
};

#define TP_CAPS_ALL (TP_CAP_EXACT_DEPTH | TP_CAP_DROP_OLDEST | TP_CAP_STAT_DEPTH | \
		     TP_CAP_DROPPED_ALL | TP_CAP_CONNECTED | TP_CAP_SWEEP_MOUNTED | \
		     TP_CAP_PRIO4 | TP_CAP_RECV_WAIT)

int tp_transport_validate(const struct tp_transport *t, char *err, size_t errlen)
{
	const char *name = t->name ? t->name : "";
	size_t len = strlen(name);
	if (len == 0 || len > TP_TRANSPORT_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789") != len) {
		snprintf(err, errlen, "transport name '%s' is not 1 to %d of [a-z0-9]",
			 name, TP_TRANSPORT_NAME_MAX);
		return -TP_EINVAL;
	}
	static const struct { size_t off; const char *member; } mandatory[] = {
#define M(f) { offsetof(struct tp_transport, f), #f }
		M(create), M(attach), M(send), M(recv), M(wait_fd), M(stat),
		M(close), M(unlink), M(check), M(sweep),
#undef M
	};
	for (size_t i = 0; i < sizeof mandatory / sizeof *mandatory; i++) {
		void (*fn)(void);
		memcpy(&fn, (const char *)t + mandatory[i].off, sizeof fn);
		if (!fn) {
			snprintf(err, errlen, "transport %s: mandatory member %s is NULL",
				 name, mandatory[i].member);
			return -TP_EINVAL;
		}
	}
	if (t->caps & ~(uint32_t)TP_CAPS_ALL) {
		snprintf(err, errlen, "transport %s: unknown capability bits 0x%x", name,
			 t->caps & ~(uint32_t)TP_CAPS_ALL);
		return -TP_EINVAL;
	}
	/* A topic's drop_oldest reads the flag and calls evict. */
	if (!(t->caps & TP_CAP_DROP_OLDEST) != !t->evict) {
		snprintf(err, errlen, "transport %s: evict must be set exactly when "
			 "TP_CAP_DROP_OLDEST is", name);
		return -TP_EINVAL;
	}
	return 0;
}

int tp_transport_check_policy(const struct tp_transport *t, const struct tp_mbox_attr *attrs,
			      size_t n, char *err, size_t errlen)
{
	if (t->caps & TP_CAP_DROP_OLDEST)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (attrs[i].when_full != TP_FULL_DROP_OLDEST)
			continue;
		char with[64];
		snprintf(err, errlen, "when_full = drop_oldest is not possible on %s (a sender "
			 "cannot take mail out of its mailbox): use block or reject, or "
			 "transport = %s", t->name,
			 tp_transport_names(TP_CAP_DROP_OLDEST, " or ", with, sizeof with));
		return -TP_ECONFIG;
	}
	return 0;
}

static const char *const when_full_names[] = {
	[TP_FULL_BLOCK] = "block",
	[TP_FULL_REJECT] = "reject",
	[TP_FULL_DROP_OLDEST] = "drop_oldest",
};

int tp_when_full_parse(const char *s, uint32_t *out)
{
	for (uint32_t i = 0; i < sizeof when_full_names / sizeof *when_full_names; i++)
		if (strcmp(s, when_full_names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -TP_EINVAL;
}

const char *tp_when_full_name(uint32_t w)
{
	return w < sizeof when_full_names / sizeof *when_full_names ?
	       when_full_names[w] : "?";
}

char *tp_transport_names(uint32_t caps, const char *sep, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t k = 0; tp_transports[k] && at < len; k++) {
		const struct tp_transport *t = tp_transports[k];
		if ((t->caps & caps) != caps || !tp_transport_find(t->name))
			continue;
		int n = snprintf(buf + at, len - at, "%s%s", at ? sep : "", t->name);
		at += n > 0 ? (size_t)n : 0;
	}
	return buf;
}

const struct tp_transport *tp_transport_find(const char *name)
{
	char err[128];
	for (size_t i = 0; tp_transports[i]; i++)
		if (strcmp(tp_transports[i]->name, name) == 0)
			return tp_transport_validate(tp_transports[i], err, sizeof err) ? NULL
											   : tp_transports[i];
	return NULL;
}

void tp_transport_handoff(const struct tp_transport *t, struct tp_mbox *mb)
{
	int fds[4];
	char v[64] = "";
	if (!t->recv_fds || !mb) {
		unsetenv(TP_MBOX_FD_ENV);
		return;
	}
	int n = t->recv_fds(mb, fds, 4);
	for (int i = 0; i < n; i++) {
		int fd = dup(fds[i]);   /* dup clears close-on-exec */
		size_t len = strlen(v);
		snprintf(v + len, sizeof v - len, "%s%d", i ? "," : "", fd);
	}
	setenv(TP_MBOX_FD_ENV, v, 1);
}
