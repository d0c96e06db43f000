#!/usr/bin/env python3
"""Differential test: the Rust `ladder` binary against ladder_ref.py.

    python3 tests/reference/compare.py --ladder-bin target/debug/ladder --cases 200 [--seed S] [--jobs N]

Generates N cases with gen_cases.py (seeds S, S+1, ...), runs

    ladder evaluate --ladder DIR/scheme.yaml --as-of DATE --format ndjson DIR/employees.csv

and the reference on each (and both again with --placement), and compares every row: id, status, position,
sequence, grade, recommended_grade, next_grade, eligible_on, alternatives,
every figure (exactly, as decimals) and whether unmet/errors are empty.
When the case has DIR/scores.csv it is passed with --scores to both; when it
has DIR/scheme.d/ (the scheme split over several files) the binary is also
run with --ladder DIR/scheme.d and must give the same results.
Differences are printed with the case directory, which is kept; exit 1 if
any. Exit code 3 of the binary (some rows are errors) is normal; any other
non-zero exit (1: scheme or input rejected) is a difference.

--shrink reduces the first differing case to the fewest employee rows that
still show a difference on the same id, and writes it to DIR/min/.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import gen_cases  # noqa: E402
import ladder_ref  # noqa: E402

FIGURES = ("kpi", "kpi_quarters", "competency", "competency_halves", "competency_pct",
           "composite", "rank_pct", "rank", "cohort_size")
EXACT = ("id", "name", "status", "position", "sequence", "grade", "band", "calibrated_band", "recommended_grade",
         "next_grade", "eligible_on", "alternatives", "quota_position")


def scores_file(case):
    path = os.path.join(case, "scores.csv")
    return path if os.path.exists(path) else None


def run_rust(binary, case, as_of, ladder=None, placement=False):
    cmd = [binary, "evaluate", "--ladder", ladder or os.path.join(case, "scheme.yaml"),
           "--as-of", as_of, "--format", "ndjson"] + (["--placement"] if placement else [])
    if scores_file(case):
        cmd += ["--scores", scores_file(case)]
    cmd.append(os.path.join(case, "employees.csv"))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if p.returncode not in (0, 3):
        return None, f"exit {p.returncode}: {' '.join(cmd)}\n{p.stderr.strip()}"
    try:
        rows = [json.loads(line, parse_float=Decimal, parse_int=Decimal)
                for line in p.stdout.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        return None, f"ndjson does not parse ({exc}): {' '.join(cmd)}"
    return rows, None


def run_ref(case, as_of, placement=False):
    with open(os.devnull, "w") as quiet, contextlib.redirect_stderr(quiet):  # unknown-id warnings
        results = ladder_ref.run(os.path.join(case, "scheme.yaml"), ladder_ref.parse_date(as_of),
                                 os.path.join(case, "employees.csv"), scores_file(case), placement)
    return [json.loads(ladder_ref.to_json_line(r), parse_float=Decimal, parse_int=Decimal)
            for r in results]


def norm(field, v):
    if field in ("sequence", "grade", "position") and v == "":
        return None
    return v


def diff_rows(rust, ref):
    """[(row number, id, field, rust value, ref value)]"""
    out = []
    if len(rust) != len(ref):
        out.append((0, "-", "row count", len(rust), len(ref)))
    for n, (a, b) in enumerate(zip(rust, ref), start=1):
        rid = b.get("id")
        for f in EXACT + FIGURES:
            va, vb = norm(f, a.get(f)), norm(f, b.get(f))
            if f in FIGURES and va is not None and not isinstance(va, Decimal):
                out.append((n, rid, f, f"{va!r} (not a JSON number)", vb))
            elif va != vb:
                out.append((n, rid, f, va, vb))
        # The quota lines of unmet (SPEC §8.4) are compared word for word.
        qa = [u for u in a.get("unmet") or [] if u.startswith("quota for ")]
        qb = [u for u in b.get("unmet") or [] if u.startswith("quota for ")]
        if qa != qb:
            out.append((n, rid, "unmet (quota lines)", qa, qb))
        for f in ("unmet", "errors"):
            ea, eb = bool(a.get(f)), bool(b.get(f))
            if ea != eb:
                out.append((n, rid, f + " non-empty", a.get(f), b.get(f)))
    return out


def show(v):
    if isinstance(v, Decimal):
        return str(v)
    return json.dumps(v, ensure_ascii=False, default=str)


def compare_case(binary, case, as_of):
    rust, problem = run_rust(binary, case, as_of)
    if problem:
        return None, problem
    diffs = diff_rows(rust, run_ref(case, as_of))
    scheme_dir = os.path.join(case, "scheme.d")
    if os.path.isdir(scheme_dir):  # the same scheme split over a directory: same results
        split, problem = run_rust(binary, case, as_of, ladder=scheme_dir)
        if problem:
            return None, "with --ladder scheme.d: " + problem
        diffs += [(n, rid, f"{f} [scheme.d vs scheme.yaml]", a, b)
                  for n, rid, f, a, b in diff_rows(split, rust)]
    # The same case placed (SPEC §8.3, `--placement`): the grade cells unread,
    # the tenure from the scheme's `placement:` (gen_cases draws it).
    placed, problem = run_rust(binary, case, as_of, placement=True)
    if problem:
        return None, "with --placement: " + problem
    diffs += [(n, rid, f"{f} [--placement]", a, b)
              for n, rid, f, a, b in diff_rows(placed, run_ref(case, as_of, placement=True))]
    return diffs, None


def generate_and_compare(job):
    """One case: generated from its seed, then compared (run in a worker with --jobs)."""
    binary, root, seed = job
    case = os.path.join(root, f"case-{seed}")
    as_of = gen_cases.generate(seed, case)
    diffs, problem = compare_case(binary, case, as_of)
    return seed, case, as_of, diffs, problem


def shrink(binary, case, as_of, row_id):
    """Fewest rows of the case's CSV that still differ on `row_id` (greedy, by halves)."""
    src = os.path.join(case, "employees.csv")
    with open(src, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    min_dir = os.path.join(case, "min")
    os.makedirs(min_dir, exist_ok=True)
    for name in ("scheme.yaml", "as_of.txt", "scores.csv"):
        if os.path.exists(os.path.join(case, name)):
            shutil.copy(os.path.join(case, name), min_dir)
    trial = os.path.join(min_dir, "employees.csv")

    def still_differs(subset):
        with open(trial, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows([header] + subset)
        diffs, problem = compare_case(binary, min_dir, as_of)
        return bool(problem) or any(d[1] == row_id or d[0] == 0 for d in diffs or [])

    keep = body
    chunk = max(1, len(keep) // 2)
    while chunk >= 1:
        i, changed = 0, False
        while i < len(keep):
            cand = keep[:i] + keep[i + chunk:]
            if any(row_id in (c.strip() for c in r) for r in cand) and still_differs(cand):
                keep, changed = cand, True
            else:
                i += chunk
        if not changed:
            chunk //= 2
    still_differs(keep)
    return min_dir, len(keep)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ladder-bin", required=True)
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="where to write the cases (default: a new temp dir)")
    ap.add_argument("--max-diffs", type=int, default=20, help="differences to print")
    ap.add_argument("--shrink", action="store_true", help="minimise the first differing case")
    ap.add_argument("--keep-going", action="store_true", help="do not stop at the first differing case")
    ap.add_argument("--jobs", type=int, default=1, help="cases compared at once (worker processes)")
    a = ap.parse_args()
    binary = os.path.abspath(a.ladder_bin)
    if not os.access(binary, os.X_OK):
        print(f"compare: {binary} is not an executable", file=sys.stderr)
        return 2
    root = a.out or tempfile.mkdtemp(prefix="ladder-compare-")
    os.makedirs(root, exist_ok=True)
    snapshot = os.path.join(root, "ladder-under-test")  # immune to a rebuild during the run
    shutil.copy2(binary, snapshot)
    binary = snapshot
    total_rows, printed, bad_cases = 0, 0, []
    seeds = range(a.seed, a.seed + a.cases)
    jobs = [(binary, root, seed) for seed in seeds]
    # With --jobs N the cases are compared N at a time and reported in seed
    # order, exactly as one at a time; a stop ends the workers still running.
    pool = multiprocessing.Pool(a.jobs) if a.jobs > 1 else None
    results = pool.imap(generate_and_compare, jobs) if pool else map(generate_and_compare, jobs)
    for seed, case, as_of, diffs, problem in results:
        if problem:
            bad_cases.append(case)
            print(f"DIFF {case} (seed {seed}, as-of {as_of}): the binary failed\n  {problem}")
            printed += 1
        elif diffs:
            bad_cases.append(case)
            print(f"DIFF {case} (seed {seed}, as-of {as_of}): {len(diffs)} difference(s)")
            for n, rid, f, va, vb in diffs[:max(1, a.max_diffs - printed)]:
                print(f"  row {n} id {rid}: {f}: rust {show(va)} / ref {show(vb)}")
            printed += len(diffs)
            if a.shrink and len(bad_cases) == 1:
                min_dir, kept = shrink(binary, case, as_of, diffs[0][1])
                print(f"  shrunk to {kept} row(s): {min_dir}")
        else:
            with open(os.path.join(case, "employees.csv"), encoding="utf-8-sig") as fh:
                total_rows += sum(1 for _ in fh) - 1
            if not a.out:
                shutil.rmtree(case)
        if bad_cases and not a.keep_going:
            break
        if printed >= a.max_diffs and not a.keep_going:
            break
    if pool:
        pool.terminate()
        pool.join()
    if bad_cases:
        print(f"{len(bad_cases)} case(s) differ; kept in {root}")
        return 1
    if not a.out:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{a.cases} cases, {total_rows} rows agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
