#!/usr/bin/env bash
# The evaluation benchmark (issues 5 and 18). For each scheme and size it
# generates a file (examples/gen.rs), then times, on the same file, side by side:
#   - floor_b: reading every record as a csv `ByteRecord`, every field touched,
#     nothing else (examples/parse_only.rs): the floor the targets are against;
#   - floor_s: the same with `StringRecord` (which checks UTF-8), for reference;
#   - `ladder evaluate --format csv --output FILE` and `--format ndjson`;
#   - a plain Python script (bench/python_kpi.py, csv module, floats) that
#     only computes the weighted quarterly KPI scores, when python3 is there;
#   - the same in pandas (bench/pandas_kpi.py, vectorised), when pandas is
#     installed (`pip install pandas`; "nan" otherwise);
#   - `ladder explain` and `ladder what-if` of one employee (the middle row;
#     what-if sets one of their last quarter's scores to 100);
# with the peak memory (max RSS) of each, and prints the ratios. The load
# average is printed with each row: on a shared machine, read times beside it.
#
#   bench/run.sh                 # 100000 and 1000000 employees, both schemes
#   bench/run.sh 10000 100000    # other sizes
#   RUNS=3 bench/run.sh          # best of 3 (default 1)
#   SCHEMES=telecom-after-sales bench/run.sh   # one scheme (name or path)
#   SCHEMES=telecom-after-sales+quotas bench/run.sh
#     # the built-in scheme with two quotas added ({grade: T4, max: 100},
#     # {grade: M3, max_pct: 5}), made under $BENCH_DIR: every command then
#     # allocates a queue (SPEC §8.4); the file is the built-in scheme's
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-100000 1000000}
runs=${RUNS:-1}
schemes=${SCHEMES:-telecom-after-sales bench/wide-scheme}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
cargo build --release --quiet --bin ladder --example gen --example parse_only
ladder=target/release/ladder

# Prints "seconds peak_kb" of the best of $runs runs. Before each run (not
# timed) the last run's reports are deleted and dirty pages written back, so
# that a run does not pay for freeing, or writing back, the one before's
# output (hundreds of MB: on this VM that made runs vary by half a second).
measure() {
  local best="" line
  for _ in $(seq "$runs"); do
    rm -f "$dir"/out-*.csv "$dir"/out-*.ndjson
    sync
    line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1)
    if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN{exit !(a<b)}'; then best=$line; fi
  done
  echo "$best"
}

load() { cut -d' ' -f1 /proc/loadavg; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(date -u +%FT%TZ)"
python=$(command -v python3 || true)
pandas=""
if [ -n "$python" ] && "$python" -c 'import pandas' 2>/dev/null; then pandas=$python; fi
for scheme in $schemes; do
  tag=$(basename "$scheme")
  if [ "$scheme" = telecom-after-sales+quotas ]; then
    # Made from the built-in scheme, not kept in bench/: a copy would drift from it.
    rm -rf "$dir/quota-scheme"
    cp -r ladders/telecom-after-sales "$dir/quota-scheme"
    printf 'quotas:\n  - {grade: T4, max: 100}\n  - {grade: M3, max_pct: 5}\n' >> "$dir/quota-scheme/scheme.yaml"
    scheme=$dir/quota-scheme
    tag=telecom-after-sales # the same columns: the same file
  fi
  "$ladder" show -l "$scheme" --format json > "$dir/scheme-$tag.json"
  echo
  echo "scheme: $scheme"
  printf '%-9s %7s %7s %7s %7s %7s %8s %8s %7s %8s %7s %7s %7s %7s %7s %8s %8s %6s\n' \
    employees file_MB floor_b floor_s csv_s ndjs_s python_s pandas_s peak_MB csv/flb ndj/flb py/csv pd/csv pk/file expl_s expl_MB whatif_s whif_MB
  declare -A csv_time=()
  for n in $sizes; do
    file="$dir/$tag-$n.csv"
    [ -s "$file" ] || target/release/examples/gen --scheme "$scheme" --employees "$n" --seed 7 > "$file"
    size_kb=$(( $(stat -c %s "$file") / 1024 ))
    load_before=$(load)
    read -r floor_b _ <<<"$(measure target/release/examples/parse_only "$file")"
    read -r floor_s _ <<<"$(measure target/release/examples/parse_only --string "$file")"
    read -r csv csv_kb <<<"$(measure "$ladder" evaluate -l "$scheme" --quiet --as-of 2026-12-31 --format csv --output "$dir/out-$n.csv" "$file")"
    read -r ndjson ndjson_kb <<<"$(measure sh -c "$ladder evaluate -l '$scheme' --quiet --as-of 2026-12-31 --format ndjson '$file' > '$dir/out-$n.ndjson'")"
    py=nan
    if [ -n "$python" ]; then
      read -r py _ <<<"$(measure sh -c "'$python' bench/python_kpi.py '$dir/scheme-$tag.json' '$file' > '$dir/python-$n.csv'")"
    fi
    pd=nan
    if [ -n "$pandas" ]; then
      read -r pd _ <<<"$(measure sh -c "'$pandas' bench/pandas_kpi.py '$dir/scheme-$tag.json' '$file' > '$dir/pandas-$n.csv'")"
    fi
    id=$(printf 'E%07d' $((n / 2)))
    score=$(head -1 "$file" | tr ',' '\n' | grep -m1 '^2026Q4\.')
    read -r explain explain_kb <<<"$(measure "$ladder" explain -l "$scheme" --as-of 2026-12-31 --format json "$id" "$file")"
    read -r whatif whatif_kb <<<"$(measure "$ladder" what-if -l "$scheme" --as-of 2026-12-31 --format json --set "$score=100" "$id" "$file")"
    peak_kb=$(( csv_kb > ndjson_kb ? csv_kb : ndjson_kb ))
    csv_time[$n]=$csv
    awk -v n="$n" -v f="$size_kb" -v fb="$floor_b" -v fs="$floor_s" -v c="$csv" -v j="$ndjson" -v y="$py" -v d="$pd" -v p="$peak_kb" \
      -v e="$explain" -v ek="$explain_kb" -v w="$whatif" -v wk="$whatif_kb" -v l0="$load_before" -v l1="$(load)" 'BEGIN{
      printf "%-9s %7.1f %7.2f %7.2f %7.2f %7.2f %8.2f %8.2f %7.1f %7.2f %8.2f %7.2f %7.2f %7.3f %7.2f %7.1f %8.2f %8.1f  load %s→%s\n",
        n, f/1024, fb, fs, c, j, y, d, p/1024, c/fb, j/fb, y/c, d/c, p/f, e, ek/1024, w, wk/1024, l0, l1 }'
  done
  set -- $sizes
  if [ $# -ge 2 ]; then
    first=$1; last=${!#}
    awk -v a="${csv_time[$first]}" -v b="${csv_time[$last]}" -v x="$first" -v y="$last" \
      'BEGIN{ printf "growth: %s employees cost %.2fx what %s cost (linear: %.0fx)\n", y, b/a, x, y/x }'
  fi
  unset csv_time
done
