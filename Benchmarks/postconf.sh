#!/usr/bin/env bash
# Times `pfharden postconf -n -x` against the installed `postconf -n -x` on
# generated main.cf files of about 10 KB, 1 MB and 10 MB, plus the library's
# parse+serialise alone, and prints ratios from this one run: the two
# programs run in turn, each best of ROUNDS, so both meet the same load on
# the machine. Peak memory is the maximum resident set size reported by
# /usr/bin/time. pfharden formats long listings on two threads; postconf uses
# one. pfharden is built as it is installed on a mail server: a release build
# with the Swift runtime linked in (README, "Installing"), in its own build
# directory.
#
# Usage: Benchmarks/postconf.sh [ROUNDS]   (run from the package root)
set -euo pipefail
rounds=${1:-5}
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

static=(-c release --static-swift-stdlib --scratch-path "$root/.build/static"
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors)
swift build "${static[@]}" --product pfharden >/dev/null
bin=$(swift build "${static[@]}" --show-bin-path)/pfharden
swiftc -O -parse-as-library -module-name ParseBench -o "$work/parsebench" \
  $(find "$root/Sources/PostfixConfig" -name '*.swift') "$root/Benchmarks/ParseBench/main.swift" \
  2>/dev/null || swiftc -O -module-name ParseBench -o "$work/parsebench" \
  $(find "$root/Sources/PostfixConfig" -name '*.swift') "$root/Benchmarks/ParseBench/main.swift"
cp "$root/Examples/debian/master.cf" "$work/master.cf.proto"

# Best wall times in seconds of $rounds runs of each of two commands, run in
# turn (A, B, A, B, ...) so that both meet the same load on the machine.
# Usage: best_pair -- A... -- B...
best_pair() {
  python3 - "$rounds" "$@" <<'PY'
import subprocess, sys, time
rounds = int(sys.argv[1]); args = sys.argv[2:]
split = args.index("--", 1)
commands = [args[1:split], args[split + 1:]]
best = [float("inf")] * 2
for _ in range(rounds):
    for which, cmd in enumerate(commands):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        best[which] = min(best[which], time.perf_counter() - t)
print("%.6f %.6f" % tuple(best))
PY
}

peak_kb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n 1; }

printf '%-8s %12s %12s %8s %12s %10s %12s %12s\n' size postconf_s pfharden_s ratio parse_MB/s pf_peak_KB empty_peak_KB peak/size
for size in 10000 1000000 10000000; do
  dir="$work/conf-$size"
  mkdir -p "$dir"
  python3 "$root/Benchmarks/generate-maincf.py" "$size" "$dir/main.cf"
  cp "$work/master.cf.proto" "$dir/master.cf"
  touch -d 2020-01-01 "$dir/main.cf" "$dir/master.cf"
  actual=$(stat -c %s "$dir/main.cf")
  cmp <(postconf -c "$dir" -n -x 2>&1) <("$bin" postconf -c "$dir" -n -x 2>&1 | sed 's/^pfharden postconf: /postconf: /') \
    || echo "warning: outputs differ for size $size" >&2
  read -r real ours < <(best_pair -- postconf -c "$dir" -n -x -- "$bin" postconf -c "$dir" -n -x)
  parse=$("$work/parsebench" "$dir/main.cf" "$rounds")
  peak=$(peak_kb "$bin" postconf -c "$dir" -n -x)
  mkdir -p "$work/empty"; : > "$work/empty/main.cf"; cp "$work/master.cf.proto" "$work/empty/master.cf"
  touch -d 2020-01-01 "$work/empty/main.cf"
  empty=$(peak_kb "$bin" postconf -c "$work/empty" -n -x)
  echo "$actual $real $ours" >> "$work/times"
  python3 - "$actual" "$real" "$ours" "$parse" "$peak" "$empty" <<'PY'
import sys
size, real, ours, parse, peak, empty = sys.argv[1:]
size = int(size); real = float(real); ours = float(ours); parse = float(parse)
peak = int(peak); empty = int(empty)
# Below a megabyte the difference is within the noise of the empty run.
ratio = "%11.2fx" % ((peak - empty) * 1024 / size) if size >= 1000000 else "%12s" % "-"
print("%-8d %12.4f %12.4f %7.2fx %12.1f %10d %12d %s" % (
    size, real, ours, real / ours, size / parse / 1e6, peak, empty, ratio))
PY
done
python3 - "$work/times" <<'PY'
import sys
rows = [list(map(float, line.split())) for line in open(sys.argv[1])]
(s1, r1, o1), (s2, r2, o2) = rows[-2], rows[-1]
print("marginal 1 MB -> 10 MB: postconf %.1f MB/s, pfharden %.1f MB/s, ratio %.2fx" % (
    (s2 - s1) / (r2 - r1) / 1e6, (s2 - s1) / (o2 - o1) / 1e6, (r2 - r1) / (o2 - o1)))
PY
echo "ratio = postconf time / pfharden time (higher is better; target >= 5 on large files)"
echo "marginal = the same for the extra 9 MB (start-up costs of both programs cancel out)"
echo "peak/size = (pfharden peak RSS - peak RSS on an empty main.cf) / file size (target < 3)"
