# What the ARM toolchain files share (aarch64-linux-gnu.cmake,
# arm-linux-gnueabihf.cmake): Debian's cross compilers, the target's
# Troupe SDK, and qemu-user as the emulator that runs the target's
# programs at build time and under ctest.
#
#   cmake -DCMAKE_TOOLCHAIN_FILE=SYSROOT/usr/share/troupe/toolchain/aarch64-linux-gnu.cmake
#
# SYSROOT: where the target's SDK was installed (make install
# TARGET=aarch64-linux-gnu DESTDIR=SYSROOT PREFIX=/usr).  Used from there,
# the file finds that SDK by itself; from anywhere else give
# -DTROUPE_SYSROOT=SYSROOT.  TROUPE_QEMU_LD_PREFIX is the target's C
# library for qemu's -L (default: Debian's libc6-<arch>-cross, /usr/TRIPLET).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${TROUPE_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${TROUPE_TRIPLET}-g++)

set(TROUPE_SYSROOT "$ENV{TROUPE_SYSROOT}" CACHE PATH "where the target's Troupe SDK is installed (its DESTDIR)")
# Installed as PREFIX/share/troupe/toolchain/: PREFIX is three folders up.
get_filename_component(_troupe_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(CMAKE_FIND_ROOT_PATH ${TROUPE_SYSROOT} "${_troupe_prefix}" /usr/${TROUPE_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(TROUPE_QEMU_LD_PREFIX "/usr/${TROUPE_TRIPLET}" CACHE PATH "the target's C library, for qemu -L")
set(CMAKE_CROSSCOMPILING_EMULATOR ${TROUPE_QEMU} -L ${TROUPE_QEMU_LD_PREFIX})
