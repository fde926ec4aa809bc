# QEMU's generic 64-bit board (-M virt) with a Cortex-A53, arm64.
BOARD_TARGET := aarch64-linux-gnu
BOARD_CFLAGS := -mcpu=cortex-a53
# How QEMU boots it (tests/qemu/boot): the kernel, device trees and
# modules come from Debian's linux-image package of the architecture.
QEMU_SYSTEM := qemu-system-aarch64
# -M virt has no device tree to pass: QEMU generates it.
QEMU_ARGS := -M virt -cpu cortex-a53 -m 256
QEMU_DTB := 
QEMU_CONSOLE := ttyAMA0
QEMU_APPEND := 
