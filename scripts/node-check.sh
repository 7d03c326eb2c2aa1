# node-check.sh -- sourced by the scripts that run Node.js test tools
# (scripts/browser.sh, scripts/s3.sh).
#   portal_node_check WHO DIR   (variables _nc_*) 0 when node and npm are installed, the
#                               Node.js is at least 18.19 (node --test with
#                               --test-concurrency) and every package in
#                               DIR/package-lock.json accepts it; otherwise
#                               says which Node it found, where, and what
#                               is needed, and returns 1
# shellcheck shell=sh
portal_node_check() {
    _nc_who=$1 _nc_dir=$2
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        echo "$_nc_who: Node.js and npm are needed (18.19 or newer; Debian 12's nodejs 18.20 is enough):" >&2
        echo "$_nc_who: found node: $(command -v node || echo none), npm: $(command -v npm || echo none);" >&2
        echo "$_nc_who: 'scripts/deps.sh test' (run by ./test.sh as root) installs Debian's nodejs and npm" >&2
        return 1
    fi
    _nc_v=$(node --version 2>/dev/null)
    case "$_nc_v" in
        v[0-9]*.[0-9]*.[0-9]*) ;;
        *) echo "$_nc_who: $(command -v node) --version printed '$_nc_v', not a Node.js version" >&2; return 1 ;;
    esac
    _nc_major=${_nc_v#v}; _nc_major=${_nc_major%%.*}
    _nc_minor=${_nc_v#v*.}; _nc_minor=${_nc_minor%%.*}
    if [ "$_nc_major" -lt 18 ] || { [ "$_nc_major" -eq 18 ] && [ "$_nc_minor" -lt 19 ]; }; then
        echo "$_nc_who: found Node.js $_nc_v at $(command -v node); the tests need 18.19 or newer" >&2
        echo "$_nc_who: (Debian 12's nodejs package is 18.20)" >&2
        return 1
    fi
    if ! _nc_why=$(perl "${top:?node-check.sh needs $top}/scripts/check-engines" --node "$_nc_v" "$_nc_dir/package-lock.json"); then
        echo "$_nc_who: found Node.js $_nc_v at $(command -v node), but a package the tests pin needs another:" >&2
        echo "$_nc_why" >&2
        return 1
    fi
    return 0
}
