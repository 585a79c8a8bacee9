#!/usr/bin/env bash
# Converts the DocC catalogue of each library (PostfixConfig, PostfixHardening,
# SMTPProbe) over its symbol graph, with every warning an error: a broken
# ``link`` in a doc comment or an article fails.
#
# The symbol graphs are extracted from the modules of an ordinary debug build
# (`swift build --build-tests`, the build `swift test` then reuses), so the
# check adds no second compilation. Usage:
#
#   Scripts/docs-check.sh [SCRATCH]     (default: .build)
#
# The archives are written to a temporary directory and removed; set
# PFHARDEN_DOCS_OUTPUT=DIR to keep them there.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="${1:-.build}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
output="${PFHARDEN_DOCS_OUTPUT:-$work/archives}"
mkdir -p "$output"

swift build --build-tests --scratch-path "$scratch"
modules="$(swift build --scratch-path "$scratch" --show-bin-path)/Modules"
triple="$(swiftc -print-target-info | sed -n 's/^ *"triple": "\(.*\)",$/\1/p' | head -n 1)"

status=0
for library in PostfixConfig PostfixHardening SMTPProbe; do
  graphs="$work/graphs/$library"
  mkdir -p "$graphs"
  swift-symbolgraph-extract -module-name "$library" -I "$modules" -target "$triple" \
    -minimum-access-level public -emit-extension-block-symbols -output-dir "$graphs"
  echo "== docc convert $library"
  if ! docc convert "Sources/$library/$library.docc" \
    --additional-symbol-graph-dir "$graphs" \
    --fallback-display-name "$library" \
    --fallback-bundle-identifier "org.pfharden.$library" \
    --output-path "$output/$library.doccarchive" \
    --warnings-as-errors; then
    status=1
  fi
done
exit "$status"
