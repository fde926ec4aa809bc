#include "troupe/version.h"

const char *tp_version(void)
{
	return TROUPE_VERSION;
}
