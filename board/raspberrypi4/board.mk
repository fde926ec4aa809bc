# Raspberry Pi 4 Model B: BCM2711, 4x Cortex-A72, 64-bit (arm64) OS.
BOARD_TARGET := aarch64-linux-gnu
BOARD_CFLAGS := -mcpu=cortex-a72
# QEMU has no model of this board: build and bundle only
# (`make dist BOARD=raspberrypi4`); the same code is proven on the emulated boards.
QEMU_SYSTEM :=
QEMU_ARGS :=
QEMU_DTB :=
QEMU_CONSOLE :=
QEMU_APPEND :=
