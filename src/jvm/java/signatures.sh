#!/bin/sh
# Prints the public and protected API of the named classes in a normalised,
# line-per-member form used by the binary-compatibility check:
#
#   class <binary name>
#     header <class declaration as javap prints it>
#     <member name><descriptor> | <declaration as javap prints it>
#
# Usage: signatures.sh CLASSPATH CLASS...   (or "-" to read class names from stdin)
# `synchronized` and `native` are dropped from declarations: they are not part of
# a class's binary interface. Non-public classes are left out.
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 CLASSPATH CLASS... | -" >&2
  exit 2
fi
command -v javap >/dev/null 2>&1 || { echo "$0: javap not found (install a JDK, e.g. openjdk-17-jdk-headless)" >&2; exit 1; }
cp=$1
shift
if [ "$1" = "-" ]; then
  set -- $(cat)
fi
out=$(javap -protected -s -constants -cp "$cp" "$@") || { echo "$0: javap failed" >&2; exit 1; }
printf '%s\n' "$out" | awk '
  function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t;]+$/, "", s); return s }
  function clean(s) { gsub(/(^| )(synchronized|native|strictfp) /, " ", s); return trim(s) }
  /^Compiled from/ || /^[ \t]*$/ || /^}/ { next }
  /^[^ ]/ {
    decl = $0; sub(/ *\{ *$/, "", decl); decl = clean(decl)
    if (decl !~ /^public /) { skip = 1; next }
    skip = 0
    n = split(decl, w, " ")
    for (i = 1; i <= n; i++) if (w[i] ~ /^(class|interface)$/) { cls = w[i+1]; break }
    sub(/<.*/, "", cls)
    print "class " cls
    print "  header " decl
    next
  }
  skip { next }
  /^    descriptor: / {
    d = $0; sub(/^    descriptor: /, "", d)
    if (pending == "") next
    if (d ~ /^\(/) {
      head = pending; sub(/\(.*/, "", head)
      m = split(head, w, " "); name = w[m]
      if (name == cls) name = "<init>"
    } else {
      head = pending; sub(/ = .*/, "", head)
      m = split(head, w, " "); name = w[m] ":"
    }
    print "  " name d " | " pending
    pending = ""
    next
  }
  /^  / {
    pending = clean($0)
    if (pending == "static {}") pending = ""
    next
  }
'
