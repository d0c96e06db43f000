#!/usr/bin/env bash
# The review-cycle benchmark (issue 17 item 5): `evaluate` of a staff with
# quotas and a forced distribution on, beside the plain figures. For each
# size it takes bench/run.sh's file (examples/gen.rs, default scheme, seed
# 7), adds a `department` column (8 departments, spread by row number), and
# times on that one file, each with its peak memory (max RSS) and the load
# average of the machine just before it (the machine may be shared):
#   - the floor: reading every record with the csv crate and nothing else;
#   - plain: the built-in scheme (cohort [sequence, grade], no quota, no
#     distribution; the department column is read and ignored);
#   - distribution: examples/review-cycle without its quotas (cohort
#     [department, sequence], distribution 10/20/60/10, calibrated_band);
#   - review: examples/review-cycle whole (the same, and its quotas: a count,
#     a percentage per department, a cap shared by two grades), which adds
#     the quota pass (every row decided once more) to the run;
# all `--format csv --output FILE`, and prints each over the floor and over
# plain.
#
#   bench/review-cycle.sh                  # 1000000 employees
#   bench/review-cycle.sh 100000           # other sizes
#   RUNS=3 bench/review-cycle.sh           # best of 3 (default 1)
#   PROFILE=debug bench/review-cycle.sh 2000   # a smoke run of the script (times mean nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${*:-1000000}
runs=${RUNS:-1}
profile=${PROFILE:-release}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
if [ "$profile" = release ]; then
  cargo build --release --quiet --bin ladder --example gen --example parse_only
else
  cargo build --quiet --bin ladder --example gen --example parse_only
fi
bin=target/$profile
ladder=$bin/ladder

# "seconds peak_kb load1" of the best of $runs runs (load1: the 1-minute load
# average before that run). The last run's report is deleted and dirty pages
# written back before each run, untimed, as bench/run.sh does.
measure() {
  local best="" line load
  for _ in $(seq "$runs"); do
    rm -f "$dir"/review-out-*.csv
    sync
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(/usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1) || true
    if [ -z "$best" ] || awk -v a="${line% *}" -v b="${best% *}" 'BEGIN{exit !(a<b)}'; then best="$line $load"; fi
  done
  echo "$best"
}

# The example scheme without its quotas: the distribution's cost alone.
no_quotas="$dir/review-cycle-no-quotas"
rm -rf "$no_quotas" && cp -r examples/review-cycle "$no_quotas"
sed -i '/^quotas:/,$d' "$no_quotas/review.yaml"
grep -q '^distribution:' "$no_quotas/review.yaml"
if grep -q '^quotas:' "$no_quotas/review.yaml"; then echo "the quotas of $no_quotas were not removed" >&2; exit 1; fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m), profile $profile, $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD)"
printf '%-9s %8s %13s %13s %13s %13s %8s %8s %8s %8s\n' employees file_MB floor_s@load plain_s@load distr_s@load review_s@load peak_MB plain/flr review/flr review/plain
for n in $sizes; do
  plain_file="$dir/employees-$n.csv"
  [ -s "$plain_file" ] || "$bin/examples/gen" --employees "$n" --seed 7 > "$plain_file"
  file="$dir/review-employees-$n.csv"
  # The department first: 8 values, by row number (each cohort of sequence × department is large).
  [ -s "$file" ] || awk 'BEGIN{split("华东 华南 华北 华中 西南 西北 东北 总部", d, " ")} NR==1{print "department," $0; next} {print d[(NR%8)+1] "," $0}' "$plain_file" > "$file"
  size_kb=$(( $(stat -c %s "$file") / 1024 ))
  read -r floor _ floor_load <<<"$(measure "$bin/examples/parse_only" "$file")"
  run() { measure "$ladder" evaluate --quiet --as-of 2026-12-31 "$@" --format csv --output "$dir/review-out-$n.csv" "$file"; }
  read -r plain plain_kb plain_load <<<"$(run)"
  read -r distr distr_kb distr_load <<<"$(run --ladder "$no_quotas")"
  read -r review review_kb review_load <<<"$(run --ladder examples/review-cycle)"
  peak=$(printf '%s\n' "$plain_kb" "$distr_kb" "$review_kb" | sort -n | tail -1)
  awk -v n="$n" -v f="$size_kb" -v fl="$floor" -v fll="$floor_load" -v p="$plain" -v pl="$plain_load" -v d="$distr" -v dl="$distr_load" \
    -v r="$review" -v rl="$review_load" -v k="$peak" 'BEGIN{
    printf "%-9s %8.1f %7.2f@%-5s %7.2f@%-5s %7.2f@%-5s %7.2f@%-5s %8.1f %8.2f %8.2f %8.2f\n", n, f/1024, fl, fll, p, pl, d, dl, r, rl, k/1024, p/fl, r/fl, r/p }'
  echo "  peak MB by run: plain $((plain_kb/1024)), distribution $((distr_kb/1024)), review $((review_kb/1024))"
done
