#!/usr/bin/env python3
"""The benchmark's pandas baseline (issue 18): what an analyst's script does.

Reads the employee file with pandas (its C parser) and writes, for every
row, the weighted quarterly KPI score of each quarter: the sum of
weight x score / 100 over the position's items, vectorised, in floating
point. Like bench/python_kpi.py it decides nothing, checks nothing and does
not rank, so it does a small part of `ladder evaluate`'s work.

    ladder show --format json > scheme.json
    python3 bench/pandas_kpi.py scheme.json employees.csv > kpi.csv
"""
import json
import re
import sys

import pandas as pd


def main():
    scheme_path, employees_path = sys.argv[1], sys.argv[2]
    with open(scheme_path, encoding="utf-8") as f:
        scheme = json.load(f)
    score_column = re.compile(r"^(\d{4}Q[1-4])\.(.+)$")
    header = pd.read_csv(employees_path, nrows=0, encoding="utf-8-sig").columns
    quarters = {}
    for name in header:
        m = score_column.match(name)
        if m:
            quarters.setdefault(m.group(1), []).append((m.group(2), name))
    score_names = [c for q in quarters.values() for _, c in q]
    # Scores as text (a cell may carry a trailing %), everything else skipped.
    frame = pd.read_csv(
        employees_path,
        usecols=["id", "position"] + score_names,
        dtype=str,
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    position = frame["position"].str.strip()
    out = pd.DataFrame({"id": frame["id"]})
    for q in sorted(quarters):
        total = pd.Series(0.0, index=frame.index)
        seen = pd.Series(False, index=frame.index)
        for item, column in quarters[q]:
            text = frame[column].str.strip().str.rstrip("%")
            value = pd.to_numeric(text, errors="coerce")
            # The item's weight in each row's position (0 where it is not one of its items).
            weight = pd.Series(0.0, index=frame.index)
            for p in scheme["positions"]:
                w = {k["id"]: float(k["weight"]) for k in p["kpis"]}.get(item)
                if w is not None:
                    weight[(position == p["id"]) | (position == p["title"])] = w
            counted = value.notna() & (weight > 0)
            total += (weight * value).where(counted, 0.0)
            seen |= counted
        out[q] = (total / 100).round(2).where(seen)
    out.to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
