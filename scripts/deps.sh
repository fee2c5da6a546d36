#!/usr/bin/env bash
# deps.sh - the one list of Debian 12 packages this project needs to build and
# test, and the code that installs the missing ones.  Used by `make deps` (and
# so by `make test` and `make run`) and by .ci/run.
#
#   scripts/deps.sh list      print the package names, one a line
#   scripts/deps.sh missing   print the ones not installed (exit 0 either way)
#   scripts/deps.sh install   install the missing ones with apt-get (through
#                             sudo when not root); silent when none is missing
set -euo pipefail

# Keep this list sorted.  python3 runs the tests/cli scripts; clang and
# libclang-rt-14-dev give libFuzzer (`make fuzz`); valgrind is for manual
# memory checks; clang-format for `make format`.  ecomd links libmicrohttpd
# and SQLite (libmicrohttpd-dev, libsqlite3-dev), libpq (libpq-dev) for the
# shared PostgreSQL store and libcurl (libcurl4-openssl-dev) for the messages
# between regions; its tests run on a private PostgreSQL server
# (postgresql), the active-active harness (tests/ha) puts HAProxy (haproxy)
# in front and its database stage runs PostgreSQL under Patroni (patroni,
# with python3-etcd for etcd's v2 API) on an etcd cluster (etcd-server;
# etcd-client for etcdctl), tests/deploy parses the deployment YAML
# (python3-yaml), the ecomd tests check /metrics with promtool (prometheus),
# which also checks and unit-tests the alerting rules of deploy/prometheus
# (tests/deploy), and read socket timers with ss (iproute2).  tests/cli/man.sh
# renders the manual pages (groff-base, man-db); tests/ffi installs the
# Python package into a fresh virtual environment (python3-venv, which
# brings pip) and type-checks it (mypy); tests/cli/schemas.sh and the ecomd
# tests validate documents against docs/schemas/ (python3-jsonschema);
# ecomd's outbox relay links the NATS C client (libnats-dev); its tests run
# a private JetStream broker (nats-server);
# ecomd talks to the other regions with libcurl (libcurl4-openssl-dev), and
# tests/ha/regions' full run runs a Patroni cluster per region.
PACKAGES=(
    build-essential
    clang
    clang-format
    etcd-client
    etcd-server
    git
    groff-base
    haproxy
    iproute2
    libcjson-dev
    libclang-rt-14-dev
    libcunit1-dev
    libcurl4-openssl-dev
    libmicrohttpd-dev
    libnats-dev
    libpcre2-dev
    libpq-dev
    libsodium-dev
    libsqlite3-dev
    libxml2-dev
    make
    man-db
    mypy
    patroni
    nats-server
    pkg-config
    postgresql
    prometheus
    python3
    python3-jsonschema
    python3-etcd
    python3-venv
    python3-etcd
    python3-yaml
    valgrind
)

# The FFI packages' tests need Node.js and npm.  Machines of this project
# come with NodeSource's nodejs, which bundles npm and must not be mixed with
# Debian's npm package; only a machine without them gets Debian's.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing() {
    # One dpkg-query call for the whole list keeps this fast when nothing is
    # missing.  Packages dpkg has never heard of are absent from its output.
    local installed
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
        awk '$NF == "installed" { print $1 }') || true
    local p
    for p in "${PACKAGES[@]}"; do
        grep -qxF "$p" <<<"$installed" || echo "$p"
    done
}

case "${1:-}" in
list)
    printf '%s\n' "${PACKAGES[@]}"
    ;;
missing)
    missing
    ;;
install)
    if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
        echo "deps: not a Debian system; install the equivalents of these yourself:" >&2
        printf '  %s\n' "${PACKAGES[@]}" >&2
        exit 0 # `make deps-check` still stops the build if libraries are missing
    fi
    mapfile -t need < <(missing)
    [ "${#need[@]}" -eq 0 ] && exit 0
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "deps: missing packages (${need[*]}) and not root; install them as root" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    echo "deps: installing ${need[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${need[@]}"
    ;;
*)
    echo "usage: $0 list|missing|install" >&2
    exit 2
    ;;
esac
