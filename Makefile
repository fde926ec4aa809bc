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

# A sanitized build never mixes its objects with a plain one.
comma := ,
B := $(or $(BOARD_B),build/$(TARGET)$(if $(SANITIZE),-$(subst $(comma),-,$(SANITIZE))))
O := $(B)/obj
G := $(B)/gen

ifeq ($(V),1)
Q :=
else
Q := @
endif

# nanopb from Debian is built with its default options; generated code must
# match them (docs/DESIGN.md).
CPPFLAGS += -D_GNU_SOURCE -Iruntime/include -Itransports -Iruntime/lib -I$(G)
CPPFLAGS += -Iruntime/daemon -Iruntime/link
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -fPIC \
	  -fno-strict-aliasing -MMD -MP
ifdef SANITIZE
CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif
LDLIBS_TP := -lprotobuf-nanopb
# Node links (runtime/link/): HMAC-SHA256 and randomness from libsodium.
LDLIBS_LINK := -lsodium

# ---------------------------------------------------------------- sources
PROTOS_RT := $(wildcard runtime/proto/*.proto)
PROTOS_ACT := $(wildcard actors/*/*.proto)
PROTOS_TEST := $(wildcard tests/*/*.proto)
pb_c = $(patsubst %.proto,$(G)/%.pb.c,$(notdir $(1)))
pb_o = $(patsubst %.proto,$(O)/gen/%.pb.o,$(notdir $(1)))

LIB_SRC := $(wildcard runtime/lib/*.c) $(wildcard transports/*.c)
LIB_OBJ := $(patsubst %.c,$(O)/%.o,$(LIB_SRC)) $(call pb_o,$(PROTOS_RT))
DAEMON_SRC := $(filter-out runtime/daemon/main.c,$(wildcard runtime/daemon/*.c)) \
	      $(wildcard runtime/link/*.c)
DAEMON_OBJ := $(patsubst %.c,$(O)/%.o,$(DAEMON_SRC))
ACTORS := $(notdir $(patsubst %/,%,$(dir $(wildcard actors/*/*.c))))
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
# Programs (daemon, troupectl, actors) share libtroupe.so, found beside
# them: $ORIGIN/../lib from bin/ and actors/, ../../lib from an installed
# libexec/troupe/.  A static build (boards) links the archive into each.
ifneq ($(filter -static,$(LDFLAGS)),)
TP_LIB := $(LIBTROUPE_A)
TP_LIB_LINK := $(LIBTROUPE_A)
else
TP_LIB := $(LIBTROUPE_SO)
TP_LIB_LINK := -L$(B)/lib -ltroupe -Wl,-rpath,'$$ORIGIN/../lib:$$ORIGIN/../../lib'
endif
BINS := $(B)/bin/troupe $(B)/bin/troupectl
ACTOR_BINS := $(addprefix $(B)/actors/,$(ACTORS))

# Every object may include any generated header: generate them first.
GEN_H := $(patsubst %.proto,$(G)/%.pb.h,$(notdir $(PROTOS_RT) $(PROTOS_ACT) $(PROTOS_TEST)))

.SECONDARY:
.PHONY: all lib test test-unit test-integration test-native test-cross \
	demo bench clean install help setup fuzz fuzz-build size soak \
	test-actors mutants
all: $(LIBTROUPE_A) $(LIBTROUPE_SO) $(BINS) $(ACTOR_BINS) $(B)/troupe.pc

# ---------------------------------------------------------------- rules
vpath %.proto runtime/proto $(sort $(dir $(PROTOS_ACT) $(PROTOS_TEST)))

$(G)/%.pb.c $(G)/%.pb.h: %.proto
	@mkdir -p $(G)
	@echo "  NANOPB  $<"
	$(Q)$(NANOPB_GEN) -q -D $(G) -I $(dir $<) $(if $(wildcard $(<:.proto=.options)),-f $(<:.proto=.options)) $<

$(O)/gen/%.pb.o: $(G)/%.pb.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBTROUPE_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBTROUPE_SO): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) -shared -Wl,-soname,libtroupe.so.0 $(filter-out -static,$(LDFLAGS)) -o $@ $^ $(LDLIBS_TP)
	$(Q)ln -sf libtroupe.so $(@D)/libtroupe.so.0

$(B)/lib/libtroupe-daemon.a: $(DAEMON_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/bin/troupe: $(O)/runtime/daemon/main.o $(B)/lib/libtroupe-daemon.a $(TP_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out $(TP_LIB),$^) $(TP_LIB_LINK) -linih $(LDLIBS_TP) $(LDLIBS_LINK)

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
	$(Q)$(CC) $(CPPFLAGS) -Iruntime/ctl $(CFLAGS) -c -o $@ $<

CTL_OBJ := $(patsubst %.c,$(O)/%.o,$(wildcard runtime/ctl/*.c)) $(O)/gen/msgtab.o
$(B)/bin/troupectl: $(CTL_OBJ) $(TP_LIB)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter-out $(TP_LIB),$^) $(TP_LIB_LINK) $(LDLIBS_TP) -lm

define actor_rule
$(3)/$(1): $(O)/$(2)/$(1)/$(1).o $(ACTOR_PB_OBJ) $(TP_LIB)
	@mkdir -p $$(dir $$@)
	@echo "  LD      $$@"
	$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$(filter-out $$(TP_LIB),$$^) $$(TP_LIB_LINK) $$(LDLIBS_TP) -lm
endef
$(foreach a,$(ACTORS),$(eval $(call actor_rule,$(a),actors,$(B)/actors)))
$(foreach a,$(TEST_ACTORS),$(eval $(call actor_rule,$(a),tests/actors,$(B)/tests/actors)))

$(B)/tests/%: $(O)/tests/unit/%.o $(O)/tests/unit/harness.o $(B)/lib/libtroupe-daemon.a $(TEST_PB_OBJ) $(ACTOR_PB_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcmocka -linih $(LDLIBS_TP) $(LDLIBS_LINK) -lm

# troupectl's codec, tested apart from troupectl.
$(B)/tests/test_pbtext: $(O)/runtime/ctl/pbtext.o $(O)/gen/msgtab.o

# ZeroMQ and NNG are bench-only dependencies (toolchain/setup bench).
$(B)/bench/bench: $(BENCH_OBJ) $(TEST_PB_OBJ) $(LIBTROUPE_A)
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_TP) $(LDLIBS_LINK) -lzmq -lnng -lpthread -lm

# Node links' raw primitives: TCP and ZeroMQ tcp:// ping-pong (tests/bench/link).
$(B)/bench/tcp_pingpong: $(O)/tests/bench/link/tcp_pingpong.o
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lzmq

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
$(B)/fuzz/fuzz_control: LDFLAGS += $(patsubst %,-Wl$(comma)--wrap=tp_sup_ctl_%,stop start restart)

$(B)/troupe.pc: runtime/troupe.pc.in
	@mkdir -p $(dir $@)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' $< > $@

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
endif

test-native: all $(UNIT_TESTS) test-actors
	$(Q)bash tests/run-tests "$(B)" "$(TEST_RUNNER)"

test-actors: $(addprefix $(B)/tests/actors/,$(TEST_ACTORS))

# The mutation check (tests/mutants/): each planted bug must fail a test.
# Native builds only: it rebuilds and runs the tests on this machine.
mutants: all $(UNIT_TESTS) test-actors
	$(Q)[ "$(TARGET)" = host ] && [ -z "$(SANITIZE)" ] || \
		{ echo "make mutants: the host build only (no TARGET=, no SANITIZE=)"; exit 2; }
	$(Q)python3 tests/mutants/run -b "$(B)"

demo:
	$(Q)bash toolchain/setup host
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash board/host/demo "$(B)"

# The raw-primitive comparison needs the library and actors only; crash
# to recovery and the daemon's RSS (tests/bench/restart, size) a node.
bench:
	$(Q)bash toolchain/setup bench
	$(Q)$(MAKE) --no-print-directory $(LIBTROUPE_A) $(ACTOR_BINS) $(BENCH_BINS) \
		$(BINS) $(B)/tests/actors/linkping $(B)/bench/tcp_pingpong $(B)/tests/actors/stamp \
		$(B)/bench/killstamp
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
soak:
	$(Q)bash toolchain/setup host
	$(Q)$(MAKE) --no-print-directory all $(B)/tests/test_faults
	$(Q)bash tests/soak/run "$(B)" $(DURATION) $(FAULT_N)

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
	done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/troupe $(DESTDIR)$(PREFIX)/libexec/troupe
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBTROUPE_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBTROUPE_SO) $(DESTDIR)$(PREFIX)/lib/libtroupe.so.0
	ln -sf libtroupe.so.0 $(DESTDIR)$(PREFIX)/lib/libtroupe.so
	install -m 644 runtime/include/troupe/*.h $(DESTDIR)$(PREFIX)/include/troupe/
	sed -e 's|@PREFIX@|$(PREFIX)|g' runtime/troupe.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/troupe.pc
	install -m 755 $(ACTOR_BINS) $(DESTDIR)$(PREFIX)/libexec/troupe/

clean:
	rm -rf build

help:
	@echo "make [TARGET=host|aarch64-linux-gnu|arm-linux-gnueabihf] [V=1] [SANITIZE=address,undefined]"
	@echo "  all       libtroupe, troupe, troupectl, actors (default)"
	@echo "  demo      set up, build and run the demo pipeline"
	@echo "  test      set up, then run every test natively and under qemu-user"
	@echo "  mutants   plant each bug of tests/mutants/mutants.spec: every one must fail a test"
	@echo "  bench     Troupe's transports against their raw primitives, ZeroMQ and NNG"
	@echo "  fuzz      build (clang) and run each fuzz target FUZZ_SECONDS (60)"
	@echo "  size      stripped sizes (armhf, aarch64) and the daemon's RSS"
	@echo "  soak      fault suite (FAULT_N=1000 kills) + demo with faults for DURATION=300 s"
	@echo "  install   DESTDIR=… PREFIX=…"
	@echo "  clean     remove build/"
	@echo "make BOARD=<board> [STATIC=0]   cross-build for a board into build/<board>/ ('make boards')"
	@echo "  dist      BOARD=…: build/<board>/troupe-<board>.tar.gz (docs/DEPLOY.md)"
	@echo "  qemu      BOARD=…: boot the board in QEMU with the demo and a shell"
	@echo "  test-qemu boot every emulated board with the in-guest tests, and two boards on a link"

include board/rules.mk
-include $(shell find $(O) -name '*.d' 2>/dev/null)
