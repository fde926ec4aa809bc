/* The daemon's own messages (see dmsg.h). */
#include <stdarg.h>
#include <stdio.h>
#include "troupe/actor.h"
#include "dmsg.h"

static char dmsg_node[TP_NAME_MAX + 1];

void tp_dmsg_init(const char *node)
{
	snprintf(dmsg_node, sizeof dmsg_node, "%s", node);
}

void tp_dmsg(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* One fprintf per line: stderr is unbuffered, so lines stay whole. */
	if (dmsg_node[0])
		fprintf(stderr, "troupe[%s]: %s\n", dmsg_node, line);
	else
		fprintf(stderr, "troupe: %s\n", line);
}
