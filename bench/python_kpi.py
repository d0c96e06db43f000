#!/usr/bin/env python3
"""The benchmark's plain-Python baseline (issue 5): what a quick script does.

Reads the employee file with the csv module and writes, for every row, the
weighted quarterly KPI score of each quarter (sum of weight x score / 100
over the position's items), in floating point. It decides nothing, checks
nothing and does not rank: it only shows what the simplest pass over the
same file costs in Python.

    ladder show --format json > scheme.json
    python3 bench/python_kpi.py scheme.json employees.csv > kpi.csv
"""
import csv
import json
import re
import sys


def main():
    scheme_path, employees_path = sys.argv[1], sys.argv[2]
    with open(scheme_path, encoding="utf-8") as f:
        scheme = json.load(f)
    # position id and title -> {item: weight}
    weights = {}
    for p in scheme["positions"]:
        w = {k["id"]: float(k["weight"]) for k in p["kpis"]}
        weights[p["id"]] = w
        weights[p["title"]] = w
    score_column = re.compile(r"^(\d{4}Q[1-4])\.(.+)$")
    with open(employees_path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        quarters = {}
        for name in reader.fieldnames:
            m = score_column.match(name)
            if m:
                quarters.setdefault(m.group(1), []).append((m.group(2), name))
        out = csv.writer(sys.stdout)
        out.writerow(["id"] + sorted(quarters))
        for row in reader:
            w = weights.get(row["position"].strip(), {})
            scores = []
            for q in sorted(quarters):
                total, seen = 0.0, False
                for item, column in quarters[q]:
                    if item in w and row[column].strip():
                        total += w[item] * float(row[column].rstrip("%"))
                        seen = True
                scores.append(round(total / 100, 2) if seen else "")
            out.writerow([row["id"]] + scores)


if __name__ == "__main__":
    main()
