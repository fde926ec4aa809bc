# Raspberry Pi 3 Model B: BCM2837, 4x Cortex-A53, 64-bit (arm64) OS.
BOARD_TARGET := aarch64-linux-gnu
BOARD_CFLAGS := -mcpu=cortex-a53
# How QEMU boots it (tests/qemu/boot): the kernel, device trees and
# modules come from Debian's linux-image package of the architecture.
QEMU_SYSTEM := qemu-system-aarch64
# raspi3b is fixed at 4 vCPUs and 1 GiB.  On a 2-core host, multi-threaded
# TCG spends ~17 s in early boot; one TCG thread boots in ~1.6 s.
QEMU_ARGS := -M raspi3b -m 1G -accel tcg,thread=single -serial null -serial mon:stdio
# The Pi 3's device tree gives the PL011 (ttyAMA0) to Bluetooth: the kernel
# prints on it but creates no tty for it, so nothing can be typed there.
# Its console is the mini-UART, ttyS1 (QEMU's second serial port), as on
# the real board.
QEMU_CONSOLE := ttyS1
QEMU_DTB := bcm2837-rpi-3-b.dtb
# The Pi's power-off hook lives in bcm2835_wdt: the guest loads it before
# poweroff, or QEMU would only halt (the harness kills it by PID anyway).
QEMU_APPEND := wdt=1
