#!/usr/bin/env bash
# Message ids: the build step refuses a .proto whose msgid another type
# has on its search path (the SDK's own, here demo.Reading's 1001) or one
# in Troupe's reserved range, naming both and where; a node whose two
# actors give one id to two types is refused before anything starts,
# with the topology's file:line and each declaration's.
. tests/integration/lib.sh
. tests/integration/sdk.sh

sdk=$WORK/sdk
sdk_install "$sdk" PREFIX=/usr
export PKG_CONFIG_SYSROOT_DIR=$sdk PKG_CONFIG_LIBDIR=$sdk/usr/lib/pkgconfig
mk=("${USER_MK[@]}")
[ -n "$TRIPLET" ] && mk=(CROSS_COMPILE="$TRIPLET-")

app=$WORK/bad
mkdir -p "$app"
printf 'syntax = "proto3";\npackage home;\nmessage Reading { float c = 1; }\n' >"$app/bad.proto"
printf 'home.Reading msgid:1001\n' >"$app/bad.options"
printf 'int main(void) { return 0; }\n' >"$app/bad.c"
printf 'TROUPE_ACTORS := bad\nbad_SRCS := bad.c\nbad_PROTOS := bad.proto\ninclude $(shell pkg-config --variable=actor_mk troupe)\n' >"$app/Makefile"
out=$(make -s -C "$app" "${mk[@]}" 2>&1) && fail "the build step took msgid 1001 of home.Reading"
exp="$app/bad.options:1: msgid 1001 of home.Reading is already that of demo.Reading (/usr/share/troupe/proto/sensor.options:2)"
echo "$out" | grep -qxF "  $exp" || fail "unclear refusal: $out"
[ ! -e "$app/build/bad" ] && [ ! -e "$app/build/bad.msgids" ] || fail "built anyway"
# A new id in the reserved range, and two types with one id in one file.
printf 'home.Reading msgid:1500\n' >"$app/bad.options"
out=$(make -s -C "$app" "${mk[@]}" 2>&1) && fail "the build step took msgid 1500"
echo "$out" | grep -qF "$app/bad.options:1: msgid 1500 of home.Reading is in the range Troupe reserves (1-1999); use 2000 or above" ||
	fail "unclear refusal of 1500: $out"
printf 'syntax = "proto3";\npackage home;\nmessage Reading { float c = 1; }\nmessage Other { }\n' >"$app/bad.proto"
printf 'home.Reading msgid:2100\nhome.Other msgid:2100\n' >"$app/bad.options"
out=$(make -s -C "$app" "${mk[@]}" 2>&1) && fail "the build step took one id for two types"
echo "$out" | grep -qF "$app/bad.options:2: msgid 2100 of home.Other is also that of home.Reading ($app/bad.options:1)" ||
	fail "unclear refusal of a double id: $out"
# TROUPE_PROTO_PATH: ids of other folders count too.
mkdir -p "$WORK/others"
echo "2200 shop.Order /src/shop/shop.options:4" >"$WORK/others/shop.msgids"
printf 'home.Reading msgid:2200\nhome.Other msgid:2201\n' >"$app/bad.options"
out=$(TROUPE_PROTO_PATH=$WORK/others make -s -C "$app" "${mk[@]}" 2>&1) && fail "TROUPE_PROTO_PATH's 2200 taken"
echo "$out" | grep -qF "msgid 2200 of home.Reading is already that of shop.Order (/src/shop/shop.options:4)" ||
	fail "unclear refusal against TROUPE_PROTO_PATH: $out"
# Fine ids build.
printf 'home.Reading msgid:2300\nhome.Other msgid:2301\n' >"$app/bad.options"
make -s -C "$app" "${mk[@]}" >/dev/null 2>&1 || fail "good ids refused"

# The node: an actor whose .msgids says 1001 is home.Reading, beside the
# sensor (demo.Reading 1001): refused, nothing started, nothing left.
cp "$B/actors/echo" "$WORK/clash"
echo "1001 home.Reading /src/home/home.options:3" >"$WORK/clash.msgids"
node=$(unique m)
cat >"$WORK/clash.ini" <<INI
[node]
name = $node

[actor sensor]
exec = sensor

[actor clash]
exec = clash
INI
cp "$B/actors/sensor" "$B/actors/sensor.msgids" "$WORK/"
out=$($RUNNER "$B/bin/troupe" -A "$WORK" "$WORK/clash.ini" 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "troupe exited $rc, not 2: $out"
msgids_where=$(cut -d' ' -f3 "$WORK/sensor.msgids")
exp="$WORK/clash.ini:8: [actor clash]: msgid 1001 of home.Reading (/src/home/home.options:3) is also that of demo.Reading for actor sensor ($msgids_where)"
echo "$out" | grep -qxF "$exp" || fail "unclear refusal: $out"
echo "$out" | grep -q started && fail "something started: $out"
assert_clean "$node"
# The runtime's own ids are taken too.
echo "12 home.Reading /src/home/home.options:3" >"$WORK/clash.msgids"
out=$($RUNNER "$B/bin/troupe" --check -A "$WORK" "$WORK/clash.ini" 2>&1) && fail "--check took msgid 12"
echo "$out" | grep -qF "msgid 12 of home.Reading (/src/home/home.options:3) is also that of troupe.Down in the runtime (ids 1-999 are Troupe's)" ||
	fail "unclear refusal of 12: $out"
# The same type declared by two actors is no collision.
echo "1001 demo.Reading /src/other/sensor.options:2" >"$WORK/clash.msgids"
$RUNNER "$B/bin/troupe" --check -A "$WORK" "$WORK/clash.ini" >/dev/null 2>&1 || fail "one type in two actors refused"
echo ok
