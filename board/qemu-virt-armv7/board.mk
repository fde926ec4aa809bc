# QEMU's generic 32-bit board (-M virt) with a Cortex-A15, armhf (Debian armmp kernel).
BOARD_TARGET := arm-linux-gnueabihf
BOARD_CFLAGS := -mcpu=cortex-a15 -mfpu=neon-vfpv4
# How QEMU boots it (tests/qemu/boot): the kernel, device trees and
# modules come from Debian's linux-image package of the architecture.
QEMU_SYSTEM := qemu-system-arm
# -M virt has no device tree to pass: QEMU generates it.
QEMU_ARGS := -M virt -cpu cortex-a15 -m 256
QEMU_DTB := 
QEMU_CONSOLE := ttyAMA0
QEMU_APPEND := 
