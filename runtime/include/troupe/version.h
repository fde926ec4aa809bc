/* Troupe's version.  The macros are the version of the headers an actor
 * was compiled with; tp_version() is that of the libtroupe it runs with.
 * The library's SONAME follows the major number (libtroupe.so.0). */
#ifndef TROUPE_VERSION_H
#define TROUPE_VERSION_H

#include "troupe/api.h"

#define TROUPE_VERSION_MAJOR 0
#define TROUPE_VERSION_MINOR 1
#define TROUPE_VERSION_PATCH 0
#define TROUPE_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* "MAJOR.MINOR.PATCH" of the running library; never NULL. */
TP_API
const char *tp_version(void);

#ifdef __cplusplus
}
#endif

#endif
