#!/bin/sh
# replay.sh -- `make check` step: every fuzz target replays its seed corpus
# (t/fuzz/corpus/NAME/) through the ordinary build.
set -e
: "${top_srcdir:=.}" "${top_builddir:=.}"
for t in template form sql filecrypt multipart upload_meta feed jwt range redact \
         webauthn_attest webauthn_assert pwned throttle usercsv audit_line \
         link pending; do
    "$top_builddir/t/fuzz/replay_$t" "$top_srcdir/t/fuzz/corpus/$t"
done
