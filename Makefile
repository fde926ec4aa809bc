# Troupe: `make` builds for the host into build/host/; `make TARGET=<triplet>`
# (or CROSS_COMPILE=<triplet>-) cross-builds into build/<triplet>/.
# `make help` lists the targets.

include board/select.mk
ifdef CROSS_COMPILE
TARGET ?= $(patsubst %-,%,$(CROSS_COMPILE))
endif
TARGET ?= host
-include toolchain/$(TARGET).mk

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
NANOPB_GEN ?= nanopb_generator.py
PROTOC ?= protoc
# Debian's python has python3-protobuf; a pyenv one on PATH may not.
PYTHON_PB ?= /usr/bin/python3
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
SYSCONFDIR ?= $(PREFIX)/etc
# One version, in the header (troupe/version.h): the SONAME follows its
# major number, troupe.pc and TroupeConfigVersion.cmake the whole of it.
TP_VERSION := $(shell sed -n 's/^\#define TROUPE_VERSION "\(.*\)"/\1/p' runtime/include/troupe/version.h)
TP_SOVERSION := $(firstword $(subst ., ,$(TP_VERSION)))

# A sanitized build never mixes its objects with a plain one.
comma := ,
# O=DIR puts the whole output tree there (objects, generated code, lib/,
# bin/, actors/, tests/), as B is otherwise.
ifeq ($(origin O),command line)
OUT := $(O)
endif
B := $(or $(OUT),$(BOARD_B),build/$(TARGET)$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE))))
override O := $(B)/obj
G := $(B)/gen

ifeq ($(V),1)
Q :=
else
Q := @
endif

# nanopb from Debian is built with its default options; generated code must
# match them (docs/DESIGN.md).  64-bit file offsets and inode numbers on
# 32-bit targets too: without, readdir fails (EOVERFLOW) on a filesystem
# with large inode numbers (armhf under qemu-user on a 64-bit host, a big
# card).  No public header holds an off_t or ino_t, so actors built
# without it are unaffected.
override CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64

# ---------------------------------------------------------------- layers
# Each folder compiles with the include paths of its own layer and of the
# layers below it, so that a header of a layer above is not found and the
# build fails (make check-layers shows it; docs/DESIGN.md, "Map"):
#   base        runtime/base/     errors, clock, run directory, log
#   transports  transports/       the mailbox backends
#   lib         runtime/lib/      libtroupe: envelope, registry, counters,
#                                 mailbox layer, the actor API
#   link        runtime/link/     node links' core (frames, handshake, queue)
#   daemon      runtime/daemon/   the node daemon
#   ctl         runtime/ctl/      troupectl: libtroupe, not the daemon
# The base layer sees one public header, troupe/error.h, and what that
# includes (api.h, the export macros, where the tree has it): BASE_PUB_H,
# copied into $(BASE_PUB).  The rest of runtime/include/troupe/ is above.
BASE_PUB := $(B)/inc/base
BASE_PUB_H := $(notdir $(wildcard $(addprefix runtime/include/troupe/,error.h api.h)))
INC_base := -I$(BASE_PUB) -Iruntime/base
INC_transports := $(INC_base) -Itransports
INC_lib := -Iruntime/include -Iruntime/base -Itransports -Iruntime/lib -I$(G)
INC_link := $(INC_lib) -Iruntime/link
INC_daemon := $(INC_link) -Iruntime/daemon
INC_ctl := $(INC_lib) -Iruntime/ctl
INC_all := $(INC_daemon) -Iruntime/ctl
LAYER_OF_runtime/base := base
LAYER_OF_transports := transports
LAYER_OF_runtime/lib := lib
LAYER_OF_runtime/link := link
LAYER_OF_runtime/daemon := daemon
LAYER_OF_runtime/ctl := ctl
# The include paths of source file $(1): its folder's layer; tests, the
# bench, fuzz targets, actors and generated code see everything.
layer_inc = $(INC_$(or $(LAYER_OF_$(patsubst %/,%,$(dir $(1)))),all))
# What make check-layers proves, as folder:header: each allowed include
# compiles from that folder, each forbidden one fails (not found).
LAYER_ALLOW := runtime/base:troupe/error.h runtime/base:clock.h \
	transports:troupe/error.h transports:rundir.h transports:clock.h \
	runtime/lib:transport.h runtime/lib:troupe/actor.h runtime/lib:mailbox.h \
	runtime/link:registry.h runtime/link:link_queue.h runtime/link:clock.h \
	runtime/daemon:node.h runtime/daemon:link_queue.h runtime/daemon:mailbox.h \
	runtime/ctl:registry.h runtime/ctl:counters.h
LAYER_DENY := runtime/base:troupe/actor.h runtime/base:transport.h runtime/base:registry.h \
	transports:troupe/actor.h transports:troupe/envelope.h transports:registry.h \
	transports:mailbox.h transports:node.h \
	runtime/lib:link_queue.h runtime/lib:node.h runtime/lib:ctl.h \
	runtime/link:topo.h runtime/link:node.h runtime/link:linkd.h \
	runtime/ctl:node.h runtime/ctl:topo.h runtime/ctl:link_queue.h
layer_probe = printf '\#include "%s"\n' $(2) | \
	$(CC) $(CPPFLAGS) $(call layer_inc,$(1)/probe.c) $(filter-out -MMD -MP,$(CFLAGS)) \
	-fsyntax-only -x c - 2>/dev/null
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -fPIC \
	  -fno-strict-aliasing -MMD -MP
ifdef SANITIZE
override CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
override LDFLAGS += -fsanitize=$(SANITIZE)
# gcc's "undefined" leaves out float-cast-overflow, which clang's (the fuzz
# targets') has: a double converted to an integer it does not fit is
# undefined too (a rate from counters other processes write).
ifneq ($(filter undefined,$(subst $(comma), ,$(SANITIZE))),)
override CFLAGS += -fsanitize=float-cast-overflow
override LDFLAGS += -fsanitize=float-cast-overflow
endif
endif
# nanopb by its archive: the one the compiler finds (NANOPB_A, below).
LDLIBS_TP = $(NANOPB_A)
# Node links (runtime/link/): HMAC-SHA256 from nettle (link_crypto.c).
LDLIBS_LINK := -lnettle

# ---------------------------------------------------------------- sources
PROTOS_RT := $(wildcard runtime/proto/*.proto)
PROTOS_ACT := $(wildcard actors/*/*.proto)
PROTOS_TEST := $(wildcard tests/*/*.proto)
pb_c = $(patsubst %.proto,$(G)/%.pb.c,$(notdir $(1)))
pb_o = $(patsubst %.proto,$(O)/gen/%.pb.o,$(notdir $(1)))

LIB_SRC := $(wildcard runtime/base/*.c) $(wildcard runtime/lib/*.c) $(wildcard transports/*.c)
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC)) $(call pb_o,$(PROTOS_RT))
DAEMON_SRC := $(filter-out runtime/daemon/main.c,$(wildcard runtime/daemon/*.c)) \
	      $(wildcard runtime/link/*.c)
DAEMON_OBJ := $(patsubst %.c,$(O)/%.o,$(DAEMON_SRC))
# mqtt-bridge is many files and needs libmosquitto: its own rule (below).
STD_ACTORS := $(filter-out mqtt-bridge,$(notdir $(patsubst %/,%,$(dir $(wildcard actors/*/*.c)))))
ACTOR_PB_OBJ := $(call pb_o,$(PROTOS_ACT))
TEST_ACTORS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/actors/*/*.c))))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
TEST_PB_OBJ := $(call pb_o,$(PROTOS_TEST))
# Programs of their own beside the bench: the malloc counter, killstamp.
BENCH_OBJ := $(patsubst %.c,$(O)/%.o,$(filter-out tests/bench/killstamp.c,$(wildcard tests/bench/*.c)))
BENCH_BINS := $(B)/bench/bench $(B)/bench/malloc_count.so
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

LIBTROUPE_A := $(B)/lib/libtroupe.a
LIBTROUPE_SO := $(B)/lib/libtroupe.so
LIBTROUPE_SO_REAL := $(LIBTROUPE_SO).$(TP_VERSION)
# nanopb lives inside libtroupe (docs/DESIGN.md, "nanopb inside"): Debian
# ships it as a static, position-independent archive only.
# A toolchain whose libraries the build prepares first (musl) names them.
TOOLCHAIN_STAMP := $(if $(TOOLCHAIN_DEPS),$(TOOLCHAIN_DEPS)/.done)
ifndef NANOPB_A
NANOPB_A := $(shell $(CC) -print-file-name=libprotobuf-nanopb.a)
endif
NANOPB_INCDIR ?= /usr/include
NANOPB_H := $(addprefix $(NANOPB_INCDIR)/,pb.h pb_common.h pb_encode.h pb_decode.h)
NANOPB_VERSION := $(shell sed -n 's/^\#define NANOPB_VERSION "nanopb-\(.*\)"/\1/p' $(NANOPB_INCDIR)/pb.h)
# Actors share libtroupe.so, found beside them: $ORIGIN/../lib from the
# build's actors/, and from an installed LIBEXECDIR/troupe/ the way to
# LIBDIR.  The daemon and troupectl use the runtime's insides and link the
# archive.  A static build (boards) links the archive into each.
ifneq ($(filter -static,$(LDFLAGS)),)
TP_LIB := $(LIBTROUPE_A)
TP_LIB_LINK := $(LIBTROUPE_A)
else
TP_LIB := $(LIBTROUPE_SO)
TP_LIB_LINK := -L$(B)/lib -ltroupe \
	-Wl,-rpath,'$$ORIGIN/../lib:$$ORIGIN/$(shell realpath -m --relative-to=$(LIBEXECDIR)/troupe $(LIBDIR))'
# Node links resolve host names only where glibc's resolver works: not in a
# static program, which would need its NSS modules at run time
# (runtime/link/link_sock.h).
override CPPFLAGS += -DTP_LINK_RESOLVE
# Users and groups through NSS likewise; a static daemon reads
# /etc/passwd and /etc/group itself (runtime/daemon/topo_privs.c).
override CPPFLAGS += -DTP_NSS
endif
BINS := $(B)/bin/troupe $(B)/bin/troupectl
ACTOR_BINS := $(addprefix $(B)/actors/,$(STD_ACTORS))
# The MQTT bridge links Debian's libmosquitto, which exists for glibc
# targets as a shared library only: no bridge in a static build (boards)
# nor with musl (toolchain/x86_64-linux-musl.mk says MQTT_BRIDGE := no).
MQTT_BRIDGE ?= yes
ifneq ($(filter -static,$(LDFLAGS)),)
MQTT_BRIDGE := no
endif
BRIDGE_BIN := $(if $(filter yes,$(MQTT_BRIDGE)),$(B)/actors/mqtt-bridge)
BRIDGE_OBJ := $(patsubst %.c,$(O)/%.o,$(wildcard actors/mqtt-bridge/*.c))

# Every object may include any generated header: generate them first.
GEN_H := $(patsubst %.proto,$(G)/%.pb.h,$(notdir $(PROTOS_RT) $(PROTOS_ACT) $(PROTOS_TEST))) \
	 $(addprefix $(BASE_PUB)/troupe/,$(BASE_PUB_H))

.SECONDARY:
.PHONY: all lib test test-unit test-integration test-native test-cross test-regressions check-layers \
	demo bench clean help setup fuzz fuzz-build size soak test-actors mutants
all: $(LIBTROUPE_A) $(LIBTROUPE_SO) $(BINS) $(ACTOR_BINS) $(BRIDGE_BIN)

# ---------------------------------------------------------------- rules
vpath %.proto runtime/proto $(sort $(dir $(PROTOS_ACT) $(PROTOS_TEST)))

$(G)/%.pb.c $(G)/%.pb.h: %.proto
	@mkdir -p $(G)
	@echo "  NANOPB  $<"
	$(Q)$(NANOPB_GEN) -q -D $(G) -I $(dir $<) $(if $(wildcard $(<:.proto=.options)),-f $(<:.proto=.options)) $<

$(O)/gen/%.pb.o: $(G)/%.pb.c $(GEN_H) | $(TOOLCHAIN_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(INC_all) $(CFLAGS) -c -o $@ $<

$(O)/%.o: %.c | $(GEN_H) $(TOOLCHAIN_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(call layer_inc,$<) $(CFLAGS) -c -o $@ $<

# A toolchain whose libraries are prepared by the build (musl).
ifdef TOOLCHAIN_DEPS
$(TOOLCHAIN_STAMP):
	$(Q)bash toolchain/musl-deps $(TOOLCHAIN_DEPS)
$(NANOPB_A): | $(TOOLCHAIN_STAMP)
endif

$(BASE_PUB)/troupe/%.h: runtime/include/troupe/%.h
	@mkdir -p $(dir $@)
	$(Q)cp $< $@

# libtroupe exports what its headers mark TP_API (troupe/api.h), no more.
$(LIB_OBJ): override CFLAGS += -fvisibility=hidden

# The archive carries nanopb's objects too: linking it needs nothing else.
$(O)/nanopb/.extracted: $(NANOPB_A)
	$(Q)rm -rf $(@D) && mkdir -p $(@D)
	$(Q)cd $(@D) && $(AR) x $(abspath $<) && touch .extracted

$(LIBTROUPE_A): $(LIB_OBJ) $(O)/nanopb/.extracted
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJ) $(O)/nanopb/*.o

# Its nanopb is hidden (--exclude-libs): an application's own nanopb, of
# any version, never meets it.
$(LIBTROUPE_SO_REAL): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,libtroupe.so.$(TP_SOVERSION) -Wl,--no-undefined \
		-Wl,--exclude-libs,libprotobuf-nanopb.a $(filter-out -static,$(LDFLAGS)) \
		-o $@ $^ $(LDLIBS_TP) $(LDLIBS)

$(LIBTROUPE_SO): $(LIBTROUPE_SO_REAL)
	$(Q)ln -sf $(notdir $<) $(@D)/libtroupe.so.$(TP_SOVERSION)
	$(Q)ln -sf libtroupe.so.$(TP_SOVERSION) $@

$(B)/lib/libtroupe-daemon.a: $(DAEMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/bin/troupe: $(O)/runtime/daemon/main.o $(B)/lib/libtroupe-daemon.a $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -linih $(LDLIBS_LINK) $(LDLIBS)

# troupectl's message table, from every actor's .proto and .options
# (runtime/ctl/msgtab.h), and the runtime's monitor messages.
PROTOS_TAB := $(PROTOS_ACT) runtime/proto/monitor.proto
$(G)/msgtab.c: runtime/ctl/gen-msgtab.py $(PROTOS_TAB) $(wildcard $(PROTOS_TAB:.proto=.options))
	@mkdir -p $(G)
	@echo "  MSGTAB  $@"
	$(Q)$(PROTOC) --include_imports -o $(G)/msgtab.pb \
		$(addprefix -I,$(sort $(dir $(PROTOS_TAB)))) $(PROTOS_TAB)
	$(Q)$(PYTHON_PB) runtime/ctl/gen-msgtab.py $(G)/msgtab.pb \
		$(wildcard $(PROTOS_TAB:.proto=.options)) > $@.tmp && mv $@.tmp $@

$(O)/gen/msgtab.o: $(G)/msgtab.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(INC_ctl) $(CFLAGS) -c -o $@ $<

CTL_OBJ := $(patsubst %.c,$(O)/%.o,$(wildcard runtime/ctl/*.c)) $(O)/gen/msgtab.o
$(B)/bin/troupectl: $(CTL_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lm $(LDLIBS)

define actor_rule
$(3)/$(1): $(O)/$(2)/$(1)/$(1).o $(ACTOR_PB_OBJ) $(TP_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter-out $$(TP_LIB),$$^) $$(TP_LIB_LINK) $$(LDLIBS_TP) -lm $$(LDLIBS)
endef
$(foreach a,$(STD_ACTORS),$(eval $(call actor_rule,$(a),actors,$(B)/actors)))
$(foreach a,$(TEST_ACTORS),$(eval $(call actor_rule,$(a),tests/actors,$(B)/tests/actors)))
# It reads and writes JSON with troupectl's codec (runtime/ctl/pbtext.c):
# the same objects, linked into both.
CODEC_OBJ := $(O)/runtime/ctl/pbtext.o $(O)/runtime/ctl/types.o $(O)/gen/msgtab.o
$(B)/actors/mqtt-bridge: $(BRIDGE_OBJ) $(CODEC_OBJ) $(TP_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(BRIDGE_OBJ) $(CODEC_OBJ) $(TP_LIB_LINK) $(LDLIBS_TP) -lmosquitto -lm $(LDLIBS)
# Test actors speak the runtime's own messages raw (Monitor, Down): like
# any actor outside libtroupe, they carry their own generated descriptors.
$(addprefix $(B)/tests/actors/,$(TEST_ACTORS)): $(call pb_o,$(PROTOS_RT))

$(B)/tests/%: $(O)/tests/unit/%.o $(O)/tests/unit/harness.o $(B)/lib/libtroupe-daemon.a $(TEST_PB_OBJ) $(ACTOR_PB_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -linih $(LDLIBS_TP) $(LDLIBS_LINK) -lm

# The MQTT bridge's spool, tested apart from the bridge (no libmosquitto).
$(B)/tests/test_mqtt_spool: $(O)/actors/mqtt-bridge/spool.o

# troupectl's codec, tested apart from troupectl.
$(B)/tests/test_pbtext: $(CODEC_OBJ)

# ZeroMQ, NNG and iceoryx are bench-only dependencies (toolchain/setup bench).
$(B)/bench/bench: $(BENCH_OBJ) $(TEST_PB_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TP) $(LDLIBS_LINK) -lzmq -lnng -liceoryx_binding_c -lpthread -lm
$(O)/tests/bench/iox.o: override CPPFLAGS += -isystem /usr/include/iceoryx/v2.0.3

# Node links' raw primitives: TCP and ZeroMQ tcp:// ping-pong (tests/bench/link).
$(B)/bench/tcp_pingpong: $(O)/tests/bench/link/tcp_pingpong.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lzmq

# The node link's seal and open per message, in memory (tests/bench/link).
$(B)/bench/link_seal: $(O)/tests/bench/link/link_seal.o $(B)/lib/libtroupe-daemon.a $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TP) $(LDLIBS_LINK)

# The MQTT bridge against a raw libmosquitto publisher (tests/bench/mqtt):
# an actor, run by a node beside the bridge.
$(B)/bench/mqttbench: $(O)/tests/bench/mqtt/mqttbench.o $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TP) $(LDLIBS_LINK) -lmosquitto -lpthread

$(B)/bench/killstamp: $(O)/tests/bench/killstamp.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

$(B)/bench/malloc_count.so: $(O)/tests/bench/malloc_count.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) -shared $(LDFLAGS) -o $@ $^

# libFuzzer targets: built with TARGET=fuzz (toolchain/fuzz.mk: clang).
$(B)/fuzz/%: $(O)/tests/fuzz/%.o $(B)/lib/libtroupe-daemon.a $(ACTOR_PB_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ -linih $(LDLIBS_TP) $(LDLIBS_LINK)

# The control socket's target answers the operator commands itself rather
# than fork or signal actors (tests/fuzz/fuzz_control.c).
$(B)/fuzz/fuzz_control: override LDFLAGS += $(patsubst %,-Wl$(comma)--wrap=tp_sup_ctl_%,stop start restart)

# ---------------------------------------------------------------- entry points
setup:
	$(Q)bash toolchain/setup host

# The whole suite: natively, then cross-built under qemu-user for aarch64
# and armhf.  One TEST_RUNNER variable runs the same binaries anywhere.
# With SANITIZE=… only the native run: qemu-user cannot run ASan binaries
# (their shadow memory does not fit its guest address space).
test:
ifdef SANITIZE
	$(Q)bash toolchain/setup host
	$(Q)$(MAKE) --no-print-directory test-native
	@echo "== SANITIZE=$(SANITIZE): qemu-user runs skipped (qemu-user and ASan do not mix)"
else
	$(Q)bash toolchain/setup all
	$(Q)$(MAKE) --no-print-directory test-native
	$(Q)$(MAKE) --no-print-directory test-native TARGET=aarch64-linux-gnu
	$(Q)$(MAKE) --no-print-directory test-native TARGET=arm-linux-gnueabihf
	$(Q)$(MAKE) --no-print-directory test-native TARGET=x86_64-linux-musl
endif

test-native: check-layers all $(UNIT_TESTS) test-actors
	$(Q)NOT_HERE="$(NOT_HERE)" bash tests/run-tests "$(B)" "$(TEST_RUNNER)"

# The layers hold (see "layers" above): the build fails if a folder
# includes a header of a layer above it.
check-layers: $(GEN_H) $(TOOLCHAIN_STAMP)
	$(Q)bad=0; \
	$(foreach p,$(LAYER_ALLOW),$(call layer_probe,$(word 1,$(subst :, ,$(p))),$(word 2,$(subst :, ,$(p)))) || \
		{ echo "layers: $(p): not found, but allowed"; bad=1; };) \
	$(foreach p,$(LAYER_DENY),! $(call layer_probe,$(word 1,$(subst :, ,$(p))),$(word 2,$(subst :, ,$(p)))) || \
		{ echo "layers: $(p): found, but a layer above"; bad=1; };) \
	[ $$bad = 0 ] && echo "== layers: $(words $(LAYER_ALLOW)) allowed includes found, $(words $(LAYER_DENY)) forbidden ones refused"

# Only the tests of past bugs (tests/regressions/, also part of test-native).
test-regressions: all $(addprefix $(B)/tests/actors/,$(TEST_ACTORS))
	$(Q)for t in tests/regressions/*.sh; do echo "== $$t"; \
		B="$(B)" RUNNER="$(TEST_RUNNER)" bash $$t || exit 1; done

test-actors: $(addprefix $(B)/tests/actors/,$(TEST_ACTORS))

# The mutation check (tests/mutants/): each planted bug must fail a test.
# Native builds only: it rebuilds and runs the tests on this machine.
mutants: all $(UNIT_TESTS) test-actors
	$(Q)[ "$(TARGET)" = host ] && [ -z "$(SANITIZE)" ] || \
		{ echo "make mutants: the host build only (no TARGET=, no SANITIZE=)"; exit 2; }
	$(Q)python3 tests/mutants/run -b "$(B)" $(MUTANTS_FLAGS)

demo:
	$(Q)bash toolchain/setup host
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash board/host/demo "$(B)"

# The raw-primitive comparison needs the library and actors only; crash
# to recovery and the daemon's RSS (tests/bench/restart, size) a node.
bench:
	$(Q)bash toolchain/setup bench
	$(Q)$(MAKE) --no-print-directory $(LIBTROUPE_A) $(ACTOR_BINS) $(BENCH_BINS) \
		$(BINS) $(B)/tests/actors/linkping $(B)/bench/tcp_pingpong $(B)/bench/link_seal \
		$(B)/tests/actors/stamp \
		$(B)/bench/killstamp $(if $(BRIDGE_BIN),$(BRIDGE_BIN) $(B)/bench/mqttbench)
	$(Q)bash tests/bench/run "$(B)"

# Each fuzz target for FUZZ_SECONDS, from its committed seeds (tests/fuzz/).
FUZZ_SECONDS ?= 60
fuzz:
	$(Q)bash toolchain/setup fuzz
	$(Q)$(MAKE) --no-print-directory TARGET=fuzz fuzz-build
	$(Q)bash tests/fuzz/run build/fuzz $(FUZZ_SECONDS)

fuzz-build: $(FUZZ_BINS)

# The soak (tests/soak/run): the transport fault suite with FAULT_N kills
# of each kind, then the demo with injected faults for DURATION seconds;
# asserts no growth of memory or descriptors and no leftovers.
DURATION ?= 300
FAULT_N ?= 1000
LINK_CUTS ?= 1000
soak:
	$(Q)bash toolchain/setup host
	$(Q)$(MAKE) --no-print-directory all test-actors $(B)/tests/test_faults
	$(Q)bash tests/soak/run "$(B)" $(DURATION) $(FAULT_N) $(LINK_CUTS)

# Stripped sizes for armhf and aarch64 (-O2), and the daemon's RSS with
# 10 actors (tests/bench/size).
size:
	$(Q)bash toolchain/setup all
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory all TARGET=aarch64-linux-gnu
	$(Q)$(MAKE) --no-print-directory all TARGET=arm-linux-gnueabihf
	$(Q)bash tests/bench/size
	$(Q)for b in qemu-virt-armv7 qemu-virt-aarch64; do \
		echo "== $$b (full-system QEMU, static bundle): the daemon with 10 actors up (kB)"; \
		out=$$($(MAKE) --no-print-directory size-qemu-board BOARD=$$b 2>&1) || { echo "$$out"; exit 1; }; \
		echo "$$out" | sed -n 's/^      \([a-z]\)/  \1/p'; \
		t=$$(sed -n 's/^BOARD_TARGET := //p' board/$$b/board.mk); \
		$$t-size build/$$b/bin/troupe | awk 'NR == 2 { printf "  troupe (static) text %d data %d bss %d (bytes)\n", $$1, $$2, $$3 }'; \
	done

clean:
	rm -rf build

help:
	@echo "make [TARGET=host|aarch64-linux-gnu|arm-linux-gnueabihf] [V=1] [SANITIZE=address,undefined]"
	@echo "  all       libtroupe, troupe, troupectl, actors (default)"
	@echo "  demo      set up, build and run the demo pipeline"
	@echo "  test      set up, then run every test natively and under qemu-user"
	@echo "  test-regressions  the tests of past bugs only (tests/regressions/)"
	@echo "  check-layers      a folder cannot include a header of a layer above it"
	@echo "  mutants   plant each bug of tests/mutants/mutants.spec: every one must fail a test"
	@echo "  bench     Troupe's transports against their raw primitives, ZeroMQ, NNG, iceoryx"
	@echo "  fuzz      build (clang) and run each fuzz target FUZZ_SECONDS (60)"
	@echo "  size      stripped sizes (armhf, aarch64) and the daemon's RSS"
	@echo "  soak      fault suite (FAULT_N=1000 kills) + demo with faults for DURATION=300 s"
	@echo "  install   DESTDIR=… PREFIX=… [BINDIR LIBDIR INCLUDEDIR LIBEXECDIR DATADIR SYSCONFDIR]: the SDK (docs/SDK.md)"
	@echo "  uninstall the same variables: removes what install put"
	@echo "  clean     remove build/"
	@echo "make BOARD=<board> [STATIC=0]   cross-build for a board into build/<board>/ ('make boards')"
	@echo "  dist      BOARD=…: build/<board>/troupe-<board>.tar.gz (docs/DEPLOY.md)"
	@echo "  qemu      BOARD=…: boot the board in QEMU with the demo and a shell"
	@echo "  test-qemu boot every emulated board with the in-guest tests, and two boards on a link"

include runtime/sdk/rules.mk
include board/rules.mk
-include $(shell find $(O) -name '*.d' 2>/dev/null)
