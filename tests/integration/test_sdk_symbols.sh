#!/usr/bin/env bash
# libtroupe.so exports exactly the functions its public headers declare
# (each marked TP_API, troupe/api.h): not the runtime's insides, not the
# nanopb it holds, and none of the API missing.
. tests/integration/lib.sh

so=$B/lib/libtroupe.so
[ -f "$so" ] || fail "no $so"
# The compiler lists every prototype the headers declare (-aux-info).
printf '#include "troupe/troupe.h"\n#include "troupe/envelope.h"\n' >"$WORK/all.c"
gcc -Iruntime/include -fsyntax-only -aux-info "$WORK/aux" "$WORK/all.c" || fail "headers do not compile"
sed -n 's|^/\* runtime/include/troupe/[a-z]*\.h:[0-9]*:[A-Z]* \*/ [^(]*[ *]\([a-z_0-9]*\) (.*|\1|p' \
	"$WORK/aux" | sort -u >"$WORK/declared"
# _init and _fini are the C library's start files' (musl's crti.o makes
# them global), in every shared object it links: no API of ours.
readelf --dyn-syms -W "$so" | awk '$7 != "UND" && $8 != "" && ($5 == "GLOBAL" || $5 == "WEAK") { print $8 }' |
	sed 's/@.*//' | grep -vxE '_init|_fini' | sort -u >"$WORK/exported"
[ "$(wc -l <"$WORK/declared")" -ge 30 ] || fail "only $(wc -l <"$WORK/declared") declarations found"
if ! diff "$WORK/declared" "$WORK/exported" >"$WORK/diff"; then
	echo "< declared only, > exported only:" >&2
	cat "$WORK/diff" >&2
	fail "libtroupe.so's dynamic symbols differ from the public headers' declarations"
fi
# Not one nanopb function leaks (an application's own nanopb must not meet ours).
grep -q '^pb_' "$WORK/exported" && fail "pb_* exported"
# The SONAME follows the header's major version; the file is the full version.
major=$(sed -n 's/^#define TROUPE_VERSION_MAJOR \([0-9]*\)/\1/p' runtime/include/troupe/version.h)
version=$(sed -n 's/^#define TROUPE_VERSION "\(.*\)"/\1/p' runtime/include/troupe/version.h)
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libtroupe.so.$major" ] || fail "SONAME '$soname', not libtroupe.so.$major"
[ "$(readlink "$so")" = "libtroupe.so.$major" ] || fail "libtroupe.so -> $(readlink "$so")"
[ "$(readlink "$B/lib/libtroupe.so.$major")" = "libtroupe.so.$version" ] || fail "libtroupe.so.$major -> $(readlink "$B/lib/libtroupe.so.$major")"
echo "ok: $(wc -l <"$WORK/exported") symbols, as declared; SONAME $soname"
