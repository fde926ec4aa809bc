# `make BOARD=<name>`: the board's cross target, compiler flags and build
# folder (build/<name>/), from board/<name>/board.mk.  Included by the
# Makefile before anything else; board/rules.mk holds the rules.
BOARDS := $(sort $(notdir $(patsubst %/board.mk,%,$(wildcard board/*/board.mk))))
ifdef BOARD
ifeq ($(filter $(BOARD),$(BOARDS)),)
$(error BOARD=$(BOARD) is not a board; boards: $(BOARDS))
endif
include board/$(BOARD)/board.mk
TARGET := $(BOARD_TARGET)
BOARD_B := build/$(BOARD)
# Static programs by default: the bundle then runs on any root filesystem
# of the board (any glibc, no libnanopb or libinih needed) and in the test
# initramfs.  STATIC=0 links them against the board's shared libraries.
STATIC ?= 1
PREFIX ?= /usr
SYSCONFDIR ?= /etc
CFLAGS ?= -O2 -g
override CFLAGS += $(BOARD_CFLAGS)
endif
# Programs only: libtroupe.so drops -static (see its rule).
ifeq ($(STATIC),1)
override LDFLAGS += -static
endif
