#!/usr/bin/env bash
# Behaviour must not move (issue 15): runs a baseline binary and a new one on
# the same inputs and compares stdout, stderr and exit code byte for byte.
# Covers every shipped example in every format (and --lang zh), explain and
# what-if in text and json, show in every format, check, schema, error paths
# of the bad-input fixtures, and a generated file of N employees.
#
#   cargo build --release --locked && cp target/release/ladder /tmp/ladder-baseline   # once, before changing anything
#   bench/compare-outputs.sh                       # baseline /tmp/ladder-baseline vs target/release/ladder
#   BASE=old NEW=new EMPLOYEES=1000000 bench/compare-outputs.sh
#
# The git revision in `--version` and the html footer differs between two
# builds by design; it is replaced by REVISION in both outputs before comparing.
set -uo pipefail
cd "$(dirname "$0")/.."
base=${BASE:-/tmp/ladder-baseline}
new=${NEW:-target/release/ladder}
employees=${EMPLOYEES:-100000}
dir=${COMPARE_DIR:-target/compare}
mkdir -p "$dir"
if [ -z "${NEW:-}" ]; then cargo build --release --locked --quiet --bin ladder --example gen || exit 1; fi
big="$dir/employees-$employees.csv"
[ -s "$big" ] || target/release/examples/gen --employees "$employees" --seed 7 > "$big" || exit 1

revision() { "$1" --version | sed -n 's/.*(\(.*\)).*/\1/p'; }
base_rev=$(revision "$base")
new_rev=$(revision "$new")
cases=0
failed=0
stdin=/dev/null # what the next case reads on standard input

# run BINARY REVISION PREFIX ARGS...: stdout, stderr, exit code to PREFIX.{out,err,rc}
run() {
  local bin=$1 rev=$2 prefix=$3
  shift 3
  (cd "$dir/cwd-$(basename "$prefix")" && "$bin" "$@" <"$stdin" >"../$(basename "$prefix").out" 2>"../$(basename "$prefix").err"; echo $? >"../$(basename "$prefix").rc")
  sed -i "s/$rev/REVISION/g" "$prefix.out" "$prefix.err"
}

# check ARGS...: one case, run by both binaries from $dir/cwd-* (paths relative to the repository)
check() {
  cases=$((cases + 1))
  mkdir -p "$dir/cwd-base" "$dir/cwd-new"
  rm -f "$dir"/cwd-*/out.*
  run "$(realpath "$base")" "$base_rev" "$dir/base" "$@"
  run "$(realpath "$new")" "$new_rev" "$dir/new" "$@"
  local what
  for what in out err rc; do
    if ! cmp -s "$dir/base.$what" "$dir/new.$what"; then
      failed=$((failed + 1))
      echo "DIFFERS ($what): ladder $*"
      diff <(head -c 2000 "$dir/base.$what") <(head -c 2000 "$dir/new.$what") | head -10
      return
    fi
  done
  # a report written with --output
  for f in "$dir"/cwd-base/out.*; do
    [ -e "$f" ] || continue
    if ! cmp -s <(sed "s/$base_rev/REVISION/g" "$f") <(sed "s/$new_rev/REVISION/g" "$dir/cwd-new/$(basename "$f")"); then
      failed=$((failed + 1))
      echo "DIFFERS (--output file): ladder $*"
    fi
  done
}

r=$(pwd)
asof=(--as-of 2026-12-31)
telecom=("$r/examples/telecom-after-sales.csv" --scores "$r/examples/telecom-after-sales-scores.csv")
cs=(--ladder customer-service "$r/examples/customer-service.csv")
for format in table json ndjson csv html; do
  check evaluate "${asof[@]}" --format "$format" "${telecom[@]}"
  check evaluate "${asof[@]}" --format "$format" "${cs[@]}"
  check evaluate "${asof[@]}" --format "$format" --lang zh "${telecom[@]}"
  check evaluate "${asof[@]}" --format "$format" --lang zh "${cs[@]}"
  check evaluate "${asof[@]}" --format "$format" --quiet "$r/$big"
  check evaluate "${asof[@]}" --format "$format" --output "out.$format" "${telecom[@]}"
done
check evaluate "${asof[@]}" --format csv --output out.csv "$r/$big"
check evaluate "${asof[@]}" --format ndjson "$r/$big"
check evaluate "${asof[@]}" --header-row 1 --format csv "${telecom[@]}"
check evaluate "${asof[@]}" --header-row 2 --format csv "${telecom[@]}"
check evaluate "${asof[@]}" --format csv --output - "${telecom[@]}"
for d in "$dir"/cwd-base "$dir"/cwd-new; do mkdir -p "$d" && cp examples/customer-service.csv "$d/in.csv"; done
check evaluate "${asof[@]}" --ladder customer-service --format csv --output in.csv in.csv
check evaluate "${asof[@]}" --format csv --output "$r/examples" "${telecom[@]}"
check evaluate "${asof[@]}" --status promote,demote --format csv "${telecom[@]}"
check evaluate "${asof[@]}" --status error --format table "${cs[@]}"
stdin="$r/examples/customer-service.csv"
check evaluate "${asof[@]}" --ladder customer-service --format csv -
stdin=/dev/null
check evaluate "${asof[@]}" --encoding gbk --format csv "${telecom[@]}"
for id in E001 E003 E004 E015 E099; do
  for format in text json; do
    check explain "$id" "${asof[@]}" --format "$format" "${telecom[@]}"
    check what-if "$id" --set grade_date=2025-09-01 --set exam_passed=true "${asof[@]}" --format "$format" "${telecom[@]}"
    check what-if "$id" --set 2026Q4.standardization=99 --set education= "${asof[@]}" --format "$format" "${telecom[@]}"
  done
done
for id in C001 C007 C010; do
  for format in text json; do
    check explain "$id" "${asof[@]}" --format "$format" "${cs[@]}"
    check what-if "$id" --set mentored=3 "${asof[@]}" --format "$format" "${cs[@]}"
  done
done
# Under quotas (the review-cycle example): explain and what-if take the queue from evaluate's passes.
review=(--ladder "$r/examples/review-cycle" "$r/examples/review-cycle.csv")
for id in E008 E015 E016 E018 E023; do
  for format in text json; do
    check explain "$id" "${asof[@]}" --format "$format" "${review[@]}"
    check what-if "$id" --set 2026Q4=100 "${asof[@]}" --format "$format" "${review[@]}"
    check what-if "$id" --set grade_date=2015-01-01 --set exam_passed=是 "${asof[@]}" --format "$format" "${review[@]}"
  done
done
check what-if E003 --set nosuchkey=1 "${asof[@]}" "${telecom[@]}"
check what-if E003 --set grade_date=notadate "${asof[@]}" "${telecom[@]}"
check what-if E003 --set 2026Q4.standardization=200 "${asof[@]}" "${telecom[@]}"
for ladder in "" customer-service; do
  for format in table json mermaid dot; do
    check show --format "$format" ${ladder:+--ladder $ladder}
  done
  check check ${ladder:+--ladder $ladder}
done
check schema
check --version
check evaluate --sheet x "${asof[@]}" "${telecom[@]}"
check evaluate --as-of 2026-13-01 "${telecom[@]}"
check evaluate "${asof[@]}" "$r/no-such-file.csv"
check explain E003 --sheet x "${asof[@]}" "${telecom[@]}"
check evaluate "${asof[@]}" --ladder "$r/no-such-scheme.yaml" "${telecom[@]}"
for f in tests/fixtures/bad/records-*.csv; do
  check evaluate "${asof[@]}" --ladder "$r/tests/fixtures/bad/scheme.yaml" --format csv "$r/$f"
done
for f in tests/fixtures/bad/scheme-*; do
  check check --ladder "$r/$f"
done
echo "compared $cases cases: $failed differ"
[ "$failed" -eq 0 ]
