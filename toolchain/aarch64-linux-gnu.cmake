# CMake toolchain: 64-bit ARM (arm64) boards, with Debian's
# gcc-aarch64-linux-gnu; ctest runs the tests under qemu-aarch64.
# docs/SDK.md, "Cross-building"; what it does: troupe-cross.cmake.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(TROUPE_TRIPLET aarch64-linux-gnu)
set(TROUPE_QEMU qemu-aarch64)
include("${CMAKE_CURRENT_LIST_DIR}/troupe-cross.cmake")
