#!/bin/sh
# build.sh -- configure (once) and build the portal out of tree.
#   scripts/build.sh [BUILDDIR] [--asan]
# BUILDDIR defaults to ./build; --asan builds with AddressSanitizer and
# UBSan for the sanitizer run of the test suite.  Quick when nothing changed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
builddir="$top/build"
asan=no
for a in "$@"; do
    case "$a" in
        --asan) asan=yes ;;
        *) builddir="$a" ;;
    esac
done
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$builddir"
cd "$builddir"
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
    if [ "$asan" = yes ]; then
        san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
        "$top/configure" -q CFLAGS="-g -O1 $san" LDFLAGS="$san"
    else
        "$top/configure" -q CFLAGS="-g -O2"
    fi
fi
make -s -j"$(nproc)" >/dev/null
