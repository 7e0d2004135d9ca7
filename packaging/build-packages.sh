#!/usr/bin/env bash
# Builds the flume-rs packages: <target dir>/packages/flume-rs_<version>-<rev>_amd64.deb and
# flume-rs-<version>-<rev>.x86_64.rpm.
#
#   bash packaging/build-packages.sh [--revision N]
#
# The packaged flume-ng runs on glibc 2.28 and newer (RHEL/Rocky 8, Debian 10+, Ubuntu 20.04+):
# it is built with cargo-zigbuild against glibc 2.28, with OpenSSL and zlib compiled in (feature
# static-c-deps; librdkafka and zstd are always compiled in), so it needs nothing but glibc.
# The script checks both and fails otherwise.
#
# Tools: cargo-zigbuild, cargo-deb and cargo-generate-rpm are installed with
# `cargo install --locked` into $FLUME_PKG_TOOLS (default ~/.cache/flume-rs/cargo-tools) when
# missing; zig comes from the ziglang PyPI package in .venv-tools (.ci/setup-tools).
# The build honours CARGO_TARGET_DIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

revision=1
while [ $# -gt 0 ]; do
    case "$1" in
    --revision) revision=$2; shift 2 ;;
    *) echo "usage: $0 [--revision N]" >&2; exit 2 ;;
    esac
done

readonly TRIPLE=x86_64-unknown-linux-gnu
readonly GLIBC=2.28
tools=${FLUME_PKG_TOOLS:-$HOME/.cache/flume-rs/cargo-tools}
export PATH="$tools/bin:$PATH"
target_dir=${CARGO_TARGET_DIR:-$repo/target}
out=$target_dir/packages
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "tools"
for spec in cargo-zigbuild@0.24.1 cargo-deb@3.8.0 cargo-generate-rpm@0.21.1; do
    tool=${spec%@*}
    if [ -x "$tools/bin/$tool" ]; then
        echo "$tool: $("$tools/bin/$tool" --version 2>/dev/null | head -n 1) (cached in $tools)"
    else
        echo "$tool: installing $spec into $tools"
        cargo install --quiet --locked --root "$tools" "$spec"
    fi
done
if ! .venv-tools/bin/python -m ziglang version >/dev/null 2>&1; then
    bash .ci/setup-tools
fi
export CARGO_ZIGBUILD_PYTHON_PATH=$repo/.venv-tools/bin/python
echo "zig: $("$CARGO_ZIGBUILD_PYTHON_PATH" -m ziglang version)"

step "flume-ng for $TRIPLE, glibc $GLIBC"
# cargo-zigbuild gives the cc crate (OpenSSL, zlib, zstd) zig cc for glibc 2.28; librdkafka's own
# ./configure reads plain CC, so it gets the same compiler through this wrapper (lld needs
# --undefined-version for the version script of librdkafka.so, which `make libs` also links).
zig_cc=$target_dir/zig-cc-$TRIPLE.$GLIBC.sh
printf '#!/bin/sh\nexec cargo-zigbuild zig cc -- -target x86_64-linux-gnu.%s -Wl,--undefined-version "$@"\n' "$GLIBC" >"$zig_cc"
chmod 755 "$zig_cc"
CC=$zig_cc cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC" --features static-c-deps
bin=$target_dir/$TRIPLE/release/flume-ng
strip "$bin"  # stripped once, here: the .deb and the .rpm carry the same file

step "glibc and shared libraries the packaged flume-ng needs"
needed=$(objdump -T "$bin" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1)
echo "highest GLIBC_ symbol version: GLIBC_$needed (target: GLIBC_$GLIBC)"
if [ "$(printf '%s\n%s\n' "$needed" "$GLIBC" | sort -V | tail -n 1)" != "$GLIBC" ]; then
    echo "FAIL: the packaged flume-ng needs glibc $needed, newer than $GLIBC" >&2
    exit 1
fi
libs=$(objdump -p "$bin" | awk '/NEEDED/ {print $2}' | sort | tr '\n' ' ')
echo "NEEDED: $libs"
for lib in $libs; do
    case "$lib" in
    libc.so.6 | libm.so.6 | libdl.so.2 | libpthread.so.0 | librt.so.1 | libgcc_s.so.1 | ld-linux-x86-64.so.2) ;;
    *) echo "FAIL: the packaged flume-ng links $lib dynamically; only glibc (and libgcc_s) may be" >&2; exit 1 ;;
    esac
done

step "packages (revision $revision)"
cargo deb --no-build --no-strip --target "$TRIPLE" --deb-revision "$revision" --output "$out/"
# gzip payload: rpm 4.14 (RHEL 8) reads it everywhere; zstd payloads need a newer rpm.
cargo generate-rpm --target "$TRIPLE" --target-dir "$target_dir" --payload-compress gzip \
    --set-metadata "release = \"$revision\"" --output "$out/"
ls -l "$out"
