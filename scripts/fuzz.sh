#!/bin/sh
# fuzz.sh -- build every libFuzzer target (or those named in FUZZ_TARGETS)
# with clang (ASan + UBSan) and run each for FUZZ_SECONDS (default 20) on a
# copy of its seed corpus.  Fails
# on any crash, leak, timeout or sanitizer report; the input that did it is
# kept in build-fuzz/ to be added to t/fuzz/corpus/NAME/ once fixed.
#
# The core is compiled once into build-fuzz/libportalcore-fuzz.a (its
# objects instrumented for coverage and the sanitizers, in parallel, and
# only again when a core file changed); each target is then one small
# compile linked against it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${FUZZ_SECONDS:-20}
out="$top/build-fuzz"
mkdir -p "$out/core"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
incs="$(apr-1-config --cppflags --includes) $(apu-1-config --includes)
  $(pkg-config --cflags openssl jansson libargon2 libcurl libjwt liboath libqrencode libfido2 libcbor)
  -I$top/mod_portal/core"
libs="$(apr-1-config --link-ld) $(apu-1-config --link-ld)
  $(pkg-config --libs openssl jansson libargon2 libcurl libjwt liboath libqrencode libfido2 libcbor)
  -lzxcvbn -lm -lcrypt -lunistring -lmaxminddb -lcsv"
lib="$out/libportalcore-fuzz.a"

# the core, once: rebuilt when any of its files is newer than the library
stale=yes
if [ -f "$lib" ] && [ -z "$(find "$top/mod_portal/core" -newer "$lib" -print -quit)" ]; then
    stale=no
fi
if [ $stale = yes ]; then
    echo "fuzz.sh: building the core once for every target"
    rm -f "$out"/core/*.o "$lib"
    export out incs san
    # shellcheck disable=SC2016
    ls "$top"/mod_portal/core/*.c | xargs -P "$(nproc)" -I{} sh -c '
        f={}; o="$out/core/$(basename "$f" .c).o"
        # shellcheck disable=SC2086
        clang -g -O1 -fsanitize=fuzzer-no-link $san $incs -c "$f" -o "$o"'
    ar rcs "$lib" "$out"/core/*.o
fi

rc=0
for t in ${FUZZ_TARGETS:-template form sql filecrypt multipart upload_meta \
        feed jwt range redact webauthn_attest webauthn_assert pwned throttle \
        usercsv audit_line link pending}; do
    # shellcheck disable=SC2086
    clang -g -O1 -fsanitize=fuzzer $san $incs -o "$out/fuzz_$t" \
        "$top/t/fuzz/fuzz_$t.c" "$lib" $libs
    rm -rf "$out/corpus_$t"
    cp -r "$top/t/fuzz/corpus/$t" "$out/corpus_$t"
    echo "fuzz.sh: $t for ${secs}s"
    if ! (cd "$out" && ./"fuzz_$t" -max_total_time="$secs" -max_len=8192 \
            -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
            "corpus_$t" >"fuzz_$t.log" 2>&1); then
        echo "fuzz.sh: $t FAILED:"; tail -n 40 "$out/fuzz_$t.log"; rc=1
    else
        grep -E '^#[0-9]+.*DONE' "$out/fuzz_$t.log" | tail -n 1 || true
    fi
done
exit $rc
