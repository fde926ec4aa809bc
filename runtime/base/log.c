/* The library's log (see log.h).  A line is formatted whole before it goes
 * out, so that a sink gets it in one piece and stderr in one write. */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static tp_log_sink *sink;
static void *sink_arg;

void tp_log_set_sink(tp_log_sink *fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void tp_log(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (sink)
		sink(sink_arg, line);
	else
		fprintf(stderr, "%s\n", line);
}
