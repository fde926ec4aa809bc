/* The message types troupectl names: built in (msgtab.h), and learnt at
 * run time from NAME.desc and NAME.msgids in each folder of its search
 * path: every -I DIR, then $TROUPE_PROTO_PATH, then the SDK's
 * share/troupe/proto beside troupectl (docs/SDK.md). */
#ifndef TROUPE_TYPES_H
#define TROUPE_TYPES_H

#include <stdio.h>
#include "msgtab.h"

/* A folder for the search path (-I); -1 when there are too many. */
int mt_path_add(const char *dir);

/* Reads the search path, once; what cannot be read is said on err and
 * skipped.  Before it, only the built-in types are known. */
void mt_load(FILE *err);

unsigned mt_count(void);
const struct mt_msg *mt_at(unsigned i);

#endif
