/* The table of transports this build carries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "transport.h"
#include "troupe/error.h"

extern const struct tp_transport tp_transport_mq, tp_transport_shm,
	tp_transport_unix, tp_transport_tcp;

const struct tp_transport *const tp_transports[] = {
	&tp_transport_mq,
	&tp_transport_shm,
	&tp_transport_unix,
	&tp_transport_tcp,
	NULL,
};

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

const struct tp_transport *tp_transport_find(const char *name)
{
	for (size_t i = 0; tp_transports[i]; i++)
		if (strcmp(tp_transports[i]->name, name) == 0)
			return tp_transports[i];
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
