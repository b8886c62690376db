#!/bin/sh
# Checks the artefacts scripts/dist.sh made, without changing this machine:
# the .deb unpacked into a temporary root (dpkg -x), then installed and
# removed in a second one with its own dpkg database (dpkg --root); the
# tarball unpacked into a third. From each: `cachalot --version`, `man -l`
# on the installed page, the export script, every completion script's syntax
# in its own shell.
# lintian must report no errors.
# Usage: scripts/check-dist.sh OUT
set -eu

out=$1
here=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$here/VERSION")
deb="$out/cachalot_${version}_$(dpkg --print-architecture).deb"
tarball="$out/cachalot-$version-linux-$(uname -m).tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "check-dist: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "$deb is missing: run make dist"
[ -f "$tarball" ] || fail "$tarball is missing: run make dist"

# $1: a prefix holding bin/ and share/; $2: where its zsh completion lives.
check_installed() {
    prefix=$1 zsh_completion=$2
    printed=$("$prefix/bin/cachalot" --version)
    case $printed in
        "cachalot $version ("*")") ;;
        *) fail "$prefix/bin/cachalot --version printed '$printed', not version $version" ;;
    esac
    page=$(ls "$prefix"/share/man/man1/cachalot.1*)
    MANWIDTH=80 MAN_KEEP_FORMATTING=0 man -l "$page" 2>&1 >"$work/man.txt" | grep . && fail "man -l $page warned"
    grep -q "invalidate and inspect django" "$work/man.txt" || fail "man -l $page did not render the page"
    cmp -s "$prefix/share/cachalot/export-settings.py" "$here/share/export-settings.py" \
        || fail "$prefix/share/cachalot/export-settings.py is not share/export-settings.py"
    bash -n "$prefix/share/bash-completion/completions/cachalot"
    zsh -n "$zsh_completion"
    fish -n "$prefix/share/fish/vendor_completions.d/cachalot.fish"
    echo "check-dist: $printed, man page, export script and completions from $prefix"
}

# The .deb, unpacked.
dpkg -x "$deb" "$work/x"
check_installed "$work/x/usr" "$work/x/usr/share/zsh/vendor-completions/_cachalot"
dpkg-deb -f "$deb" Depends | grep -q "libc6" || fail "the .deb's Depends lacks libc6"
# Every library cachalot opens with dlopen is suggested (System/ClientLibrary.swift's packages).
suggests=$(dpkg-deb -f "$deb" Suggests)
for package in $(sed -n 's/.*package: "\([^"]*\)".*/\1/p' "$here/Sources/CachalotKit/System/ClientLibrary.swift"); do
    case ", $suggests," in *", $package,"*) ;; *) fail "the .deb's Suggests lacks $package (System/ClientLibrary.swift opens it)" ;; esac
done

# The .deb, installed and removed in a root of its own (its Depends are this
# machine's, which that root's empty dpkg database does not know).
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --force-not-root --force-script-chrootless -i "$deb" >"$work/dpkg.log" 2>&1 ||
    { cat "$work/dpkg.log"; fail "dpkg -i failed"; }
check_installed "$root/usr" "$root/usr/share/zsh/vendor-completions/_cachalot"
dpkg --root="$root" --force-not-root --force-script-chrootless --purge cachalot >"$work/dpkg.log" 2>&1 ||
    { cat "$work/dpkg.log"; fail "dpkg --purge failed"; }
left=$(find "$root" -path "$root/var/lib/dpkg" -prune -o -type f -print)
[ -z "$left" ] || fail "files left after dpkg --purge: $left"
echo "check-dist: the .deb installs and purges cleanly"

# The tarball, unpacked as into a prefix.
mkdir "$work/prefix"
tar -xzf "$tarball" -C "$work/prefix" --strip-components=1
check_installed "$work/prefix" "$work/prefix/share/zsh/site-functions/_cachalot"
[ -f "$work/prefix/share/doc/cachalot/LICENSE" ] || fail "the tarball lacks LICENSE"

# lintian: no errors (warnings are printed; overrides carry their reasons).
lintian --fail-on error --info "$deb"
echo "check-dist: lintian reports no errors on $(basename "$deb")"
