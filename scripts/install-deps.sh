#!/bin/sh
# Installs what cachalot's build, demo and tests need and the machine lacks.
# Debian packages through apt-get (as root, or with sudo); Swift itself is
# expected on PATH.
set -eu

packages="pkg-config g++ libstdc++-12-dev libsqlite3-dev zlib1g-dev libpq-dev libmemcached-dev liblzma-dev liblz4-dev libzstd-dev libssl-dev libmariadb-dev mariadb-server mariadb-client openssl redis-server redis-tools memcached libmemcached-tools sasl2-bin sqlite3 postgresql postgresql-client mandoc groff-base zsh fish python3-venv python3-dev time dpkg-dev binutils lintian man-db"
missing=""
for package in $packages; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
# A python3 that can make virtualenvs (pyenv's can) needs no python3-venv,
# and one that has its headers (pyenv's has) no python3-dev.
if python3 -m venv --help >/dev/null 2>&1; then
    missing=$(echo "$missing" | sed 's/ python3-venv//')
fi
if [ -f "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ]; then
    missing=$(echo "$missing" | sed 's/ python3-dev//')
fi

if [ -n "$missing" ]; then
    echo "installing:$missing"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    # The tests start their own PostgreSQL servers: no system cluster, no service.
    $sudo mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.d/cachalot.conf >/dev/null
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi

command -v swift >/dev/null || { echo "swift is not on PATH: install a Swift toolchain (6.x)" >&2; exit 1; }
