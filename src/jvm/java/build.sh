#!/bin/sh
# Builds flume-rs-plugin-api.jar, our implementation of Flume's public plugin API, into OUTDIR.
#
#   src/jvm/java/build.sh OUTDIR
#
# Compiles src/jvm/java/api/ with `javac --release 8` against the compile-only stubs in
# src/jvm/java/compile-stubs/ (which are not packed). The jar is reproducible: sources are
# compiled in sorted order without debug paths, entries are sorted and carry a fixed time.
# Needs a JDK 9 or later (javac, jar); JAVA_HOME/bin is preferred over PATH.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

tool() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/$1" ]; then
    echo "$JAVA_HOME/bin/$1"
  elif command -v "$1" >/dev/null 2>&1; then
    command -v "$1"
  else
    echo "$0: '$1' not found: install a JDK (Debian: openjdk-17-jdk-headless) or set JAVA_HOME" >&2
    exit 1
  fi
}
javac=$(tool javac)
jar=$(tool jar)

work=$(mktemp -d "${TMPDIR:-/tmp}/flume-rs-api.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/stubs" "$work/classes"

(cd "$here/compile-stubs" && find . -name '*.java' | LC_ALL=C sort) > "$work/stubs.list"
(cd "$here/compile-stubs" && "$javac" --release 8 -nowarn -d "$work/stubs" @"$work/stubs.list")

(cd "$here/api" && find . -name '*.java' | LC_ALL=C sort) > "$work/api.list"
(cd "$here/api" && "$javac" --release 8 -Xlint:all -Xlint:-options -g:lines,source \
  -encoding UTF-8 -cp "$work/stubs" -d "$work/classes" @"$work/api.list")

# A fixed manifest and fixed entry times make the jar byte-for-byte reproducible.
printf 'Manifest-Version: 1.0\nCreated-By: flume-rs\nImplementation-Title: flume-rs plugin API\n' \
  > "$work/MANIFEST.MF"
(cd "$work/classes" && find . -type f | LC_ALL=C sort | sed 's|^\./||') > "$work/classes.list"
rm -f "$out/flume-rs-plugin-api.jar"
(cd "$work/classes" && "$jar" --create --file "$out/flume-rs-plugin-api.jar" \
  --manifest "$work/MANIFEST.MF" --date 2000-01-01T00:00:00Z @"$work/classes.list")
echo "$out/flume-rs-plugin-api.jar"
