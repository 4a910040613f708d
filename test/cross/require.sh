#!/bin/sh
# Exits with 77 (the tests' skip code) and says what is missing unless every
# PROGRAM is on PATH and FILE exists. Usage: require.sh FILE PROGRAM...
file=$1
shift
for p in "$@"; do
  if ! command -v "$p" >/dev/null 2>&1; then
    echo "SKIPPED: $p is not installed (Debian: gcc-aarch64-linux-gnu," \
         "qemu-user)"
    exit 77
  fi
done
if [ ! -f "$file" ]; then
  echo "SKIPPED: $file is not built (re-run cmake after installing the" \
       "cross compiler)"
  exit 77
fi
exit 0
