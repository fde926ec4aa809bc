/* What every public header shares: the mark of an exported function.
 * libtroupe is built with -fvisibility=hidden, so only declarations marked
 * TP_API are part of libtroupe.so's dynamic symbol table; everything else
 * (the daemon's registry, the transports, the embedded nanopb) stays
 * inside.  tests/integration/test_sdk_symbols.sh holds the two lists equal. */
#ifndef TROUPE_API_H
#define TROUPE_API_H

#if defined(__GNUC__) || defined(__clang__)
#define TP_API __attribute__((visibility("default")))
#else
#define TP_API
#endif

#endif
