# Boards, bundles and full-system QEMU: `make dist|qemu BOARD=<name>`,
# `make test-qemu`.  Included at the end of the Makefile.
QEMU_BOARDS := $(foreach b,$(BOARDS),$(if $(shell grep -s '^QEMU_SYSTEM := .' board/$(b)/board.mk),$(b)))
QCACHE := build/qemu
KDIR := $(QCACHE)/$(DEB_ARCH)
DIST_TGZ := $(B)/troupe-$(BOARD).tar.gz
INITRD := $(B)/initramfs.cpio.gz
QEMU_ACTORS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/qemu/*/*.c))))
QEMU_ACTOR_BINS := $(addprefix $(B)/tests/qemu/,$(QEMU_ACTORS))
$(foreach a,$(QEMU_ACTORS),$(eval $(call actor_rule,$(a),tests/qemu,$(B)/tests/qemu)))
# Test actors of tests/actors/ that the guests' tests use too.
QEMU_SHARED_ACTORS := notifier
QEMU_ACTOR_BINS += $(addprefix $(B)/tests/qemu/,$(QEMU_SHARED_ACTORS))
$(addprefix $(B)/tests/qemu/,$(QEMU_SHARED_ACTORS)): $(B)/tests/qemu/%: $(B)/tests/actors/%
	@mkdir -p $(dir $@)
	$(Q)cp $< $@
export QEMU_SYSTEM QEMU_ARGS QEMU_DTB QEMU_CONSOLE QEMU_APPEND

.PHONY: dist qemu test-qemu test-qemu-board test-qemu-net size-qemu-board initramfs boards \
	need-board need-qemu
boards:
	@echo "boards: $(BOARDS)"
	@echo "in QEMU: $(QEMU_BOARDS)"

need-board:
	@test -n "$(BOARD)" || { echo "give BOARD=<name>: $(BOARDS)" >&2; exit 2; }
need-qemu: need-board
	@test -n "$(QEMU_SYSTEM)" || { echo "QEMU has no model of $(BOARD);" \
		"emulated boards: $(QEMU_BOARDS)" >&2; exit 2; }

dist: need-board all
	$(Q)rm -rf $(B)/dist
	$(Q)$(MAKE) --no-print-directory install DESTDIR=$(abspath $(B)/dist) >/dev/null
	$(Q)bash board/mkdist $(B)/dist board/$(BOARD) $(CROSS_COMPILE)strip $(DIST_TGZ) \
		"$(abspath $(TOPOLOGY))" $(abspath $(ACTORS))

# The board's test image (tests/qemu/mkinitramfs).  qemu, test-qemu-board
# and test-qemu-net first install what is missing, then build it.
initramfs: need-qemu dist $(QEMU_ACTOR_BINS)
	$(Q)bash tests/qemu/fetch $(DEB_ARCH) $(QCACHE)
	$(Q)bash tests/qemu/mkinitramfs $(KDIR) $(DIST_TGZ) $(B)/tests/qemu $(INITRD) \
		$(CROSS_COMPILE) $(abspath $(GUEST_TEST))

qemu: need-qemu
	$(Q)bash toolchain/setup cross qemu
	$(Q)$(MAKE) --no-print-directory initramfs
	$(Q)bash tests/qemu/boot run $(BOARD) $(KDIR) $(INITRD)

test-qemu-board: need-qemu
	$(Q)bash toolchain/setup cross qemu
	$(Q)$(MAKE) --no-print-directory initramfs
	$(Q)bash tests/qemu/boot test $(BOARD) $(KDIR) $(INITRD) $(B)/qemu-test.log

# The daemon's memory on the board, booted as in test-qemu-board.
size-qemu-board: need-qemu
	$(Q)bash toolchain/setup cross qemu
	$(Q)$(MAKE) --no-print-directory initramfs
	$(Q)bash tests/qemu/boot size $(BOARD) $(KDIR) $(INITRD) $(B)/qemu-size.log

test-qemu-net: need-qemu
	$(Q)bash toolchain/setup cross qemu
	$(Q)$(MAKE) --no-print-directory initramfs
	$(Q)bash tests/qemu/boot net $(BOARD) $(KDIR) $(INITRD) $(B)/qemu-net

# Every emulated board, then two virt aarch64 guests on one link, then a
# bundle with actors from outside the tree (tests/qemu/user/).  With
# GUEST_TEST=script (and BOARD=…, ACTORS=…, TOPOLOGY=…): that board only,
# your script run in the guest by the same harness (tests/qemu/guest-user).
test-qemu:
	$(Q)bash toolchain/setup cross qemu
ifdef GUEST_TEST
	$(Q)test -n "$(BOARD)" || { echo "GUEST_TEST needs BOARD=…: $(QEMU_BOARDS)" >&2; exit 2; }
	$(Q)test -f "$(GUEST_TEST)" || { echo "GUEST_TEST=$(GUEST_TEST): no such file" >&2; exit 2; }
	$(Q)$(MAKE) --no-print-directory test-qemu-board
else
	$(Q)bash tests/qemu/run-all "$(MAKE)" $(QEMU_BOARDS)
endif
