# Not a board: the host again, built by clang with libFuzzer's coverage
# instrumentation, ASan and UBSan, for `make fuzz` (tests/fuzz/).
# toolchain/setup fuzz installs clang and libclang-rt-dev.
CROSS_COMPILE ?=
CC := clang
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
CFLAGS ?= -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
override LDFLAGS += -fsanitize=address,undefined
TEST_RUNNER ?=
