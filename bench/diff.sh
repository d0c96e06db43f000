#!/usr/bin/env bash
# The `ladder diff` benchmark (issue 17 item 5: "diff of two 1M-row results
# within a few times the time to read both"). For each size it generates a
# staff file, evaluates it twice — with the built-in scheme and with a copy
# whose T2 months-in-grade threshold is 6 → 3 and band B 80 → 82 — into csv, ndjson and json,
# and times, with peak memory (max RSS):
#   - the floor: reading both csv results with the csv crate and nothing else
#     (examples/parse_only, as bench/run.sh uses for evaluate);
#   - `ladder diff` csv/csv, ndjson/ndjson, json/json (same order: the side
#     by side walk, nothing kept) and json against a shuffled ndjson (ids out
#     of order: the map fallback, the worst case for memory);
# and prints each time over the floor, with the 1-minute load average
# before each run (the machine may be shared).
#
#   bench/diff.sh                    # 1000000 employees
#   bench/diff.sh 10000 100000       # other sizes
#   PROFILE=debug bench/diff.sh 2000 # a smoke run of the script itself (times mean nothing)
#   LADDER=/tmp/ladder-old bench/diff.sh  # time another build of `ladder diff` (before/after)
#
# The results files are made once per size and kept (FRESH=1 remakes them);
# each run also reports its CPU time (user + system seconds), which the load
# of a shared machine disturbs less than the wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1000000}
profile=${PROFILE:-release}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
if [ "$profile" = release ]; then
  [ -n "${LADDER:-}" ] && [ -x target/release/examples/gen ] && [ -x target/release/examples/parse_only ] && [ -x target/release/ladder ] || cargo build --release --quiet --bin ladder --example gen --example parse_only
else
  cargo build --quiet --bin ladder --example gen --example parse_only
fi
bin=target/$profile
ladder=${LADDER:-$bin/ladder}

# "seconds peak_kb load1 cpu_s" of one run, its stdout discarded (load1: the
# 1-minute load average just before it; cpu_s: user + system seconds).
measure() {
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %M %U %S" -o "$dir/time.txt" "$@" >/dev/null 2>&1 || true
  tail -1 "$dir/time.txt" | awk -v l="$load" '{ printf "%s %s %s %.2f\n", $1, $2, l, $3 + $4 }'
}

scheme="$dir/diff-scheme"
rm -rf "$scheme" && cp -r ladders/telecom-after-sales "$scheme"
sed -i 's/{fact: months_in_grade, min: 6}/{fact: months_in_grade, min: 3}/' "$scheme/technical.yaml"
# and band B from 80 to 82, so that a share of any generated staff moves.
sed -i 's/{id: B, title: 良好, min: 80}/{id: B, title: 良好, min: 82}/' "$scheme/scheme.yaml"
grep -q 'min: 82}' "$scheme/scheme.yaml"

echo "ladder: $ladder"
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), profile $profile, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
printf '%-9s %8s %8s %9s %9s %9s %9s %8s %8s\n' employees json_MB floor_s csv_s ndjson_s json_s shuffled_s peak_MB worst/flr
for n in $sizes; do
  file="$dir/employees-$n.csv"
  [ -s "$file" ] || "$bin/examples/gen" --employees "$n" --seed 7 > "$file"
  for fmt in csv ndjson json; do
    if [ -n "${FRESH:-}" ] || [ ! -s "$dir/new-$n.$fmt" ]; then
      "$bin/ladder" evaluate --quiet --as-of 2026-12-31 --format "$fmt" --output "$dir/old-$n.$fmt" "$file" || [ $? -eq 3 ]
      "$bin/ladder" evaluate --quiet --as-of 2026-12-31 --ladder "$scheme" --format "$fmt" --output "$dir/new-$n.$fmt" "$file" || [ $? -eq 3 ]
    fi
  done
  [ -z "${FRESH:-}" ] && [ -s "$dir/new-$n-shuffled.ndjson" ] || shuf --random-source=<(yes) "$dir/new-$n.ndjson" > "$dir/new-$n-shuffled.ndjson"
  read -r f1 _ l1 u1 <<<"$(measure "$bin/examples/parse_only" "$dir/old-$n.csv")"
  read -r f2 _ l2 u2 <<<"$(measure "$bin/examples/parse_only" "$dir/new-$n.csv")"
  floor=$(awk -v a="$f1" -v b="$f2" 'BEGIN{print a+b}')
  read -r c c_kb cl cu <<<"$(measure "$ladder" diff --format csv "$dir/old-$n.csv" "$dir/new-$n.csv")"
  read -r j j_kb jl ju <<<"$(measure "$ladder" diff --format csv "$dir/old-$n.ndjson" "$dir/new-$n.ndjson")"
  read -r d d_kb dl du <<<"$(measure "$ladder" diff --format csv "$dir/old-$n.json" "$dir/new-$n.json")"
  read -r s s_kb sl su <<<"$(measure "$ladder" diff --format csv "$dir/old-$n.json" "$dir/new-$n-shuffled.ndjson")"
  json_kb=$(( $(stat -c %s "$dir/old-$n.json") / 1024 ))
  peak=$(printf '%s\n' "$c_kb" "$j_kb" "$d_kb" "$s_kb" | sort -n | tail -1)
  awk -v n="$n" -v m="$json_kb" -v fl="$floor" -v c="$c" -v j="$j" -v d="$d" -v s="$s" -v p="$peak" 'BEGIN{
    w = c; if (j > w) w = j; if (d > w) w = d; if (s > w) w = s;
    printf "%-9s %8.1f %8.2f %9.2f %9.2f %9.2f %9.2f %8.1f %8.2f\n", n, m/1024, fl, c, j, d, s, p/1024, (fl > 0 ? w/fl : 0) }'
  echo "  peak MB by run: csv $((c_kb/1024)), ndjson $((j_kb/1024)), json $((d_kb/1024)), shuffled $((s_kb/1024))"
  echo "  load average before each run: floor $l1 $l2, csv $cl, ndjson $jl, json $dl, shuffled $sl"
  echo "  cpu s (user+sys): floor $u1 + $u2, csv $cu, ndjson $ju, json $du, shuffled $su"
  # How many results the scheme change moved (the diff is not empty).
  echo "  changed: $("$ladder" diff --format csv "$dir/old-$n.csv" "$dir/new-$n.csv" 2>/dev/null | cut -d, -f1 | sort -u | wc -l) ids (with the header line)"
done
