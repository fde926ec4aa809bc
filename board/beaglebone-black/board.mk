# BeagleBone Black: TI AM3358, 1x Cortex-A8, armhf.
BOARD_TARGET := arm-linux-gnueabihf
BOARD_CFLAGS := -mcpu=cortex-a8 -mfpu=neon
# QEMU has no model of this board: build and bundle only
# (`make dist BOARD=beaglebone-black`); the same code is proven on the emulated boards.
QEMU_SYSTEM :=
QEMU_ARGS :=
QEMU_DTB :=
QEMU_CONSOLE :=
QEMU_APPEND :=
