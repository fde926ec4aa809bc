# 64-bit ARM (arm64): Raspberry Pi 3/4, generic aarch64 boards.
CROSS_COMPILE ?= aarch64-linux-gnu-
DEB_ARCH := arm64
# Binaries run on the host through qemu-user; libraries come from the
# :arm64 multiarch packages that toolchain/setup installs.
TEST_RUNNER ?= qemu-aarch64
