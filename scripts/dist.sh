#!/bin/sh
# Packs a built release binary into the two release artefacts:
#   OUT/cachalot_<version>_<deb arch>.deb
#   OUT/cachalot-<version>-linux-<machine>.tar.gz
# Usage: scripts/dist.sh BINARY OUT
#
# The version comes from VERSION (checked against the newest entry of
# packaging/debian/changelog and against what the binary prints). File times
# are the last commit's, owners root, so the same commit packs the same bytes.
set -eu

binary=$1
out=$2
here=$(cd "$(dirname "$0")/.." && pwd)
version=$(tr -d '[:space:]' < "$here/VERSION")
deb_arch=$(dpkg --print-architecture)
machine=$(uname -m)
maintainer="The cachalot authors <cachalot-authors@users.noreply.github.com>"
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

fail() { echo "dist: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "no binary at $binary: run make build first"
changelog_version=$(sed -n '1s/^cachalot (\([^)]*\)).*/\1/p' "$here/packaging/debian/changelog")
[ "$changelog_version" = "$version" ] ||
    fail "VERSION says $version but packaging/debian/changelog's newest entry is $changelog_version"
case $("$binary" --version) in
    "cachalot $version ("*) ;;
    *) fail "$binary prints '$("$binary" --version)', not version $version: rebuild it" ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# Lays the files out under $1 with Debian's paths ($2 = deb) or /usr/local's
# ($2 = tar): the same files, two homes for the zsh completion and the docs.
lay_out() {
    root=$1 layout=$2
    install -D -m 755 "$binary" "$root/bin/cachalot"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/bin/cachalot"
    install -D -m 644 "$here/man/cachalot.1" "$root/share/man/man1/cachalot.1"
    install -D -m 644 "$here/share/export-settings.py" "$root/share/cachalot/export-settings.py"
    install -D -m 644 "$here/completions/cachalot.bash" "$root/share/bash-completion/completions/cachalot"
    install -D -m 644 "$here/completions/cachalot.fish" "$root/share/fish/vendor_completions.d/cachalot.fish"
    doc="$root/share/doc/cachalot"
    install -D -m 644 "$here/README.md" "$doc/README.md"
    if [ "$layout" = deb ]; then
        install -D -m 644 "$here/completions/_cachalot" "$root/share/zsh/vendor-completions/_cachalot"
        install -m 644 "$here/packaging/debian/copyright" "$doc/copyright"
        install -m 644 "$here/packaging/debian/changelog" "$doc/changelog"
        # Debian policy: manual pages and larger documents compressed, without a time stamp.
        gzip -9n "$root/share/man/man1/cachalot.1" "$doc/README.md" "$doc/changelog"
    else
        install -D -m 644 "$here/completions/_cachalot" "$root/share/zsh/site-functions/_cachalot"
        install -m 644 "$here/LICENSE" "$doc/LICENSE"
    fi
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
}

# The .deb, laid out where dpkg-shlibdeps expects a package's tree.
package="$work/src/debian/cachalot"
mkdir -p "$package/DEBIAN"
lay_out "$package/usr" deb
install -D -m 644 "$here/packaging/debian/lintian-overrides" "$package/usr/share/lintian/overrides/cachalot"
touch -d "@$SOURCE_DATE_EPOCH" "$package/usr/share/lintian/overrides/cachalot"
# Depends: exactly the libraries the binary names as NEEDED, as dpkg-shlibdeps
# resolves them to packages (it wants a debian/control beside it). The client
# libraries cachalot opens with dlopen only when a backend needs them are
# Suggests: a machine without libpq5 runs everything but PostgreSQL.
printf 'Source: cachalot\n\nPackage: cachalot\nArchitecture: any\n' > "$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O --warnings=0 "$package/usr/bin/cachalot" | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || fail "dpkg-shlibdeps found no libraries for $binary"
(cd "$package" && find usr -type f -exec md5sum {} + | sort -k 2) > "$package/DEBIAN/md5sums"
cat > "$package/DEBIAN/control" <<EOF
Package: cachalot
Version: $version
Architecture: $deb_arch
Maintainer: $maintainer
Installed-Size: $(du -sk --apparent-size "$package/usr" | cut -f1)
Depends: $depends
Suggests: libpq5, libmariadb3, libssl3, liblzma5, liblz4-1, libzstd1
Section: utils
Priority: optional
Description: invalidate and inspect django-cachalot's cache without Django
 cachalot does what "manage.py invalidate_cachalot" does, and more, as one
 native binary that never boots the site: it reads a settings file that
 mirrors Django's CACHES, DATABASES and CACHALOT_* settings and talks to the
 same Redis, memcached or file-based cache and the same SQLite, PostgreSQL or
 MySQL/MariaDB database, byte-compatible with django-cachalot.
 .
 Commands: invalidate, last-invalidation, stats, query and doctor.
 PostgreSQL needs libpq5, MySQL/MariaDB libmariadb3, Redis over TLS libssl3,
 django-redis's lzma, lz4 and zstd compressors liblzma5, liblz4-1 and
 libzstd1; each is loaded only when a command needs it.
EOF
chmod 644 "$package/DEBIAN/control" "$package/DEBIAN/md5sums"
deb="$out/cachalot_${version}_${deb_arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$package" "$deb" >/dev/null

# The tarball: one top directory, laid out to unpack into a prefix
# (tar -xzf … -C /usr/local --strip-components=1).
name="cachalot-$version-linux-$machine"
lay_out "$work/$name" tar
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$work" -cf - "$name" | gzip -9n > "$out/$name.tar.gz"

echo "$deb"
echo "$out/$name.tar.gz"
