# The build machine's own architecture with musl in place of glibc
# (Debian's musl-tools: musl-gcc).  The libraries come from
# toolchain/musl-deps, which the build runs first (docs/SDK.md, "musl").
CROSS_COMPILE ?=
CC := musl-gcc
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
TEST_RUNNER ?=
TOOLCHAIN_DEPS := $(CURDIR)/build/deps/x86_64-linux-musl
override CPPFLAGS += -I$(TOOLCHAIN_DEPS)/include
override LDFLAGS += -L$(TOOLCHAIN_DEPS)/lib
NANOPB_A := $(TOOLCHAIN_DEPS)/lib/libprotobuf-nanopb.a
# The SDK's user-side helpers (the CMake toolchain files, troupe-actor.mk's
# CROSS_COMPILE) are made for glibc targets: docs/SDK.md, "musl".  Debian
# has no libmosquitto for musl: no MQTT bridge, and its test does not apply.
MQTT_BRIDGE := no
NOT_HERE := integration/test_sdk_actor : the SDK's user-side toolchain files are for glibc targets; \
	integration/test_mqtt_bridge : no libmosquitto for musl, so no MQTT bridge
