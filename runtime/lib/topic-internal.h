/* Topic matching inside the runtime, where both strings are known good:
 * the fan-out checks each filter when it copies the table and the topic
 * once per publish, not once per subscriber. */
#ifndef TROUPE_TOPIC_INTERNAL_H
#define TROUPE_TOPIC_INTERNAL_H

#include <stdbool.h>

/* tp_topic_match without its checks: filter must pass
 * tp_topic_filter_check and name tp_topic_name_check. */
bool tp_topic_match_checked(const char *filter, const char *name);

#endif
