#!/usr/bin/env bash
# The evaluation benchmark (issue 5). For each size it generates a file of
# the default scheme, then times, on the same file:
#   - the floor: reading every record with the csv crate and nothing else;
#   - `ladder evaluate --format csv --output FILE` and `--format ndjson`;
#   - a plain Python script (bench/python_kpi.py, csv module, floats) that
#     only computes the weighted quarterly KPI scores, when python3 is there;
# with the peak memory (max RSS) of each, and prints the ratios.
#
#   bench/run.sh                 # 100000 and 1000000 employees
#   bench/run.sh 10000 100000    # other sizes
#   RUNS=3 bench/run.sh          # best of 3 (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-100000 1000000}
runs=${RUNS:-1}
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

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m)"
"$ladder" show --format json > "$dir/scheme.json"
python=$(command -v python3 || true)
printf '%-9s %8s %9s %9s %9s %9s %9s %8s %8s %9s\n' employees file_MB floor_s csv_s ndjson_s python_s peak_MB csv/flr ndj/flr peak/file
declare -A csv_time
for n in $sizes; do
  file="$dir/employees-$n.csv"
  [ -s "$file" ] || target/release/examples/gen --employees "$n" --seed 7 > "$file"
  size_kb=$(( $(stat -c %s "$file") / 1024 ))
  read -r floor _ <<<"$(measure target/release/examples/parse_only "$file")"
  read -r csv csv_kb <<<"$(measure "$ladder" evaluate --quiet --as-of 2026-12-31 --format csv --output "$dir/out-$n.csv" "$file")"
  read -r ndjson ndjson_kb <<<"$(measure sh -c "$ladder evaluate --quiet --as-of 2026-12-31 --format ndjson '$file' > '$dir/out-$n.ndjson'")"
  py=nan
  if [ -n "$python" ]; then
    read -r py _ <<<"$(measure sh -c "'$python' bench/python_kpi.py '$dir/scheme.json' '$file' > '$dir/python-$n.csv'")"
  fi
  peak_kb=$(( csv_kb > ndjson_kb ? csv_kb : ndjson_kb ))
  csv_time[$n]=$csv
  awk -v n="$n" -v f="$size_kb" -v fl="$floor" -v c="$csv" -v j="$ndjson" -v y="$py" -v p="$peak_kb" 'BEGIN{
    printf "%-9s %8.1f %9.2f %9.2f %9.2f %9.2f %9.1f %8.2f %8.2f %9.3f\n", n, f/1024, fl, c, j, y, p/1024, c/fl, j/fl, p/f }'
done
set -- $sizes
if [ $# -ge 2 ]; then
  first=$1; last=${!#}
  awk -v a="${csv_time[$first]}" -v b="${csv_time[$last]}" -v x="$first" -v y="$last" \
    'BEGIN{ printf "growth: %s employees cost %.2fx what %s cost (linear: %.0fx)\n", y, b/a, x, y/x }'
fi
