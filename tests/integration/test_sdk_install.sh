#!/usr/bin/env bash
# make install into a DESTDIR with each folder variable, what it puts
# there (headers, libtroupe.so.X.Y.Z and its links, libtroupe.a, troupe.pc,
# the CMake package, share/troupe), unstripped; then make uninstall leaves
# nothing.  Also: O=DIR holds the whole output tree, and CFLAGS from the
# command line keep the project's own flags.
. tests/integration/lib.sh
. tests/integration/sdk.sh

root=$WORK/root
sdk_install "$root" PREFIX=/opt/tp LIBDIR=/opt/tp/lib64 INCLUDEDIR=/opt/tp/inc \
	BINDIR=/opt/tp/sbin SYSCONFDIR=/etc/tp DATADIR=/opt/tp/data LIBEXECDIR=/opt/tp/lx
r=$root/opt/tp
for f in sbin/troupe sbin/troupectl lib64/libtroupe.a lib64/libtroupe.so.$VERSION \
	inc/troupe/troupe.h inc/troupe/actor.h inc/troupe/api.h inc/troupe/version.h \
	inc/troupe/nanopb/pb.h inc/troupe/nanopb/pb_encode.h inc/troupe/nanopb/pb_decode.h \
	inc/troupe/nanopb/pb_common.h lib64/pkgconfig/troupe.pc \
	lib64/cmake/Troupe/TroupeConfig.cmake lib64/cmake/Troupe/TroupeConfigVersion.cmake \
	lib64/cmake/Troupe/TroupeActor.cmake data/troupe/troupe-gen data/troupe/troupe-actor.mk \
	data/troupe/proto/monitor.proto data/troupe/proto/monitor.options \
	data/troupe/proto/greeter.proto data/troupe/proto/greeter.options \
	data/troupe/proto/runtime.desc data/troupe/proto/runtime.msgids \
	data/troupe/proto/sensor.desc data/troupe/proto/sensor.msgids \
	data/troupe/toolchain/aarch64-linux-gnu.cmake data/troupe/toolchain/arm-linux-gnueabihf.cmake \
	lx/troupe/echo lx/troupe/greeter lx/troupe/greeter.msgids; do
	[ -f "$r/$f" ] || fail "install: no $f"
done
[ -f "$root/etc/tp/troupe/topology.ini" ] || fail "install: no SYSCONFDIR/troupe/topology.ini"
[ "$(readlink "$r/lib64/libtroupe.so")" = libtroupe.so.0 ] || fail "libtroupe.so -> $(readlink "$r/lib64/libtroupe.so")"
[ "$(readlink "$r/lib64/libtroupe.so.0")" = "libtroupe.so.$VERSION" ] || fail "libtroupe.so.0 -> $(readlink "$r/lib64/libtroupe.so.0")"
[ -x "$r/data/troupe/troupe-gen" ] || fail "troupe-gen not executable"
# Not stripped: the symbol tables are there.
for f in sbin/troupe lib64/libtroupe.so.$VERSION lx/troupe/echo; do
	readelf -S "$r/$f" | grep -q '\.symtab' || fail "$f was stripped"
done
# troupe.pc: the folders given, nanopb's headers on the include path.
export PKG_CONFIG_PATH=$r/lib64/pkgconfig
pc() { echo $(pkg-config "$@"); }   # without its trailing blank
[ "$(pc --cflags troupe)" = "-I/opt/tp/inc -I/opt/tp/inc/troupe/nanopb" ] || fail "cflags: $(pc --cflags troupe)"
[ "$(pc --libs troupe)" = "-L/opt/tp/lib64 -ltroupe" ] || fail "libs: $(pc --libs troupe)"
[ "$(pc --libs --static troupe)" = "-L/opt/tp/lib64 -ltroupe -lrt -lpthread" ] || fail "static libs: $(pc --libs --static troupe)"
[ "$(pc --modversion troupe)" = "$VERSION" ] || fail "modversion $(pc --modversion troupe)"
[ "$(pc --variable=protodir troupe)" = /opt/tp/data/troupe/proto ] || fail "protodir $(pc --variable=protodir troupe)"
[ "$(pc --variable=nanopb_version troupe)" = "$(sed -n 's/^#define NANOPB_VERSION "nanopb-\(.*\)"/\1/p' /usr/include/pb.h)" ] ||
	fail "nanopb_version $(pc --variable=nanopb_version troupe)"
# The CMake package finds its folders from its own place.
grep -q 'TROUPE_INCLUDE_DIR "${_troupe_here}/../../../inc"' "$r/lib64/cmake/Troupe/TroupeConfig.cmake" ||
	fail "TroupeConfig.cmake: include folder: $(grep INCLUDE_DIR "$r/lib64/cmake/Troupe/TroupeConfig.cmake" | head -1)"
# The programs say their version (and it is the header's).
[ "$($RUNNER "$r/sbin/troupe" --version)" = "troupe $VERSION" ] || fail "troupe --version: $($RUNNER "$r/sbin/troupe" --version 2>&1)"
[ "$($RUNNER "$r/sbin/troupectl" --version)" = "troupectl $VERSION" ] || fail "troupectl --version: $($RUNNER "$r/sbin/troupectl" --version 2>&1)"

# A second install over the first is fine; an edited topology is kept.
echo '; mine' >>"$root/etc/tp/troupe/topology.ini"
sdk_install "$root" PREFIX=/opt/tp LIBDIR=/opt/tp/lib64 INCLUDEDIR=/opt/tp/inc \
	BINDIR=/opt/tp/sbin SYSCONFDIR=/etc/tp DATADIR=/opt/tp/data LIBEXECDIR=/opt/tp/lx
grep -q '; mine' "$root/etc/tp/troupe/topology.ini" || fail "install replaced an edited topology"
"${SDK_MAKE[@]}" uninstall DESTDIR="$root" PREFIX=/opt/tp LIBDIR=/opt/tp/lib64 INCLUDEDIR=/opt/tp/inc \
	BINDIR=/opt/tp/sbin SYSCONFDIR=/etc/tp DATADIR=/opt/tp/data LIBEXECDIR=/opt/tp/lx || fail "make uninstall"
left=$(cd "$root" && find . -type f -o -type l)
[ "$left" = "./etc/tp/troupe/topology.ini" ] || fail "uninstall left: $left"
rm "$root/etc/tp/troupe/topology.ini"
# Unchanged, the example topology goes too; only folders not Troupe's stay.
sdk_install "$root" PREFIX=/usr
"${SDK_MAKE[@]}" uninstall DESTDIR="$root" PREFIX=/usr || fail "make uninstall"
left=$(cd "$root" && find . -type f -o -type l)
[ -z "$left" ] || fail "uninstall left: $left"
[ ! -e "$root/usr/share/troupe" ] && [ ! -e "$root/usr/include/troupe" ] || fail "uninstall left Troupe's folders"

# O=DIR: every output (objects, generated code, libraries, programs) there.
out=$(make -n --no-print-directory O="$WORK/out" all 2>&1) || fail "make -n O=…: $out"
echo "$out" | grep -q "$WORK/out/lib/libtroupe.so" || fail "O=: no libtroupe.so under O"
echo "$out" | grep -q "$WORK/out/bin/troupectl" || fail "O=: no troupectl under O"
echo "$out" | grep -E ' build/' && fail "O=: something still under build/"
# CFLAGS from the command line go with the project's flags, not instead.
line=$(make -n -B --no-print-directory V=1 CFLAGS=-O0 CPPFLAGS=-DTP_X=1 O="$WORK/out" \
	"$WORK/out/obj/runtime/base/error.o" | grep ' -c ')
for w in -O0 -DTP_X=1 -std=c11 -D_GNU_SOURCE -fvisibility=hidden; do
	echo " $line " | grep -q -- " $w " || fail "CFLAGS=-O0 CPPFLAGS=-DTP_X=1: no $w in: $line"
done
echo ok
