# Troupe actors built outside Troupe's tree, with make and pkg-config
# (docs/SDK.md).  Your Makefile:
#
#   TROUPE_ACTORS := thermostat
#   thermostat_SRCS := thermostat.c          # .c, .cc or .cpp
#   thermostat_PROTOS := thermostat.proto    # its .options beside it
#   include $(shell pkg-config --variable=actor_mk troupe)
#
# `make` writes OUT/thermostat (OUT=build), and beside it thermostat.desc
# and thermostat.msgids: the types troupectl learns (troupectl -I build)
# and the ids the daemon checks.  `make install [DESTDIR=…]` puts the actor
# in the SDK's libexec/troupe and its types in share/troupe/proto, where
# troupe and troupectl find them.  `make clean` removes OUT.
#
# Cross: export PKG_CONFIG_SYSROOT_DIR=SYSROOT and
# PKG_CONFIG_LIBDIR=SYSROOT/usr/lib/pkgconfig (an SDK installed there with
# DESTDIR=SYSROOT), then `make CROSS_COMPILE=aarch64-linux-gnu-`.
# Also honoured: CC CXX CFLAGS CXXFLAGS CPPFLAGS LDFLAGS LDLIBS V=1
# PKG_CONFIG NANOPB_GEN PROTOC TROUPE_PROTO_PATH (more folders of .msgids
# whose ids yours must not collide with).

PKG_CONFIG ?= pkg-config
NANOPB_GEN ?= nanopb_generator.py
PROTOC ?= protoc
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin CXX),default)
CXX := $(CROSS_COMPILE)g++
endif
CFLAGS ?= -O2 -g
CXXFLAGS ?= -O2 -g
OUT ?= build
ifeq ($(V),1)
TROUPE_Q :=
else
TROUPE_Q := @
endif

# `all` is the default goal, unless your Makefile has one before this.
ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

troupe_pc = $(shell $(PKG_CONFIG) $(1) troupe)
TROUPE_NANOPB := $(call troupe_pc,--variable=nanopb_version)
ifeq ($(TROUPE_NANOPB),)
$(error troupe-actor.mk: pkg-config finds no troupe.pc: install Troupe's SDK or set PKG_CONFIG_PATH (cross: PKG_CONFIG_SYSROOT_DIR and PKG_CONFIG_LIBDIR, docs/SDK.md))
endif
TROUPE_CFLAGS := $(call troupe_pc,--cflags)
TROUPE_LIBS := $(call troupe_pc,--libs)
# pkgconf puts the sysroot in front of every path; on the board the
# library is where it was installed: that is the actors' rpath.
TROUPE_SYSROOT := $(PKG_CONFIG_SYSROOT_DIR)
troupe_target = $(patsubst $(TROUPE_SYSROOT)/%,/%,$(1))
TROUPE_LIBDIR := $(call troupe_target,$(call troupe_pc,--variable=libdir))
TROUPE_PROTODIR := $(call troupe_pc,--variable=protodir)
TROUPE_ACTORDIR := $(call troupe_target,$(call troupe_pc,--variable=libexecdir))/troupe
TROUPE_TYPEDIR := $(call troupe_target,$(TROUPE_PROTODIR))
# The helper lives beside this fragment.
TROUPE_GEN := $(dir $(lastword $(MAKEFILE_LIST)))troupe-gen

troupe_is_cxx = $(filter %.cc %.cpp %.cxx,$(1))
troupe_obj = $(addprefix $(OUT)/obj/,$(addsuffix .o,$(1)))

define troupe_actor
$(1)_GENDIR := $(OUT)/gen/$(1)
$(1)_PBC := $$(patsubst %.proto,$(OUT)/gen/$(1)/%.pb.c,$$(notdir $$($(1)_PROTOS)))
$(1)_OBJS := $$(call troupe_obj,$$($(1)_SRCS)) $$($(1)_PBC:.c=.o)

$(OUT)/gen/$(1)/.stamp: $$($(1)_PROTOS) $$(wildcard $$($(1)_PROTOS:.proto=.options)) $(TROUPE_GEN)
	@mkdir -p $$(@D)
	@echo "  TYPES   $(1): $$($(1)_PROTOS)"
	$(TROUPE_Q)NANOPB_GEN=$$(NANOPB_GEN) PROTOC=$$(PROTOC) $(TROUPE_GEN) \
		--nanopb-version $(TROUPE_NANOPB) -o $$(@D) --desc-dir $(OUT) -n $(1) \
		-I $(TROUPE_PROTODIR) $$($(1)_PROTOS)
	@touch $$@
$$($(1)_PBC) $(OUT)/$(1).desc $(OUT)/$(1).msgids: $(OUT)/gen/$(1)/.stamp ;
$$($(1)_OBJS): TROUPE_INC := -I$(OUT)/gen/$(1)
$$($(1)_OBJS): | $(OUT)/gen/$(1)/.stamp

$(OUT)/$(1): $$($(1)_OBJS)
	@echo "  LD      $$@"
	$(TROUPE_Q)$$(if $$(call troupe_is_cxx,$$($(1)_SRCS)),$$(CXX),$$(CC)) $$(LDFLAGS) -o $$@ $$^ \
		$(TROUPE_LIBS) -Wl,-rpath,$(TROUPE_LIBDIR) $$(LDLIBS)
endef
$(foreach a,$(TROUPE_ACTORS),$(eval $(call troupe_actor,$(a))))

TROUPE_OUTPUTS := $(foreach a,$(TROUPE_ACTORS),$(OUT)/$(a) $(OUT)/$(a).desc $(OUT)/$(a).msgids)

$(OUT)/obj/%.c.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(TROUPE_Q)$(CC) $(TROUPE_INC) $(TROUPE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<
$(OUT)/obj/%.cc.o: %.cc
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(TROUPE_Q)$(CXX) $(TROUPE_INC) $(TROUPE_CFLAGS) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c -o $@ $<
$(OUT)/obj/%.cpp.o: %.cpp
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	$(TROUPE_Q)$(CXX) $(TROUPE_INC) $(TROUPE_CFLAGS) $(CPPFLAGS) $(CXXFLAGS) -MMD -MP -c -o $@ $<
$(OUT)/gen/%.pb.o: $(OUT)/gen/%.pb.c
	@echo "  CC      $<"
	$(TROUPE_Q)$(CC) $(TROUPE_INC) $(TROUPE_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

.PHONY: all install uninstall clean
all: $(TROUPE_OUTPUTS)

install: all
	install -d $(DESTDIR)$(TROUPE_ACTORDIR) $(DESTDIR)$(TROUPE_TYPEDIR)
	install -m 755 $(addprefix $(OUT)/,$(TROUPE_ACTORS)) $(DESTDIR)$(TROUPE_ACTORDIR)/
	install -m 644 $(foreach a,$(TROUPE_ACTORS),$(OUT)/$(a).msgids) $(DESTDIR)$(TROUPE_ACTORDIR)/
	install -m 644 $(foreach a,$(TROUPE_ACTORS),$(OUT)/$(a).desc $(OUT)/$(a).msgids) $(DESTDIR)$(TROUPE_TYPEDIR)/

uninstall:
	rm -f $(foreach a,$(TROUPE_ACTORS),$(DESTDIR)$(TROUPE_ACTORDIR)/$(a) \
		$(DESTDIR)$(TROUPE_ACTORDIR)/$(a).msgids \
		$(DESTDIR)$(TROUPE_TYPEDIR)/$(a).desc $(DESTDIR)$(TROUPE_TYPEDIR)/$(a).msgids)

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
