#!/bin/sh
# Builds and runs a libFuzzer target for a parser of PostfixConfig, the
# audit and apply pipelines of PostfixHardening (Check), or SMTPProbe (the TLS
# and DER harnesses).
#
#   Fuzz/run.sh TARGET SECONDS [extra libFuzzer options...]
#
# TARGET names the harness Fuzz/<TARGET>Fuzz.swift (for example MainCF). The
# harness is compiled together with every source of the PostfixConfig library
# (as one module, so it can use internal API) with -sanitize=fuzzer,address into
# Fuzz/bin/<TARGET>Fuzz, then run for SECONDS seconds. The corpus lives in
# Fuzz/corpus-<TARGET>/ (seeded from Tests/PostfixConfigTests/Fixtures/<target>
# where that exists); crashes are written as Fuzz/crash-*.
set -eu

if [ $# -lt 2 ]; then
  echo "usage: $0 TARGET SECONDS [libFuzzer options...]" >&2
  exit 64
fi
target=$1
seconds=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
harness="$here/${target}Fuzz.swift"
if [ ! -f "$harness" ]; then
  echo "$0: no harness $harness" >&2
  exit 64
fi

case "$target" in
  TLS | DER) module=SMTPProbe ;;
  Check) module=PostfixHardening ;;
  *) module=PostfixConfig ;;
esac
mkdir -p "$here/bin"
binary="$here/bin/${target}Fuzz"
if [ "$module" = PostfixHardening ]; then
  # PostfixHardening imports PostfixConfig: build that as a module first.
  modules="$here/bin/modules"
  mkdir -p "$modules"
  # shellcheck disable=SC2046
  swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name pfharden -module-name PostfixConfig \
    -emit-module -emit-module-path "$modules/PostfixConfig.swiftmodule" \
    -emit-library -static -o "$modules/libPostfixConfig.a" \
    $(find "$root/Sources/PostfixConfig" -name '*.swift' | sort)
  # shellcheck disable=SC2046
  swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name pfharden -module-name "$module" \
    -I "$modules" -L "$modules" -lPostfixConfig \
    -o "$binary" "$harness" $(find "$root/Sources/$module" -name '*.swift' | sort)
else
  # shellcheck disable=SC2046
  swiftc -sanitize=fuzzer,address -parse-as-library -O -package-name pfharden -module-name "$module" \
    -o "$binary" "$harness" $(find "$root/Sources/$module" -name '*.swift' | sort)
fi

corpus="$here/corpus-$target"
mkdir -p "$corpus"
lower=$(echo "$target" | tr '[:upper:]' '[:lower:]')
seeds="$root/Tests/${module}Tests/Fixtures/$lower"
if [ -d "$seeds" ] && [ -z "$(ls -A "$corpus")" ]; then
  # Small fixture files only; the fuzzer grows its own corpus from there.
  find "$seeds" -type f -size -16k | while read -r file; do
    cp "$file" "$corpus/$(echo "$file" | cksum | cut -d' ' -f1)"
  done
fi

if [ "$target" = Check ] && [ -z "$(ls -A "$corpus")" ]; then
  # Real configurations: main.cf, a NUL, master.cf.
  for dir in "$root"/Tests/PostfixHardeningTests/Fixtures/corpus/*/; do
    [ -f "$dir/main.cf" ] || continue
    seed="$corpus/$(basename "$dir")"
    cat "$dir/main.cf" > "$seed"
    if [ -f "$dir/master.cf" ]; then
      printf '\000' >> "$seed"
      cat "$dir/master.cf" >> "$seed"
    fi
  done
fi

cd "$here"
exec "$binary" -max_total_time="$seconds" -print_final_stats=1 "$@" "$corpus"
