# CMake toolchain: 32-bit ARM hard-float (armhf) boards, with Debian's
# gcc-arm-linux-gnueabihf; ctest runs the tests under qemu-arm.
# docs/SDK.md, "Cross-building"; what it does: troupe-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR arm)
set(TROUPE_TRIPLET arm-linux-gnueabihf)
set(TROUPE_QEMU qemu-arm)
include("${CMAKE_CURRENT_LIST_DIR}/troupe-cross.cmake")
