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
    # pandas' C parser reads the score columns as numbers; a column with a
    # cell such as `95%` comes as text and is converted here.
    frame = pd.read_csv(employees_path, usecols=["id", "position"] + score_names, encoding="utf-8-sig")
    # A category: mapping its few values to weights is one lookup per value, not per row.
    position = frame["position"].astype(str).str.strip().astype("category")
    out = pd.DataFrame({"id": frame["id"]})
    for q in sorted(quarters):
        total = pd.Series(0.0, index=frame.index)
        seen = pd.Series(False, index=frame.index)
        for item, column in quarters[q]:
            value = frame[column]
            if value.dtype == object:
                value = pd.to_numeric(value.str.strip().str.rstrip("%"), errors="coerce")
            # The item's weight in each row's position (NaN where it is not one of its items).
            weights = {}
            for p in scheme["positions"]:
                for k in p["kpis"]:
                    if k["id"] == item:
                        weights[p["id"]] = weights[p["title"]] = float(k["weight"])
            weight = position.map(weights).astype(float)
            counted = value.notna() & weight.notna()
            total += (weight * value).where(counted, 0.0)
            seen |= counted
        out[q] = (total / 100).round(2).where(seen)
    out.to_csv(sys.stdout, index=False)


if __name__ == "__main__":
    main()
