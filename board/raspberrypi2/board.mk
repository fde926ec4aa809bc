# Raspberry Pi 2 Model B: BCM2836, 4x Cortex-A7, armhf.
BOARD_TARGET := arm-linux-gnueabihf
BOARD_CFLAGS := -mcpu=cortex-a7 -mfpu=neon-vfpv4
# How QEMU boots it (tests/qemu/boot): the kernel, device trees and
# modules come from Debian's linux-image package of the architecture.
QEMU_SYSTEM := qemu-system-arm
# The opposite of raspi3b: with one TCG thread (thread=single) the boot
# stalls; keep the default multi-threaded TCG.
QEMU_ARGS := -M raspi2b -m 1G
QEMU_DTB := bcm2836-rpi-2-b.dtb
# The Pi's power-off hook lives in bcm2835_wdt: the guest loads it before
# poweroff, or QEMU would only halt (the harness kills it by PID anyway).
QEMU_CONSOLE := ttyAMA0
QEMU_APPEND := wdt=1
