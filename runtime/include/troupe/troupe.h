/* Everything an actor module includes. */
#ifndef TROUPE_TROUPE_H
#define TROUPE_TROUPE_H
#include "troupe/error.h"
#include "troupe/envelope.h"
#include "troupe/actor.h"
#include "troupe/monitor.h"
#include "troupe/version.h"
#endif
