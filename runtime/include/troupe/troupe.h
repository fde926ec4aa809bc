/* Everything an actor module includes.  The envelope's own format
 * (troupe/envelope.h) is the runtime's and the wire's, not an actor's. */
#ifndef TROUPE_TROUPE_H
#define TROUPE_TROUPE_H
#include "troupe/error.h"
#include "troupe/actor.h"
#include "troupe/monitor.h"
#include "troupe/topic.h"
#include "troupe/spawn.h"
#include "troupe/version.h"
#endif
