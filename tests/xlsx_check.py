"""Checks an `evaluate --format xlsx` workbook against the json output of the
same run, with an independent reader (openpyxl): every field of every
result, cell by cell, and the workbook's presentation (number and date
formats, frozen header, filter, status colours, column widths).

Usage: python3 xlsx_check.py RESULTS.xlsx RESULTS.json
Exit 0 when everything agrees; 1 with every difference printed.
"""
import datetime
import json
import sys
import unicodedata
from decimal import Decimal

import openpyxl

DATE_FIELDS = {"eligible_on"}
FILLS = {"promote": "FFC6EFCE", "demote": "FFFFC7CE", "error": "FFFCE4D6"}


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def main(xlsx_path, json_path):
    doc = json.load(open(json_path, encoding="utf-8"), parse_float=Decimal)
    results = doc["results"]
    wb = openpyxl.load_workbook(xlsx_path)
    problems = []
    if wb.sheetnames != ["results", "summary", "meta"]:
        problems.append(f"sheets {wb.sheetnames}")
    ws = wb["results"]
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    fields = list(results[0].keys()) if results else header
    if header != fields:
        problems.append(f"header {header} != json fields {fields}")
    if len(rows) - 1 != len(results):
        problems.append(f"{len(rows) - 1} rows, json has {len(results)} results")
    if ws.freeze_panes != "A2":
        problems.append(f"freeze panes {ws.freeze_panes}")
    last_col = openpyxl.utils.get_column_letter(len(fields))
    if ws.auto_filter.ref != f"A1:{last_col}{max(len(rows), 1)}":
        problems.append(f"autofilter {ws.auto_filter.ref}")
    widths = {}
    for i, (cells, result) in enumerate(zip(rows[1:], results), start=2):
        for col, field in enumerate(fields):
            cell = cells[col] if col < len(cells) else None
            got = cell.value if cell is not None else None
            want = result[field]
            where = f"{cell.coordinate if cell is not None else field}{i} ({field})"
            if want is None or want == [] or want == "":
                if got not in (None, ""):
                    problems.append(f"{where}: {got!r}, json null/empty")
                continue
            if isinstance(want, list):
                want = "; ".join(want)
            if field in DATE_FIELDS:
                if not isinstance(got, datetime.datetime) or not cell.is_date:
                    problems.append(f"{where}: {got!r} is not a date cell ({want})")
                elif got.date().isoformat() != want:
                    problems.append(f"{where}: {got.date()} != {want}")
                continue
            if isinstance(want, (int, Decimal)) and not isinstance(want, bool):
                if not isinstance(got, (int, float)) or got != float(want):
                    problems.append(f"{where}: {got!r} != {want}")
                elif isinstance(want, Decimal) and want != want.to_integral_value() and cell.number_format != "0.00":
                    problems.append(f"{where}: number format {cell.number_format!r}, want 0.00")
                continue
            if got != want:
                problems.append(f"{where}: {got!r} != {want!r}")
            if field == "status":
                fill = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
                if fill != FILLS.get(want):
                    problems.append(f"{where}: fill {fill} for {want}, want {FILLS.get(want)}")
            if isinstance(got, str):
                widths[col] = max(widths.get(col, 0), min(display_width(got), 60))
    # Columns wide enough for their text, CJK counted twice.
    for col, w in widths.items():
        letter = openpyxl.utils.get_column_letter(col + 1)
        set_width = ws.column_dimensions[letter].width
        if set_width is None or set_width < w:
            problems.append(f"column {letter} ({fields[col]}): width {set_width} < text width {w}")
    # Summary: the count of each status, and the total, as json's summary.
    summary = {r[0].value: r[1].value for r in wb["summary"].iter_rows(min_row=4, max_row=3 + len(doc["summary"]["by_status"]))}
    total = wb["summary"].cell(row=4 + len(doc["summary"]["by_status"]), column=2).value
    if total != doc["summary"]["total"]:
        problems.append(f"summary total {total} != {doc['summary']['total']}")
    for status, n in doc["summary"]["by_status"].items():
        if summary.get(status) != n:
            problems.append(f"summary {status}: {summary.get(status)} != {n}")
    # Meta: the items json's meta holds.
    meta = {}
    for label, value, sha in wb["meta"].iter_rows(min_row=2, values_only=True):
        meta.setdefault(label, []).append((value, sha))
    m = doc["meta"]
    checks = [("version", m["version"]), ("scheme", m["scheme"]), ("quarters", "; ".join(m["window"]["quarters"])), ("halves", "; ".join(m["window"]["halves"]))]
    for label, want in checks:
        if meta.get(label, [(None, None)])[0][0] != want:
            problems.append(f"meta {label}: {meta.get(label)} != {want}")
    as_of = meta.get("as_of", [(None, None)])[0][0]
    if not isinstance(as_of, datetime.datetime) or as_of.date().isoformat() != m["as_of"]:
        problems.append(f"meta as_of: {as_of!r} != {m['as_of']}")
    if meta.get("input") != [(i["path"], i["sha256"]) for i in m["inputs"]]:
        problems.append(f"meta inputs: {meta.get('input')} != {m['inputs']}")
    for p in problems:
        print(p)
    print(f"checked {len(results)} results x {len(fields)} fields: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
