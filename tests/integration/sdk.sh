# Helpers of the SDK tests: install this build's SDK (make install from
# the same build folder, nothing rebuilt), the build's target and tools.
# Sourced after lib.sh.  The makes here are the user's own, never sub-makes of
# the one running the suite.
unset MAKEFLAGS MFLAGS MAKELEVEL
name=${B#build/}
# Tests run side by side (tests/run-tests): one make at a time in the
# build folder they share, or two would write the same file at once.
SDK_MAKE=(flock "$B/.sdk-make.lock" make --no-print-directory -s O="$B")
case $name in
host) ;;
host-*) SDK_MAKE+=(SANITIZE="$(echo "${name#host-}" | tr - ,)") ;;
*) SDK_MAKE+=(TARGET="$name") ;;
esac
# TRIPLET: empty for the host, else the cross target (aarch64-linux-gnu…).
TRIPLET=
[ -f "toolchain/$name.mk" ] && [ "$name" != host ] && TRIPLET=$name
# A sanitized SDK's user builds with the same sanitizers (the runtime must
# come first in the program, not arrive with libtroupe.so).
SAN=
case $name in host-*) SAN="-fsanitize=$(echo "${name#host-}" | tr - ,) -fno-omit-frame-pointer" ;; esac
USER_MK=()
USER_CMAKE=()
if [ -n "$SAN" ]; then
	USER_MK=(CFLAGS="-O1 -g $SAN" CXXFLAGS="-O1 -g $SAN" LDFLAGS="$SAN")
	USER_CMAKE=(-DCMAKE_C_FLAGS="$SAN" -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN")
fi
VERSION=$(sed -n 's/^#define TROUPE_VERSION "\(.*\)"/\1/p' runtime/include/troupe/version.h)

# sdk_install DESTDIR [make variables…]
sdk_install() {
	local dest=$1; shift
	"${SDK_MAKE[@]}" -j2 install DESTDIR="$dest" "$@" || fail "make install DESTDIR=$dest $*"
}

# sdk_files DOC DIR: writes each code block of DOC that follows a
# "<!-- file: NAME -->" line into DIR/NAME, as the reader would copy it.
sdk_files() {
	mkdir -p "$2"
	awk -v dir="$2" '
		/^<!-- file: .* -->$/ { name = $3; next }
		name != "" && /^```/ { if (out) { close(out); out = ""; name = "" } else out = dir "/" name; next }
		out { print > out }' "$1"
}

# elf_machine FILE: "AArch64", "ARM", "Advanced Micro Devices X86-64"…
elf_machine() { readelf -h "$1" | sed -n 's/^ *Machine: *//p'; }
