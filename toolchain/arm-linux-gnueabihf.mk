# 32-bit ARM, hard float (armhf): Raspberry Pi 2, BeagleBone, armv7 boards.
CROSS_COMPILE ?= arm-linux-gnueabihf-
DEB_ARCH := armhf
TEST_RUNNER ?= qemu-arm
