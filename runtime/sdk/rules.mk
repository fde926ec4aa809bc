# The SDK (docs/SDK.md): what `make install` puts beside the programs so
# that actors build outside this tree, with make + pkg-config or CMake.
# Included by the Makefile after its own rules.
#
#   INCLUDEDIR/troupe/*.h, INCLUDEDIR/troupe/nanopb/pb*.h
#   LIBDIR/libtroupe.so.X.Y.Z (+ .so.X, .so), LIBDIR/libtroupe.a
#   LIBDIR/pkgconfig/troupe.pc, LIBDIR/cmake/Troupe/*.cmake
#   DATADIR/troupe/troupe-gen, troupe-actor.mk, toolchain/*.cmake
#   DATADIR/troupe/proto/: the runtime's and the standard actors' .proto,
#     .options, and UNIT.desc + UNIT.msgids (troupectl's types, the ids in use)
#
# The build tree holds the same share/troupe/ (troupectl finds its proto/
# from its own place), and NAME.msgids beside each actor (the daemon's check).

PUBLIC_H := $(wildcard runtime/include/troupe/*.h)
SHARE := $(B)/share/troupe
SDK_PROTO := $(SHARE)/proto
TROUPE_GEN := runtime/sdk/troupe-gen
SDK_TOOLCHAINS := $(wildcard toolchain/*.cmake)

# The runtime's messages are one unit, each standard actor's another.
unit_protos = $(if $(filter runtime,$(1)),$(PROTOS_RT),$(wildcard actors/$(1)/*.proto))
SDK_UNITS := runtime $(STD_ACTORS)
SDK_SRC := $(PROTOS_RT) $(PROTOS_ACT) $(wildcard $(PROTOS_RT:.proto=.options) $(PROTOS_ACT:.proto=.options))
SDK_SHARE := $(addprefix $(SDK_PROTO)/,$(notdir $(SDK_SRC)) \
		$(foreach u,$(SDK_UNITS),$(u).desc $(u).msgids)) \
	$(SHARE)/troupe-gen $(SHARE)/troupe-actor.mk \
	$(addprefix $(SHARE)/toolchain/,$(notdir $(SDK_TOOLCHAINS)))
ACTOR_MSGIDS := $(addsuffix .msgids,$(ACTOR_BINS))
SDK_CONF := $(addprefix $(B)/sdk/,troupe.pc TroupeConfig.cmake TroupeConfigVersion.cmake)
SDK_FILES := $(SDK_SHARE) $(ACTOR_MSGIDS) $(SDK_CONF)
all: $(SDK_FILES)

define sdk_unit_rule
$(SDK_PROTO)/$(1).desc $(SDK_PROTO)/$(1).msgids &: $(2) $(wildcard $(2:.proto=.options)) $(TROUPE_GEN) \
		$(B)/sdk/dirs | $(addprefix $(SDK_PROTO)/,$(notdir $(SDK_SRC)))
	@echo "  TYPES   $(SDK_PROTO)/$(1).desc"
	$(Q)PROTOC=$(PROTOC) $(TROUPE_GEN) --troupe --no-code --nanopb-version $(NANOPB_VERSION) \
		--where-dir $(DATADIR)/troupe/proto -o $(SDK_PROTO) -n $(1) -I $(SDK_PROTO) $(2)
endef
$(foreach u,$(SDK_UNITS),$(eval $(call sdk_unit_rule,$(u),$(call unit_protos,$(u)))))

$(SDK_PROTO)/%: runtime/proto/%
	$(Q)install -D -m 644 $< $@
$(foreach a,$(STD_ACTORS),$(eval $(SDK_PROTO)/%: actors/$(a)/% ; $$(Q)install -D -m 644 $$< $$@))
$(SHARE)/%: runtime/sdk/%
	$(Q)install -D -m 755 $< $@
$(SHARE)/troupe-actor.mk: runtime/sdk/troupe-actor.mk
	$(Q)install -D -m 644 $< $@
$(SHARE)/toolchain/%: toolchain/%
	$(Q)install -D -m 644 $< $@
$(B)/actors/%.msgids: $(SDK_PROTO)/%.msgids
	$(Q)install -D -m 644 $< $@

# troupe.pc and the CMake package hold the install folders: made again
# whenever one of them (or a version) differs from the last build's.
rel = $(shell realpath -m --relative-to=$(1) $(2))
pcdir = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))
CMAKEDIR := $(LIBDIR)/cmake/Troupe
SIZEOF_VOID_P := $(shell echo __SIZEOF_POINTER__ | $(CC) -E -P -xc - 2>/dev/null | tail -n 1)
SDK_VARS := $(PREFIX) $(BINDIR) $(LIBDIR) $(INCLUDEDIR) $(LIBEXECDIR) $(DATADIR) \
	$(TP_VERSION) $(NANOPB_VERSION) $(SIZEOF_VOID_P)
.PHONY: FORCE
$(B)/sdk/dirs: FORCE
	@mkdir -p $(@D)
	@echo '$(SDK_VARS)' | cmp -s - $@ || echo '$(SDK_VARS)' > $@

$(B)/sdk/%: runtime/sdk/%.in $(B)/sdk/dirs
	@echo "  GEN     $@"
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' \
		-e 's|@BINDIR@|$(call pcdir,$(BINDIR))|g' \
		-e 's|@LIBEXECDIR@|$(call pcdir,$(LIBEXECDIR))|g' \
		-e 's|@INCLUDEDIR@|$(call pcdir,$(INCLUDEDIR))|g' \
		-e 's|@DATADIR@|$(call pcdir,$(DATADIR))|g' \
		-e 's|@LIBDIR@|$(if $(filter %.pc,$@),$(call pcdir,$(LIBDIR)),$(LIBDIR))|g' \
		-e 's|@REL_INCLUDEDIR@|$(call rel,$(CMAKEDIR),$(INCLUDEDIR))|g' \
		-e 's|@REL_LIBDIR@|$(call rel,$(CMAKEDIR),$(LIBDIR))|g' \
		-e 's|@REL_DATADIR@|$(call rel,$(CMAKEDIR),$(DATADIR))|g' \
		-e 's|@VERSION@|$(TP_VERSION)|g' -e 's|@SOVERSION@|$(TP_SOVERSION)|g' \
		-e 's|@NANOPB_VERSION@|$(NANOPB_VERSION)|g' \
		-e 's|@SIZEOF_VOID_P@|$(SIZEOF_VOID_P)|g' $< > $@.tmp && mv $@.tmp $@

# ---------------------------------------------------------------- install
# One recipe after the whole build: safe under -j.  Nothing is stripped
# (board/mkdist strips the bundle).  A topology already in SYSCONFDIR is
# kept; uninstall removes the example only while it is unchanged.
D := $(DESTDIR)
INSTALL_DIRS := $(BINDIR) $(LIBDIR)/pkgconfig $(CMAKEDIR) $(INCLUDEDIR)/troupe/nanopb \
	$(LIBEXECDIR)/troupe $(DATADIR)/troupe/proto $(DATADIR)/troupe/toolchain $(SYSCONFDIR)/troupe
INSTALLED := $(addprefix $(BINDIR)/,$(notdir $(BINS))) \
	$(addprefix $(LIBDIR)/,libtroupe.a libtroupe.so libtroupe.so.$(TP_SOVERSION) \
		libtroupe.so.$(TP_VERSION) pkgconfig/troupe.pc) \
	$(addprefix $(CMAKEDIR)/,TroupeConfig.cmake TroupeConfigVersion.cmake TroupeActor.cmake) \
	$(addprefix $(INCLUDEDIR)/troupe/,$(notdir $(PUBLIC_H))) \
	$(addprefix $(INCLUDEDIR)/troupe/nanopb/,$(notdir $(NANOPB_H))) \
	$(addprefix $(LIBEXECDIR)/troupe/,$(notdir $(ACTOR_BINS) $(ACTOR_MSGIDS) $(BRIDGE_BIN))) \
	$(patsubst $(SHARE)/%,$(DATADIR)/troupe/%,$(SDK_SHARE))

.PHONY: install uninstall
install: all
	$(Q)install -d $(addprefix $(D),$(INSTALL_DIRS))
	$(Q)install -m 755 $(BINS) $(D)$(BINDIR)/
	$(Q)install -m 644 $(LIBTROUPE_A) $(D)$(LIBDIR)/
	$(Q)install -m 755 $(LIBTROUPE_SO_REAL) $(D)$(LIBDIR)/
	$(Q)ln -sf libtroupe.so.$(TP_VERSION) $(D)$(LIBDIR)/libtroupe.so.$(TP_SOVERSION)
	$(Q)ln -sf libtroupe.so.$(TP_SOVERSION) $(D)$(LIBDIR)/libtroupe.so
	$(Q)install -m 644 $(B)/sdk/troupe.pc $(D)$(LIBDIR)/pkgconfig/
	$(Q)install -m 644 $(B)/sdk/TroupeConfig.cmake $(B)/sdk/TroupeConfigVersion.cmake \
		runtime/sdk/TroupeActor.cmake $(D)$(CMAKEDIR)/
	$(Q)install -m 644 $(PUBLIC_H) $(D)$(INCLUDEDIR)/troupe/
	$(Q)install -m 644 $(NANOPB_H) $(D)$(INCLUDEDIR)/troupe/nanopb/
	$(Q)install -m 755 $(ACTOR_BINS) $(BRIDGE_BIN) $(D)$(LIBEXECDIR)/troupe/
	$(Q)install -m 644 $(ACTOR_MSGIDS) $(D)$(LIBEXECDIR)/troupe/
	$(Q)cd $(SHARE) && cp -p --parents $(patsubst $(SHARE)/%,%,$(SDK_SHARE)) $(abspath $(D)$(DATADIR))/troupe/
	$(Q)test -e $(D)$(SYSCONFDIR)/troupe/topology.ini || \
		install -m 644 board/host/topology.ini $(D)$(SYSCONFDIR)/troupe/topology.ini

uninstall:
	$(Q)rm -f $(addprefix $(D),$(INSTALLED))
	$(Q)! cmp -s board/host/topology.ini $(D)$(SYSCONFDIR)/troupe/topology.ini || \
		rm -f $(D)$(SYSCONFDIR)/troupe/topology.ini
	$(Q)for d in $(addprefix $(D),$(CMAKEDIR) $(LIBDIR)/cmake $(INCLUDEDIR)/troupe/nanopb \
		$(INCLUDEDIR)/troupe $(LIBEXECDIR)/troupe $(DATADIR)/troupe/proto \
		$(DATADIR)/troupe/toolchain $(DATADIR)/troupe $(SYSCONFDIR)/troupe); do \
		rmdir --ignore-fail-on-non-empty $$d 2>/dev/null || :; done
