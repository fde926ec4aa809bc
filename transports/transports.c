/* The table of transports this build carries. */
#include <string.h>
#include "transport.h"

extern const struct tp_transport tp_transport_mq;

const struct tp_transport *const tp_transports[] = {
	&tp_transport_mq,
	NULL,
};

const struct tp_transport *tp_transport_find(const char *name)
{
	for (size_t i = 0; tp_transports[i]; i++)
		if (strcmp(tp_transports[i]->name, name) == 0)
			return tp_transports[i];
	return NULL;
}
