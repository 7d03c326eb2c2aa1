#!/bin/sh
# test_engines.sh -- every Node package the tests install (each
# package-lock.json's engines.node) runs on Debian 12's Node.js 18.20.4,
# and the range reader behind that check reads node-semver ranges right.
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
rc=0
perl "$top/scripts/check-engines" --self-test || rc=1
perl "$top/scripts/check-engines" --node 18.20.4 || rc=1
exit $rc
