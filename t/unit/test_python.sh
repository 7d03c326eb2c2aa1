#!/bin/sh
# test_python.sh -- run a unit test that checks the core against python3
# modules (pyotp, cryptography) and Debian's command-line tools.
#   t/unit/test_python.sh TEST_BINARY [ARGS...]
# Picks a python3 that has pyotp and cryptography (the one on PATH, else
# Debian's /usr/bin/python3) and exports it as PT_PYTHON; checks that
# oathtool, rsvg-convert and zbarimg are there.  Fails, naming the Debian
# package, when something is missing: these tests never skip.
set -u
bin=${1:?usage: test_python.sh TEST_BINARY [ARGS...]}
shift
if [ ! -x "$bin" ]; then
    echo "test_python.sh: no test binary at $bin" >&2
    exit 99
fi
PT_PYTHON=
for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null 2>&1 \
       && "$py" -c 'import pyotp, cryptography' >/dev/null 2>&1; then
        PT_PYTHON=$py
        break
    fi
done
if [ -z "$PT_PYTHON" ]; then
    echo "test_python.sh: no python3 with the modules pyotp and cryptography:" \
         "install the Debian packages python3-pyotp python3-cryptography" >&2
    exit 1
fi
for tool in oathtool:oathtool rsvg-convert:librsvg2-bin zbarimg:zbar-tools; do
    if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
        echo "test_python.sh: ${tool%%:*} is missing: install the Debian" \
             "package ${tool#*:}" >&2
        exit 1
    fi
done
export PT_PYTHON
exec "$bin" "$@"
