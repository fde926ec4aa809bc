#!/usr/bin/env bash
# docs/SDK.md's actor, built from an empty folder with only the installed
# SDK: with make + pkg-config (the fragment) and with CMake
# (find_package, troupe_add_actor, ctest), for this build's target (under
# qemu-user through CMAKE_CROSSCOMPILING_EMULATOR when cross); the
# tutorial's greeter and a C++ actor out of tree; a nanopb_generator of
# another version refused by both helpers.
. tests/integration/lib.sh
. tests/integration/sdk.sh

app=$WORK/thermostat
sdk_files docs/SDK.md "$app"
for f in thermostat.proto thermostat.options thermostat.c Makefile CMakeLists.txt thermostat_test.c; do
	[ -s "$app/$f" ] || fail "docs/SDK.md gives no $f"
done
if [ -z "$TRIPLET" ]; then
	# The host: a real prefix, as `sudo make install PREFIX=…` would make.
	sdk=$WORK/sdk
	sdk_install "" PREFIX="$sdk"
	export PKG_CONFIG_PATH=$sdk/lib/pkgconfig
	libdir=$sdk/lib
	machine=$(elf_machine "$B/bin/troupe")
	cmake_args=(-DCMAKE_PREFIX_PATH="$sdk" "${USER_CMAKE[@]}")
	mk_args=("${USER_MK[@]}")
else
	# Cross: the target's SDK in a sysroot, as for a board.
	sdk=$WORK/sysroot
	sdk_install "$sdk" PREFIX=/usr
	export PKG_CONFIG_SYSROOT_DIR=$sdk PKG_CONFIG_LIBDIR=$sdk/usr/lib/pkgconfig
	libdir=/usr/lib
	machine=$(elf_machine "$B/bin/troupe")
	cmake_args=(-DCMAKE_TOOLCHAIN_FILE="$sdk/usr/share/troupe/toolchain/$TRIPLET.cmake")
	mk_args=(CROSS_COMPILE="$TRIPLET-")
fi

# make + pkg-config
make -s -C "$app" "${mk_args[@]}" >"$WORK/make.log" 2>&1 || { cat "$WORK/make.log"; fail "make in $app"; }
for f in thermostat thermostat.desc thermostat.msgids; do
	[ -s "$app/build/$f" ] || fail "make: no build/$f"
done
[ "$(elf_machine "$app/build/thermostat")" = "$machine" ] || fail "make: built for $(elf_machine "$app/build/thermostat"), not $machine"
rp=$(readelf -d "$app/build/thermostat" | sed -n 's/.*R\(UN\)*PATH.*\[\(.*\)\]/\2/p')
[ "$rp" = "$libdir" ] || fail "make: rpath '$rp', not $libdir"
readelf -d "$app/build/thermostat" | grep -q 'NEEDED.*\[libtroupe.so.0\]' || fail "make: not linked to libtroupe.so.0"
exp="2001 home.GetState $app/thermostat.options:1
2002 home.State $app/thermostat.options:2
2003 home.SetTarget $app/thermostat.options:3"
[ "$(cat "$app/build/thermostat.msgids")" = "$exp" ] || fail "thermostat.msgids: $(cat "$app/build/thermostat.msgids")"
# A second make does nothing.
[ -z "$(make -s -C "$app" "${mk_args[@]}" 2>&1)" ] || fail "a second make rebuilt something"

# CMake, and its test run by ctest (under qemu-user when cross).
cmake -S "$app" -B "$app/cbuild" "${cmake_args[@]}" >"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; fail "cmake configure"; }
cmake --build "$app/cbuild" >>"$WORK/cmake.log" 2>&1 || { cat "$WORK/cmake.log"; fail "cmake --build"; }
[ "$(elf_machine "$app/cbuild/thermostat")" = "$machine" ] || fail "cmake: built for $(elf_machine "$app/cbuild/thermostat")"
[ -s "$app/cbuild/thermostat.desc" ] && [ -s "$app/cbuild/thermostat.msgids" ] || fail "cmake: no thermostat.desc/.msgids"
(cd "$app/cbuild" && ctest --output-on-failure) >"$WORK/ctest.log" 2>&1 || { cat "$WORK/ctest.log"; fail "ctest"; }
grep -q '100% tests passed, 0 tests failed out of 1' "$WORK/ctest.log" || { cat "$WORK/ctest.log"; fail "ctest: not 1 of 1"; }
if [ -n "$TRIPLET" ]; then
	grep -q "qemu-.*-L" "$app/cbuild/CTestTestfile.cmake" || fail "ctest does not run the test under qemu-user"
fi
# The installed actor's rpath is the SDK's LIBDIR.
cmake --install "$app/cbuild" --prefix "$WORK/inst" >/dev/null || fail "cmake --install"
rp=$(readelf -d "$WORK/inst/libexec/troupe/thermostat" | sed -n 's/.*R\(UN\)*PATH.*\[\(.*\)\]/\2/p')
[ "$rp" = "$libdir" ] || fail "cmake install: rpath '$rp', not $libdir"
[ -s "$WORK/inst/share/troupe/proto/thermostat.desc" ] || fail "troupe_install_actor: no share/troupe/proto/thermostat.desc"

# The tutorial's greeter (actors/greeter is docs/TUTORIAL.md's), out of tree.
g=$WORK/greeter
mkdir -p "$g" && cp actors/greeter/greeter.c actors/greeter/greeter.proto actors/greeter/greeter.options "$g/"
printf 'TROUPE_ACTORS := greeter\ngreeter_SRCS := greeter.c\ngreeter_PROTOS := greeter.proto\ninclude $(shell pkg-config --variable=actor_mk troupe)\n' >"$g/Makefile"
make -s -C "$g" "${mk_args[@]}" >"$WORK/g.log" 2>&1 || { cat "$WORK/g.log"; fail "make: the tutorial's greeter"; }

# C++ (host: Debian's cross compilers are C only here).
if [ -z "$TRIPLET" ]; then
	x=$WORK/cxx
	mkdir -p "$x"
	cat >"$x/hello.cpp" <<'CPP'
#include <cstdio>
#include <troupe/troupe.h>
#include "greeter.pb.h"

namespace {
struct State { unsigned n; };
int receive(tp_actor *self, void *state, const tp_msg *m)
{
	demo_Hello h;
	if (int rc = tp_decode(m, demo_Hello, &h))
		return rc;
	demo_Greeting out = demo_Greeting_init_zero;
	std::snprintf(out.text, sizeof out.text, "hi %s from C++ (#%u)", h.name, ++static_cast<State *>(state)->n);
	return tp_reply(self, m, demo_Greeting, &out);
}
const tp_actor_ops ops = { sizeof(State), nullptr, receive, nullptr };
}
TP_ACTOR_MAIN(ops)
CPP
	printf 'TROUPE_ACTORS := hello\nhello_SRCS := hello.cpp\nhello_PROTOS := %s/greeter.proto\nCXXFLAGS := -std=c++17 -Wall -Wextra -Werror\ninclude $(shell pkg-config --variable=actor_mk troupe)\n' \
		"$(pkg-config --variable=protodir troupe)" >"$x/Makefile"
	make -s -C "$x" "${mk_args[@]}" >"$WORK/x.log" 2>&1 || { cat "$WORK/x.log"; fail "make: a C++ actor"; }
	[ -x "$x/build/hello" ] || fail "no C++ actor"
fi

# Run it in a node with the SDK's daemon, and call it by its type name:
# troupectl learns home.* from build/thermostat.desc (-I), then, once
# installed, from the SDK's share/troupe/proto.  Cross: the node under
# qemu-user, its actors under qemu-user with the sysroot as -L (never
# QEMU_LD_PREFIX for the daemon: docs/SDK.md).
node=$(unique a)
sed -i "s/^name = .*/name = $node/" "$app/thermostat.ini"
if [ -z "$TRIPLET" ]; then
	bin=$sdk/bin
	[ -x "$WORK/cxx/build/hello" ] && printf '\n[actor hello]\nexec = %s\n' "$WORK/cxx/build/hello" >>"$app/thermostat.ini"
	"$bin/troupe" "$app/thermostat.ini" >"$WORK/$node.log" 2>&1 &
else
	bin=$sdk/usr/bin
	$RUNNER "$bin/troupe" -x "$RUNNER -L $sdk" "$app/thermostat.ini" >"$WORK/$node.log" 2>&1 &
fi
DPID=$!
DAEMONS+=("$DPID")
NODES+=("$node")
wait_for "$WORK/$node.log" 'started thermostat' 10
tctl() { $RUNNER "$bin/troupectl" -n "$node" -t $((2 * SLOW)) "$@"; }
out=$(cd "$app" && tctl -I build call thermostat home.GetState 2>&1) || fail "call by name: $out"
[ "$out" = "$(printf 'home.State\n  celsius = 19.5\n  target = 21\n  heating = true')" ] || fail "call: $out"
out=$(cd "$app" && tctl -I build -j call thermostat SetTarget celsius=18 2>&1) || fail "call SetTarget: $out"
[ "$out" = '{"type":"home.State","msgid":2002,"fields":{"celsius":19.5,"target":18,"heating":false}}' ] || fail "call SetTarget: $out"
out=$(tctl call thermostat home.GetState 2>&1) && fail "call without the types: $out"
echo "$out" | grep -qF "unknown message type 'home.GetState'" || fail "call without the types: $out"
# Installed (DESTDIR: the sysroot when cross), the types need no -I.
make -s -C "$app" "${mk_args[@]}" install DESTDIR="${TRIPLET:+$sdk}" >/dev/null || fail "make install"
out=$(tctl call thermostat home.GetState 2>&1) || fail "call with the installed types: $out"
[ "$(echo "$out" | head -n 1)" = home.State ] || fail "call with the installed types: $out"
out=$(tctl types home.SetTarget 2>&1)
[ "$out" = "home.SetTarget        2003 celsius:float" ] || fail "types: $out"
# trace names the types too.
tctl -t $((3 * SLOW)) trace thermostat >"$WORK/trace" 2>&1 &
tpid=$!
sleep $SLOW
tctl call thermostat home.GetState >/dev/null || fail "call during trace"
wait $tpid
grep -q 'home.GetState' "$WORK/trace" && grep -q 'home.State' "$WORK/trace" || fail "trace: $(cat "$WORK/trace")"
if [ -z "$TRIPLET" ] && [ -x "$WORK/cxx/build/hello" ]; then
	wait_for "$WORK/$node.log" 'started hello' 10
	out=$(tctl call hello demo.Hello name=cxx 2>&1) || fail "call the C++ actor: $out"
	echo "$out" | grep -qF 'text = "hi cxx from C++ (#1)"' || fail "C++ actor: $out"
fi
node_stop "$DPID" || fail "the node did not stop cleanly"
assert_clean "$node"

# A generator of another version: refused by name and version, nothing built.
cat >"$WORK/nanopb_generator.py" <<'GEN'
#!/bin/sh
echo nanopb-0.4.8
GEN
chmod +x "$WORK/nanopb_generator.py"
want=$(pkg-config --variable=nanopb_version troupe)
make -s -C "$app" clean >/dev/null
out=$(make -s -C "$app" "${mk_args[@]}" NANOPB_GEN="$WORK/nanopb_generator.py" 2>&1) && fail "make accepted nanopb-0.4.8"
echo "$out" | grep -qF "troupe-gen: $WORK/nanopb_generator.py is nanopb-0.4.8, but libtroupe holds nanopb $want" ||
	fail "make: unclear refusal: $out"
[ ! -e "$app/build/thermostat" ] || fail "make built the actor anyway"
out=$(cmake -S "$app" -B "$app/cbuild2" "${cmake_args[@]}" -DTROUPE_NANOPB_GENERATOR="$WORK/nanopb_generator.py" 2>&1) &&
	fail "cmake accepted nanopb-0.4.8"
echo "$out" | tr -s ' \n' ' ' | grep -qF "is 'nanopb-0.4.8', but libtroupe holds nanopb $want" || fail "cmake: unclear refusal: $out"
echo ok
