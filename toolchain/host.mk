# The build machine itself.
CROSS_COMPILE ?=
DEB_ARCH := $(shell dpkg --print-architecture 2>/dev/null)
TEST_RUNNER ?=
