#!/bin/sh
# check.sh -- `make check` in a build folder, quietly: the totals when it
# passes, the failing tests' logs when it does not.
#   scripts/check.sh BUILDDIR
b=${1:?usage: check.sh BUILDDIR}
if make -s -C "$b" check >/dev/null 2>&1; then
    grep -h '^# \(TOTAL\|PASS\|FAIL\)' "$b/test-suite.log"
    exit 0
fi
cat "$b/test-suite.log" "$b"/t/unit/*.log 2>/dev/null | grep -v '^ok ' | tail -n 60
exit 1
