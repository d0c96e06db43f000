#!/usr/bin/env python3
"""Independent reference implementation of `ladder evaluate` (SPEC §2-§6).

It exists for differential testing: `compare.py` runs it and the Rust binary on
the same random cases and compares every figure and decision. It is written
from SPEC.md and docs/decisions.md only, never from the Rust code, and keeps
to the simplest reading of each rule:

* every number is a `fractions.Fraction` built from the decimal text of the
  input; only the figures SPEC §4 names are rounded (2 decimals, half away
  from zero), and later figures are computed from the rounded earlier ones;
* scheme validation is NOT done here (the scheme is assumed valid).

    python3 tests/reference/ladder_ref.py --ladder PATH --as-of YYYY-MM-DD \
        [--scores FILE] EMPLOYEES.csv      # ndjson, one result per row
    python3 tests/reference/ladder_ref.py --selftest
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import io
import json
import math
import os
import re
import sys
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction

import yaml

RESERVED = ("id", "name", "position", "sequence", "grade", "hire_date", "grade_date", "birth_date")
REQUIRED = ("id", "position", "sequence", "grade", "hire_date", "grade_date")
# SPEC §8.3: under --placement the grade and grade_date are not read.
PLACEMENT_REQUIRED = ("id", "position", "sequence", "hire_date")
DATE_FIELDS = ("hire_date", "grade_date", "birth_date")
OPS = ("min", "max", "above", "below", "is")
OP_SYMBOL = {"min": ">=", "max": "<=", "above": ">", "below": "<", "is": "="}
TIME_FACTS = ("months_in_grade", "months_in_company", "age")
FIGURE_FACTS = ("kpi", "kpi_quarters", "kpi_min", "competency", "competency_halves",
                "competency_pct", "composite", "band", "calibrated_band", "rank_pct", "rank",
                "cohort_size")
RESULT_FIELDS = ("id", "name", "sequence", "grade", "position", "kpi", "kpi_quarters",
                 "competency", "competency_halves", "competency_pct", "composite", "band",
                 "calibrated_band", "rank_pct", "rank", "cohort_size", "status",
                 "recommended_grade", "next_grade", "eligible_on", "unmet", "alternatives",
                 "quota_position", "errors")
BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
              "1": True, "0": False, "是": True, "否": False}
SCORE_HEADER = re.compile(r"^(\d{4})([QH])(\d+)\.(.+)$", re.ASCII)
PERIOD = re.compile(r"^(\d{4})([QH])(\d+)$", re.ASCII)
DATE_TEXT = re.compile(r"^(\d{4})([-/])(\d{1,2})\2(\d{1,2})$", re.ASCII)  # ASCII digits only
NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$", re.ASCII)
ELIGIBLE_HORIZON_MONTHS = 240


class UnusableInput(Exception):
    """The scheme or an input file cannot be used at all (exit 1)."""


# --------------------------------------------------------------------------
# Exact numbers, rounding, printing
# --------------------------------------------------------------------------

def parse_number(text):
    """A cell as an exact number (`95%` is 95), or None."""
    s = str(text).strip()
    if s.endswith("%"):
        s = s[:-1].strip()
    if not NUMBER_TEXT.match(s):
        return None
    # docs/decisions.md: more than 28 significant digits cannot be held
    # exactly by the tool, so such a value is refused (not rounded).
    digits = s.lstrip("+-").replace(".", "").lstrip("0")
    if len(digits) > 28:
        return None
    return Fraction(Decimal(s))


def round2(x: Fraction) -> Fraction:
    """Round to 2 decimals, half away from zero."""
    sign = -1 if x < 0 else 1
    return sign * Fraction(math.floor(abs(x) * 100 + Fraction(1, 2)), 100)


def fmt_number(x) -> str:
    """A (rounded) figure as JSON number text without trailing zeros."""
    if isinstance(x, int):
        return str(x)
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    with localcontext() as ctx:
        ctx.prec = 200
        s = format(Decimal(x.numerator) / Decimal(x.denominator), "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def to_json_line(result: dict) -> str:
    parts = []
    for key in RESULT_FIELDS:
        v = result[key]
        if isinstance(v, Fraction):
            text = fmt_number(v)
        else:
            text = json.dumps(v, ensure_ascii=False)
        parts.append(json.dumps(key) + ":" + text)
    return "{" + ",".join(parts) + "}"


# --------------------------------------------------------------------------
# Dates and month arithmetic
# --------------------------------------------------------------------------

def parse_date(text):
    if isinstance(text, dt.date):
        return text
    m = DATE_TEXT.match(str(text).strip())
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        return None


def add_months(d: dt.date, months: int) -> dt.date:
    """d + months, the day clamped to the target month's last day."""
    y, m0 = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m0 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months completed from start to end (0 when end < start)."""
    if end < start:
        return 0
    m = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, m) > end:
        m -= 1
    return max(m, 0)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def last_complete_quarters(as_of: dt.date, n: int):
    """The last n complete quarters, newest first, as 'YYYYQk'."""
    y, q = as_of.year, (as_of.month - 1) // 3 + 1
    if as_of != month_end(y, 3 * q):
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    out = []
    for _ in range(n):
        out.append(f"{y}Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return out


def last_complete_halves(as_of: dt.date, n: int):
    y, h = as_of.year, 1 if as_of.month <= 6 else 2
    if as_of != month_end(y, 6 * h):
        y, h = (y, 1) if h == 2 else (y - 1, 2)
    out = []
    for _ in range(n):
        out.append(f"{y}H{h}")
        y, h = (y, 1) if h == 2 else (y - 1, 2)
    return out


# --------------------------------------------------------------------------
# Scheme
# --------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """SafeLoader with exact decimals and YAML-1.2 booleans (true/false only)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _exact_float(loader, node):
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Fraction(Decimal(text))
    except (InvalidOperation, ValueError):
        return loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _exact_float)


def _merge(into: dict, doc: dict):
    for k, v in doc.items():
        if k in into and isinstance(into[k], list) and isinstance(v, list):
            into[k] = into[k] + v
        elif k in into and isinstance(into[k], dict) and isinstance(v, dict):
            into[k] = {**into[k], **v}
        else:
            into[k] = v


def load_yaml(path):
    if os.path.isdir(path):
        files = sorted(f for f in os.listdir(path) if f.endswith((".yaml", ".yml")))
        merged = {}
        for f in files:
            with open(os.path.join(path, f), encoding="utf-8") as fh:
                doc = yaml.load(fh, Loader=_Loader) or {}
            _merge(merged, doc)
        return merged
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader) or {}


def _num(v) -> Fraction:
    return v if isinstance(v, Fraction) else Fraction(v)


def _text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (Fraction, int)):
        return fmt_number(v)
    return str(v)


class Scheme:
    def __init__(self, doc: dict):
        review = doc.get("review") or {}
        self.quarters = int(review.get("quarters", 4))
        self.halves = int(review.get("halves", 2))
        scales = doc.get("scales") or {}
        comp = scales.get("competency") or {"min": 1, "max": 5}
        self.cmin, self.cmax = _num(comp["min"]), _num(comp["max"])
        self.ordinals = {k: [_text(x) for x in v] for k, v in scales.items()
                         if k not in ("kpi", "competency")}
        w = doc.get("composite") or {"kpi": 70, "competency": 30}
        self.w_kpi, self.w_comp = _num(w["kpi"]), _num(w["competency"])
        self.bands = [(_text(b["id"]), _num(b["min"])) for b in doc.get("bands") or []]
        self.band_rank = {bid: -i for i, (bid, _) in enumerate(self.bands)}  # higher = better
        # SPEC §8.2: the fields whose equal values form a rank cohort.
        self.cohort = [str(f) for f in doc.get("cohort", ["sequence", "grade"])]
        # SPEC §8.5: percent per band, in the bands' order; None without a distribution.
        dist = doc.get("distribution")
        self.distribution = None if dist is None else [(str(b), _num(p)) for b, p in dist.items()]
        self.min_cohort = int(doc.get("distribution_min_cohort", 10))
        # SPEC §8.3: where months_in_grade counts from under --placement
        # (hire_date is months_in_company, decisions.md).
        tenure = str((doc.get("placement") or {}).get("tenure", "months_in_company"))
        self.tenure = None if tenure in ("months_in_company", "hire_date") else tenure
        self.placing = False
        # SPEC §8.4: caps on promotions into grades, in the scheme's order.
        self.quotas = []
        for q in doc.get("quotas") or []:
            grades = q["grade"] if isinstance(q["grade"], list) else [q["grade"]]
            self.quotas.append({"grades": [str(g) for g in grades],
                                "max": None if q.get("max") is None else int(_num(q["max"])),
                                "max_pct": None if q.get("max_pct") is None else _num(q["max_pct"]),
                                "per": [str(f) for f in q.get("per") or []]})
        self.columns = {f: str((doc.get("columns") or {}).get(f, f)) for f in RESERVED}
        self.requires = doc.get("requires")
        self.demotion = doc.get("demotion")
        self.positions = {}
        for p in doc.get("positions") or []:
            kpis = []
            for k in p.get("kpis") or []:
                sc = k.get("scoring")
                scoring = (_num(sc["target"]), _num(sc["zero_at"])) if sc else None
                kpis.append((str(k["id"]), _num(k["weight"]), scoring))
            groups = [(str(g), _num(spec["weight"]), [str(i) for i in spec["items"]])
                      for g, spec in (p.get("competencies") or {}).items()]
            self.positions[str(p["id"])] = {"id": str(p["id"]), "title": str(p.get("title", "")),
                                           "kpis": kpis, "groups": groups}
        self.kpi_items = {k[0] for p in self.positions.values() for k in p["kpis"]}
        self.comp_items = {i for p in self.positions.values() for g in p["groups"] for i in g[2]}
        self.sequences = []
        self.grade_at = {}  # grade id -> (sequence, index)
        for s in doc.get("sequences") or []:
            grades = []
            for g in s.get("grades") or []:
                d = g.get("demotion")
                # SPEC §8.1: {when: RULE, to: GRADE} names the grade recommended.
                named = isinstance(d, dict) and "when" in d
                grades.append({"id": str(g["id"]), "title": str(g.get("title", "")),
                               "requires": g.get("requires"),
                               "demotion": d["when"] if named else d,
                               "demotion_to": str(d["to"]) if named else None,
                               "scheme_demotion": g.get("scheme_demotion", True) is not False,
                               "decided_by": g.get("decided_by")})
            seq = {"id": str(s["id"]), "title": str(s.get("title", "")), "grades": grades}
            self.sequences.append(seq)
            for i, g in enumerate(grades):
                self.grade_at[g["id"]] = (seq, i)
        self.bridges = [{"from": str(b["from"]), "to": str(b["to"]), "requires": b.get("requires")}
                        for b in doc.get("bridges") or []]
        rules = [self.requires, self.demotion] + [b["requires"] for b in self.bridges]
        rules += [g[k] for s in self.sequences for g in s["grades"] for k in ("requires", "demotion")]
        self.max_streak = max([0] + [n for r in rules for n in _streak_lengths(r)])

    def resolve(self, items, text):
        for it in items:
            if it["id"] == text:
                return it
        for it in items:
            if it["title"] and it["title"] == text:
                return it
        return None


def _walk(rule):
    """Every leaf test of a rule."""
    if rule is None:
        return
    if isinstance(rule, list):
        for r in rule:
            yield from _walk(r)
    elif isinstance(rule, dict):
        for k in ("all", "any"):
            if k in rule:
                yield from _walk(rule[k])
        if "not" in rule:
            yield from _walk(rule["not"])
        if any(k in rule for k in ("fact", "streak", "months_since")):
            yield rule


def _streak_lengths(rule):
    return [int(t["quarters"]) for t in _walk(rule) if "streak" in t]


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------

def _read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and any(c.strip() for c in r)]
    if not rows:
        raise UnusableInput(f"{path}: empty file")
    header = [h.strip() for h in rows[0]]
    return header, [[c.strip() for c in r] for r in rows[1:]]


def _check_score_column(scheme, period_kind, num, item, label):
    if (period_kind == "Q" and not 1 <= num <= 4) or (period_kind == "H" and not 1 <= num <= 2):
        raise UnusableInput(f"score column {label}: no such period")
    items = scheme.kpi_items if period_kind == "Q" else scheme.comp_items
    if item not in items:
        raise UnusableInput(f"score column {label}: no such item")


def read_employees(path, scheme):
    header, body = _read_csv(path)
    by_header = {v: k for k, v in scheme.columns.items()}
    layout = []  # per column: ("field", name) | ("score", key) | ("fact", name)
    for h in header:
        m = SCORE_HEADER.match(h)
        if h in by_header:
            layout.append(("field", by_header[h]))
        elif m:
            _check_score_column(scheme, m.group(2), int(m.group(3)), m.group(4), h)
            layout.append(("score", (f"{m.group(1)}{m.group(2)}{m.group(3)}", m.group(4))))
        else:
            layout.append(("fact", h))
    required = PLACEMENT_REQUIRED if scheme.placing else REQUIRED
    missing = [scheme.columns[f] for f in required if scheme.columns[f] not in header]
    if scheme.placing and scheme.tenure is not None and scheme.tenure not in header:
        missing.append(scheme.tenure)
    missing += [f for f in scheme.cohort if f not in RESERVED and f not in header]
    missing += [f for q in scheme.quotas for f in q["per"] if f not in RESERVED and f not in header and f not in missing]
    if missing:
        raise UnusableInput(f"{path}: missing column(s) {', '.join(missing)}")
    emps = []
    for row in body:
        e = {"cells": {}, "facts": {}, "scores": {}, "errors": [], "conflicts": []}
        if len(row) != len(header):  # a short or long row is misaligned: not evaluated
            e["errors"].append(f"the row has {len(row)} cells, the header has {len(header)}")
            row = row + [""] * (len(header) - len(row))
        for (kind, key), cell in zip(layout, row):
            if kind == "field":
                e["cells"][key] = cell
            elif kind == "score":
                if cell != "":
                    e["scores"][key] = cell
            else:
                e["facts"][key] = cell
        emps.append(e)
    return emps


def merge_long_scores(path, scheme, emps):
    header, body = _read_csv(path)
    idx = {h: i for i, h in enumerate(header)}
    for col in ("id", "period", "item", "value"):
        if col not in idx:
            raise UnusableInput(f"{path}: missing column {col}")
    first = {}
    for e in emps:
        first.setdefault(e["cells"].get("id", ""), e)
    seen = {}
    for row in body:
        row = row + [""] * (len(header) - len(row))
        eid, period, item, value = (row[idx[c]] for c in ("id", "period", "item", "value"))
        m = PERIOD.match(period)
        if not m:
            raise UnusableInput(f"{path}: bad period {period!r}")
        _check_score_column(scheme, m.group(2), int(m.group(3)), item, f"{period}.{item}")
        if value == "":
            continue
        if eid not in first:
            print(f"warning: {path}: score for unknown employee {eid!r} ignored", file=sys.stderr)
            continue
        e, key = first[eid], (period, item)
        # a conflict only matters where the score is read (see score_periods)
        if key in seen.get(eid, {}) and not _same_value(seen[eid][key], value):
            e["conflicts"].append((key, f"{period}.{item}: given twice in {path} ({seen[eid][key]} and {value})"))
        seen.setdefault(eid, {})[key] = value
        old = e["scores"].get(key)
        if old is not None and not _same_value(old, value):
            e["conflicts"].append((key, f"{period}.{item}: {old} in the records but {value} in {path}"))
        elif old is None:
            e["scores"][key] = value


def _same_value(a, b):
    x, y = parse_number(a), parse_number(b)
    return x == y if x is not None and y is not None else a == b


# --------------------------------------------------------------------------
# Per-employee figures
# --------------------------------------------------------------------------

def convert_score(raw: Fraction, scoring) -> Fraction:
    target, zero_at = scoring
    s = 100 * (raw - zero_at) / (target - zero_at)
    return min(Fraction(100), max(Fraction(0), s))


def check_row(e, scheme, as_of, seen_ids):
    """Resolve ids and dates, collecting data problems into e['errors']."""
    c, err = e["cells"], e["errors"]
    placing = scheme.placing
    for f in PLACEMENT_REQUIRED if placing else REQUIRED:
        if c.get(f, "") == "":
            err.append(f"{scheme.columns[f]}: missing")
    eid = c.get("id", "")
    if eid:
        if eid in seen_ids:
            err.append(f"duplicate id {eid} (first on row {seen_ids[eid]})")
        else:
            seen_ids[eid] = e["row"]
    e["position"] = e["sequence"] = e["grade"] = None
    if c.get("position"):
        p = scheme.resolve(scheme.positions.values(), c["position"])
        e["position"] = p
        if p is None:
            err.append(f"unknown position {c['position']}")
    if c.get("sequence"):
        s = scheme.resolve(scheme.sequences, c["sequence"])
        e["sequence"] = s
        if s is None:
            err.append(f"unknown sequence {c['sequence']}")
        elif c.get("grade") and not placing:  # placement reads no grade
            g = scheme.resolve(s["grades"], c["grade"])
            if g is None:
                other = scheme.resolve([g for q in scheme.sequences for g in q["grades"]], c["grade"])
                err.append(f"grade {c['grade']} is not in sequence {s['id']}" if other
                           else f"unknown grade {c['grade']}")
            e["grade"] = g
    e["dates"] = {}
    for f in DATE_FIELDS:
        text = c.get(f, "")
        if text == "" or (placing and f == "grade_date"):
            continue
        d = parse_date(text)
        if d is None:
            err.append(f"{scheme.columns[f]}: bad date {text!r}")
        elif d > as_of:
            err.append(f"{scheme.columns[f]}: {text} is after the as-of date")
        else:
            e["dates"][f] = d
    if placing:
        # SPEC §8.3: time in grade is time in the job, from the tenure date
        # (the hire date by default); a blank tenure cell is no value.
        if scheme.tenure is None:
            if "hire_date" in e["dates"]:
                e["dates"]["grade_date"] = e["dates"]["hire_date"]
        else:
            text = e["facts"].get(scheme.tenure, "")
            d = parse_date(text) if text != "" else None
            if text != "" and d is None:
                err.append(f"{scheme.tenure}: bad date {text!r}")
            elif d is not None and d > as_of:
                err.append(f"{scheme.tenure}: {text} is after the as-of date")
            elif d is not None:
                e["dates"]["grade_date"] = d


def score_periods(e, scheme, read_quarters, halves):
    """Quarter scores and half ratings of the read periods (errors into e)."""
    pos, err = e["position"], e["errors"]
    e["qscore"], e["qitems"], e["hrating"], e["hgroups"] = {}, {}, {}, {}
    if pos is None:
        return

    def read(period, items, check):
        vals, missing, present = {}, [], 0
        for item in items:
            text = e["scores"].get((period, item))
            if text is None:
                missing.append(item)
                continue
            present += 1
            v = parse_number(text)
            if v is None:
                err.append(f"{period}.{item}: not a number ({text!r})")
                continue
            v = check(item, v, text, period)
            if v is not None:
                vals[item] = v
        if present == 0:
            return None
        if missing:
            err.append(f"{period}: missing {', '.join(missing)}")
            return None
        return vals if len(vals) == len(items) else None

    def kpi_check(item, v, text, period):
        scoring = next(k[2] for k in pos["kpis"] if k[0] == item)
        if scoring is not None:
            return convert_score(v, scoring)
        if not 0 <= v <= 100:
            err.append(f"{period}.{item}: {text} is outside 0..100")
            return None
        return v

    def comp_check(item, v, text, period):
        if not scheme.cmin <= v <= scheme.cmax:
            err.append(f"{period}.{item}: {text} is outside "
                       f"{fmt_number(scheme.cmin)}..{fmt_number(scheme.cmax)}")
            return None
        return v

    kpi_ids = [k[0] for k in pos["kpis"]]
    comp_ids = [i for g in pos["groups"] for i in g[2]]
    read_periods = set(read_quarters) | set(halves)
    own = set(kpi_ids) | set(comp_ids)
    err.extend(msg for (period, item), msg in e["conflicts"] if period in read_periods and item in own)
    for q in read_quarters:
        vals = read(q, kpi_ids, kpi_check)
        if vals is not None:
            e["qitems"][q] = vals
            e["qscore"][q] = round2(sum(w * vals[i] for i, w, _ in pos["kpis"]) / 100)
    for h in halves:
        vals = read(h, comp_ids, comp_check)
        if vals is not None:
            means = {g: Fraction(sum(vals[i] for i in items), len(items)) for g, _, items in pos["groups"]}
            e["hgroups"][h] = means
            e["hrating"][h] = round2(sum(w * means[g] for g, w, _ in pos["groups"]) / 100)


def figures(e, scheme, window_q, window_h):
    """kpi, competency, composite, band and the item/group means (SPEC §4)."""
    qs = [e["qscore"][q] for q in window_q if q in e["qscore"]]
    hs = [e["hrating"][h] for h in window_h if h in e["hrating"]]
    f = {"kpi_quarters": len(qs), "competency_halves": len(hs), "kpi": None, "kpi_min": None,
         "competency": None, "competency_pct": None, "composite": None, "band": None,
         "rank_pct": None, "rank": None, "cohort_size": None, "calibrated_band": None}
    if qs:
        f["kpi"] = round2(Fraction(sum(qs), len(qs)))
        f["kpi_min"] = min(qs)
    if hs:
        f["competency"] = round2(Fraction(sum(hs), len(hs)))
        f["competency_pct"] = round2((f["competency"] - scheme.cmin) / (scheme.cmax - scheme.cmin) * 100)
    if f["kpi"] is not None and f["competency"] is not None:
        f["composite"] = round2((scheme.w_kpi * f["kpi"] + scheme.w_comp * f["competency_pct"]) / 100)
        f["band"] = next((b for b, lo in scheme.bands if f["composite"] >= lo), None)
    items = {}
    for q in window_q:
        for item, v in e["qitems"].get(q, {}).items():
            items.setdefault("kpi." + item, []).append(v)
    for h in window_h:
        for g, v in e["hgroups"].get(h, {}).items():
            items.setdefault("competency." + g, []).append(v)
    f.update({k: round2(Fraction(sum(v), len(v))) for k, v in items.items()})
    return f


def cohort_value(e, field):
    """An employee's value of a cohort field: the id a reserved field resolved to, else the cell."""
    if field in ("position", "sequence", "grade"):
        return e[field]["id"]
    if field in DATE_FIELDS:
        d = e["dates"].get(field)
        return d.isoformat() if d else ""
    if field in RESERVED:
        return e["cells"].get(field, "")
    return e["facts"].get(field, "")


def calibrated(scheme, band, pct, size):
    """SPEC §8.5: the first band whose cumulative percentage pct does not exceed."""
    if scheme.distribution is None:
        return None
    if size < scheme.min_cohort:
        return band
    cumulative = Fraction(0)
    for b, p in scheme.distribution:
        cumulative += p
        if pct <= cumulative:
            return b
    return scheme.distribution[-1][0]


def cohort_fields(scheme):
    """The rank cohort's fields; under placement (SPEC §8.3) without grade, with sequence."""
    if not scheme.placing:
        return scheme.cohort
    fields = [f for f in scheme.cohort if f != "grade"]
    return fields if "sequence" in fields else fields + ["sequence"]


def rank_cohorts(emps, scheme):
    cohorts = {}
    fields = cohort_fields(scheme)
    for e in emps:
        if not e["errors"] and e["fig"]["composite"] is not None:
            key = tuple(cohort_value(e, f) for f in fields)
            cohorts.setdefault(key, []).append(e)
    for members in cohorts.values():
        for e in members:
            higher = sum(1 for o in members if o["fig"]["composite"] > e["fig"]["composite"])
            f = e["fig"]
            f["rank_pct"] = round2(Fraction(100 * (1 + higher), len(members)))
            f["rank"] = 1 + higher
            f["cohort_size"] = len(members)
            f["calibrated_band"] = calibrated(scheme, f["band"], f["rank_pct"], len(members))


# --------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------

class Ctx:
    """What a rule sees about one employee, with time facts taken at `at`."""

    def __init__(self, e, scheme, as_of, at=None):
        self.e, self.scheme, self.as_of = e, scheme, as_of
        self.at = at or as_of

    def date_of(self, name):
        if name in DATE_FIELDS:
            return self.e["dates"].get(name)
        return parse_date(self.e["facts"].get(name, ""))

    def fact(self, name):
        """A computed value (Fraction / band id), a cell's text, or None."""
        e = self.e
        if name == "months_in_grade":
            d = e["dates"].get("grade_date")  # a blank tenure under placement
            return None if d is None else Fraction(months_between(d, self.at))
        if name == "months_in_company":
            return Fraction(months_between(e["dates"]["hire_date"], self.at))
        if name == "age":
            b = e["dates"].get("birth_date")
            return None if b is None else Fraction(months_between(b, self.at) // 12)
        if name in e["fig"] or name.startswith(("kpi.", "competency.")):
            v = e["fig"].get(name)
            return Fraction(v) if isinstance(v, int) else v
        if name in ("position", "sequence", "grade"):
            return e[name]["id"] if e[name] else None  # no grade is read under placement
        if name in RESERVED:
            v = e["cells"].get(name, "")
        else:
            v = e["facts"].get(name, "")
        return v if v != "" else None


def _value_kind(want):
    if isinstance(want, bool):
        return "bool"
    if isinstance(want, (int, Fraction)):
        return "number"
    if isinstance(want, dt.date):
        return "date"
    s = str(want).strip()
    if parse_date(s) is not None:
        return "date"
    if s.lower() in BOOL_WORDS and s not in ("0", "1"):
        return "bool"
    return "text"


def _as_kind(raw, kind):
    if kind == "number":
        return raw if isinstance(raw, Fraction) else parse_number(raw)
    if kind == "date":
        return parse_date(raw)
    if kind == "bool":
        return raw if isinstance(raw, bool) else BOOL_WORDS.get(_text(raw).strip().lower())
    return _text(raw)


def _cmp(op, a, b):
    if op == "min":
        return a >= b
    if op == "max":
        return a <= b
    if op == "above":
        return a > b
    if op == "below":
        return a < b
    return a == b


def test_value(name, op, want, raw, scheme):
    """(holds, what was found) for one operator of a fact test."""
    if raw is None:
        return False, "no value"
    shown = _text(raw)
    if name in ("band", "calibrated_band"):
        if raw not in scheme.band_rank:
            return False, f"found {shown}"
        return _cmp(op, scheme.band_rank[raw], scheme.band_rank[_text(want)]), f"found {shown}"
    if name in scheme.ordinals:
        scale = scheme.ordinals[name]
        if shown not in scale:
            return False, f"found {shown}, not on the {name} scale"
        return _cmp(op, scale.index(shown), scale.index(_text(want))), f"found {shown}"
    kind = _value_kind(want)
    a, b = _as_kind(raw, kind), _as_kind(want, kind)
    if a is None:
        return False, f"found {shown}, not a {kind}"
    return _cmp(op, a, b), f"found {shown}"


def _ops(rule, label, found_value, scheme, fact_name=None):
    fails = []
    for op in OPS:
        if op in rule:
            ok, found = test_value(fact_name or label, op, rule[op], found_value, scheme)
            if not ok:
                fails.append(f"{label} {OP_SYMBOL[op]} {_text(rule[op])} ({found})")
    return fails


def evaluate(rule, ctx, explain=True):
    """(holds, unmet tests) of a rule; without explain it stops at the first failure."""
    if rule is None:
        return True, []
    if isinstance(rule, list):
        return _all(rule, ctx, explain)
    if "all" in rule:
        return _all(rule["all"], ctx, explain)
    if "any" in rule:
        fails = []
        for r in rule["any"]:
            ok, f = evaluate(r, ctx, explain)
            if ok:
                return True, []
            fails.extend(f)
        return False, ["none of: " + " | ".join(fails) if fails else "any: no alternative holds"]
    if "not" in rule:
        ok, _ = evaluate(rule["not"], ctx, False)
        return (False, [f"not ({describe(rule['not'])}) (it holds)"]) if ok else (True, [])
    if "streak" in rule:
        fails = []
        for q in last_complete_quarters(ctx.as_of, int(rule["quarters"])):
            s = ctx.e["qscore"].get(q)
            fails += _ops(rule, f"{rule['streak']} {q}", s, ctx.scheme, fact_name="kpi")
        return not fails, fails
    if "months_since" in rule:
        d = ctx.date_of(rule["months_since"])
        value = None if d is None else Fraction(months_between(d, ctx.at))
        fails = _ops(rule, f"months_since {rule['months_since']}", value, ctx.scheme,
                     fact_name="months_since")
        return not fails, fails
    if "fact" in rule:
        fails = _ops(rule, rule["fact"], ctx.fact(rule["fact"]), ctx.scheme)
        return not fails, fails
    raise UnusableInput(f"unknown rule form {rule!r}")


def _all(rules, ctx, explain=True):
    fails = []
    for r in rules:
        ok, f = evaluate(r, ctx, explain)
        if not ok and not explain:
            return False, f
        fails.extend(f)
    return not fails, fails


def describe(rule):
    if isinstance(rule, list):
        return " and ".join(describe(r) for r in rule)
    for k in ("all", "any"):
        if k in rule:
            return f"{k}(" + ", ".join(describe(r) for r in rule[k]) + ")"
    if "not" in rule:
        return f"not ({describe(rule['not'])})"
    label = (rule.get("fact") or f"months_since {rule.get('months_since')}" if "streak" not in rule
             else f"streak {rule['streak']} x{rule['quarters']}")
    return " ".join(f"{label} {OP_SYMBOL[op]} {_text(rule[op])}" for op in OPS if op in rule)


def _time_bases(rule, e):
    """The dates whose anniversaries can change the rule's time facts."""
    bases = set()
    for t in _walk(rule):
        name = t.get("fact")
        if name == "months_in_grade" and "grade_date" in e["dates"]:
            bases.add(e["dates"]["grade_date"])
        elif name == "months_in_company":
            bases.add(e["dates"]["hire_date"])
        elif name == "age" and "birth_date" in e["dates"]:
            bases.add(e["dates"]["birth_date"])
        elif "months_since" in t:
            d = Ctx(e, None, None).date_of(t["months_since"])
            if d is not None:
                bases.add(d)
    return bases


def eligible_on(rule, e, scheme, as_of):
    """First date after as-of (<= 20 years) on which the rule holds, time facts moved on."""
    limit = add_months(as_of, ELIGIBLE_HORIZON_MONTHS)
    dates = set()
    for base in _time_bases(rule, e):
        m = months_between(base, as_of) if base <= as_of else 0
        while True:
            d = add_months(base, m)
            if d > limit:
                break
            if d > as_of:
                dates.add(d)
            m += 1
    for d in sorted(dates):
        if evaluate(rule, Ctx(e, scheme, as_of, at=d), explain=False)[0]:
            return d
    return None


# --------------------------------------------------------------------------
# Decision
# --------------------------------------------------------------------------

def _with_requires(rule, scheme):
    return [r for r in (rule, scheme.requires) if r is not None]


def decide(e, scheme, as_of):
    seq, g = e["sequence"], e["grade"]
    grades = seq["grades"]
    i = grades.index(g)
    above = grades[i + 1] if i + 1 < len(grades) else None
    below = grades[i - 1] if i > 0 else g
    ctx = Ctx(e, scheme, as_of)
    out = {"recommended_grade": None, "next_grade": above["id"] if above else None,
           "eligible_on": None, "unmet": [], "alternatives": []}
    def decided(grade_id):
        return scheme.grade_at[grade_id][0]["grades"][scheme.grade_at[grade_id][1]]["decided_by"]
    out_bridges = [b for b in scheme.bridges if b["from"] == g["id"]]
    # A bridge into a grade decided by a committee is never taken by rule.
    holding = [b for b in out_bridges
               if decided(b["to"]) is None and evaluate(_with_requires(b["requires"], scheme), ctx)[0]]
    out["alternatives"] = [b["to"] for b in holding]
    next_rule = _with_requires(above["requires"], scheme) if above else None
    next_ok, unmet = evaluate(next_rule, ctx) if above else (False, [])
    if above and above["decided_by"] is not None:
        next_ok, unmet = False, ["decided by " + str(above["decided_by"])] + unmet
    out["unmet"] = [] if next_ok else unmet
    own = g["demotion"] is not None and evaluate(g["demotion"], ctx)[0]
    wide = g["scheme_demotion"] and scheme.demotion is not None and evaluate(scheme.demotion, ctx)[0]
    if own or wide:
        # SPEC §8.1: the grade's own demotion sends to its target, else the grade below.
        target = g["demotion_to"] if own and g["demotion_to"] else below["id"]
        out.update(status="demote", recommended_grade=target)
    elif above and next_ok:
        out.update(status="promote", recommended_grade=above["id"])
    elif holding:
        out.update(status="promote", recommended_grade=holding[0]["to"])
    elif above:
        out.update(status="hold", recommended_grade=g["id"])
        d = eligible_on(next_rule, e, scheme, as_of) if above["decided_by"] is None else None
        out["eligible_on"] = d.isoformat() if d else None
    elif out_bridges:
        # SPEC §5: a highest grade with bridges out is hold; unmet per bridge,
        # eligible_on the first date time alone opens any of them.
        out.update(status="hold", recommended_grade=g["id"], unmet=[])
        dates = []
        for b in out_bridges:
            rule = _with_requires(b["requires"], scheme)
            _, failing = evaluate(rule, ctx)
            if decided(b["to"]) is not None:
                failing = ["decided by " + str(decided(b["to"]))] + failing
            else:
                d = eligible_on(rule, e, scheme, as_of)
                if d:
                    dates.append(d)
            out["unmet"] += [b["to"] + ": " + u for u in failing]
        out["eligible_on"] = min(dates).isoformat() if dates else None
    else:
        out.update(status="top", recommended_grade=g["id"], unmet=[])
    return out


def place(e, scheme, as_of):
    """SPEC §8.3: the highest grade of the sequence whose own rule (with the
    scheme-wide one) holds, each rule alone (no stepping); the lowest needs
    nothing. A grade a committee decides is not placed into by rule."""
    grades = e["sequence"]["grades"]
    ctx = Ctx(e, scheme, as_of)
    placed = 0
    for i in range(len(grades) - 1, 0, -1):
        g = grades[i]
        if g["decided_by"] is None and evaluate(_with_requires(g["requires"], scheme), ctx)[0]:
            placed = i
            break
    above = grades[placed + 1] if placed + 1 < len(grades) else None
    out = {"status": "place", "recommended_grade": grades[placed]["id"],
           "next_grade": above["id"] if above else None, "eligible_on": None, "unmet": [], "alternatives": []}
    if above:
        rule = _with_requires(above["requires"], scheme)
        _, unmet = evaluate(rule, ctx)
        if above["decided_by"] is not None:
            unmet = ["decided by " + str(above["decided_by"])] + unmet
        else:
            d = eligible_on(rule, e, scheme, as_of)
            out["eligible_on"] = d.isoformat() if d else None
        out["unmet"] = unmet
    return out


def evaluate_records(scheme, as_of, emps):
    window_q = last_complete_quarters(as_of, scheme.quarters)
    read_q = last_complete_quarters(as_of, max(scheme.quarters, scheme.max_streak))
    window_h = last_complete_halves(as_of, scheme.halves)
    seen = {}
    for n, e in enumerate(emps, start=2):
        e["row"] = n
        check_row(e, scheme, as_of, seen)
        score_periods(e, scheme, read_q, window_h)
        e["fig"] = figures(e, scheme, window_q, window_h)
    rank_cohorts(emps, scheme)
    results = []
    for e in emps:
        c = e["cells"]
        res = {"id": c.get("id", ""), "name": c.get("name", ""),
               "sequence": e["sequence"]["id"] if e["sequence"] else c.get("sequence", ""),
               "grade": e["grade"]["id"] if e["grade"] else c.get("grade", ""),
               "position": e["position"]["id"] if e["position"] else c.get("position", ""),
               "errors": list(e["errors"]), "quota_position": None}
        if e["errors"]:
            res.update({k: None for k in FIGURE_FACTS})
            res.update(kpi_quarters=None, competency_halves=None, status="error",
                       recommended_grade=None, next_grade=None, eligible_on=None,
                       unmet=[], alternatives=[])
        else:
            f = e["fig"]
            res.update({k: f[k] for k in FIGURE_FACTS})
            res.update(place(e, scheme, as_of) if scheme.placing else decide(e, scheme, as_of))
        results.append(res)
    if not scheme.placing:  # quotas do not apply to placement (SPEC §8.4)
        allocate_quotas(scheme, as_of, emps, results)
    return results


def _reached_from(scheme, quota, gid):
    """Is grade `gid` one the quota's grades are reached from (SPEC §8.4):
    directly below one of them in its sequence, or a bridge's source into one?"""
    seq, i = scheme.grade_at[gid]
    for t in quota["grades"]:
        tseq, ti = scheme.grade_at[t]
        if tseq is seq and ti == i + 1:
            return True
        if any(b["from"] == gid and b["to"] == t for b in scheme.bridges):
            return True
    return False


def _quota_cap(quota, heads):
    caps = []
    if quota["max"] is not None:
        caps.append(quota["max"])
    if quota["max_pct"] is not None:
        caps.append(math.floor(quota["max_pct"] * heads / 100))
    return min(caps)


def allocate_quotas(scheme, as_of, emps, results):
    """SPEC §8.4, after every decision: candidates in order take the first
    option whose quotas all have room; the rest become hold."""
    if not scheme.quotas:
        return
    group = lambda q, e: tuple(cohort_value(e, f) for f in q["per"])
    heads = [{} for _ in scheme.quotas]
    for e, r in zip(emps, results):
        if r["status"] == "error":
            continue
        for qi, q in enumerate(scheme.quotas):
            if _reached_from(scheme, q, r["grade"]):
                k = group(q, e)
                heads[qi][k] = heads[qi].get(k, 0) + 1
    cands = [n for n, r in enumerate(results) if r["status"] == "promote"]

    def order(n):
        comp = results[n]["composite"]
        gd = emps[n]["dates"].get("grade_date")
        mig = months_between(gd, as_of) if gd else None
        return (comp is None, -(comp or 0), mig is None, -(mig or 0), n)
    cands.sort(key=order)
    taken = [{} for _ in scheme.quotas]
    for place, n in enumerate(cands, start=1):
        r, e = results[n], emps[n]
        r["quota_position"] = place
        options = ([r["next_grade"]] if r["recommended_grade"] == r["next_grade"] else []) + list(r["alternatives"])
        took = None
        for opt in options:
            qs = [qi for qi, q in enumerate(scheme.quotas) if opt in q["grades"]]
            full = None
            for qi in qs:
                k = group(scheme.quotas[qi], e)
                cap = _quota_cap(scheme.quotas[qi], heads[qi].get(k, 0))
                if taken[qi].get(k, 0) >= cap:
                    full = (qi, k, cap)
                    break
            if full is None:
                for qi in qs:
                    k = group(scheme.quotas[qi], e)
                    taken[qi][k] = taken[qi].get(k, 0) + 1
                took = opt
                break
            qi, k, cap = full
            q = scheme.quotas[qi]
            where = ""
            if q["per"]:
                where = " (" + ", ".join(f"{f} {v}" if v != "" else f"{f} (blank)" for f, v in zip(q["per"], k)) + ")"
            r["unmet"].append(f"quota for {', '.join(q['grades'])}{where} is full ({taken[qi].get(k, 0)} of {cap})")
        if took is None:
            r.update(status="hold", recommended_grade=r["grade"], eligible_on=None)
        else:
            r["recommended_grade"] = took


def run(ladder, as_of, employees, scores=None, placement=False):
    scheme = Scheme(load_yaml(ladder))
    scheme.placing = placement
    emps = read_employees(employees, scheme)
    if scores:
        merge_long_scores(scores, scheme, emps)
    return evaluate_records(scheme, as_of, emps)


# --------------------------------------------------------------------------
# Self-test: hand-computed cases
# --------------------------------------------------------------------------

SELFTEST_SCHEME = """
scheme: selftest
review: {quarters: 2, halves: 1}
scales:
  competency: {min: 1, max: 5}
  education: [高中, 大专, 本科]
composite: {kpi: 70, competency: 30}
bands:
  - {id: A, min: 90}
  - {id: B, min: 80}
  - {id: C, min: 0}
positions:
  - id: eng
    title: 工程师
    kpis:
      - {id: a, weight: 50}
      - {id: b, weight: 50}
    competencies:
      core: {weight: 15, items: [c1, c2, c3]}
      att: {weight: 85, items: [d1, d2]}
  - id: cmp
    kpis:
      - {id: up, weight: 50, scoring: {target: 99, zero_at: 90}}
      - {id: down, weight: 50, scoring: {target: 2, zero_at: 10}}
    competencies:
      core: {weight: 100, items: [c1]}
sequences:
  - id: tech
    grades:
      - {id: T1, title: 初级}
      - id: T2
        requires:
          - {fact: months_in_grade, min: 12}
          - {fact: education, min: 大专}
      - id: T3
        requires: {fact: age, min: 24}
  - id: mgmt
    grades:
      - {id: M1}
      - {id: M2, requires: {any: [{fact: kpi, min: 95}, {not: {fact: exam, is: false}}]}}
bridges:
  - {from: T3, to: M1, requires: {fact: rank_pct, max: 50}}
"""

SELFTEST_CSV = """\ufeffid,name,position,sequence,grade,hire_date,grade_date,birth_date,education,exam,\
2024Q1.a,2024Q1.b,2023Q4.a,2023Q4.b,2023H2.c1,2023H2.c2,2023H2.c3,2023H2.d1,2023H2.d2,\
2024Q1.up,2024Q1.down
r1,Round,eng,tech,T1,2020-01-01,2023-01-31,,本科,,85.01,85,,,3,3,4,3,4,,
r2,Jan31,工程师,tech,初级,2020-01-01,2023-01-31,,大专,,90,90,80,80,,,,,,,
r3,Leap,eng,tech,T2,2020-01-01,2023-01-01,2000-02-29,本科,,70,70,,,,,,,,,
r4,Partial,eng,tech,T1,2020-01-01,2023-01-01,,本科,,70,,,,,,,,,,
r5,Raw,cmp,mgmt,M1,2020-01-01,2023-01-01,,,No,,,,,5,,,,,95,5
r1,Dup,eng,tech,T1,2020-01-01,2023-01-01,,本科,,,,,,,,,,,,
r7,Lone,eng,tech,T3,2020-01-01,2023-01-01,,本科,,95,95,95,95,5,5,5,5,5,,
r8,Feb28,eng,tech,T1,2020-01-01,2023-03-31,,本科,,,,,,,,,,,,
r9,Future,eng,tech,T1,2020-01-01,2024-1-5,,本科,,,,,,,,,,,,
"""


def selftest():
    import tempfile
    failures = []

    def check(label, got, want):
        if got != want:
            failures.append(f"{label}: got {got!r}, want {want!r}")

    check("round 0.005", round2(Fraction("0.005")), Fraction("0.01"))
    check("round -0.005", round2(Fraction("-0.005")), Fraction("-0.01"))
    check("round 0.0049999", round2(Fraction("0.0049999")), Fraction(0))
    check("round 84.995", round2(Fraction("84.995")), Fraction(85))
    check("fmt", [fmt_number(Fraction(171, 2)), fmt_number(Fraction(90)), fmt_number(Fraction("72.35"))],
          ["85.5", "90", "72.35"])
    check("Jan31+1", add_months(dt.date(2023, 1, 31), 1), dt.date(2023, 2, 28))
    check("Jan31+1 leap", add_months(dt.date(2024, 1, 31), 1), dt.date(2024, 2, 29))
    check("Jan31->Feb28", months_between(dt.date(2023, 1, 31), dt.date(2023, 2, 28)), 1)
    check("Jan31->Feb27", months_between(dt.date(2023, 1, 31), dt.date(2023, 2, 27)), 0)
    check("Feb28->Mar27", months_between(dt.date(2023, 2, 28), dt.date(2023, 3, 27)), 0)
    check("Feb29->Feb28", months_between(dt.date(2024, 2, 29), dt.date(2025, 2, 28)), 12)
    check("age leap", months_between(dt.date(2000, 2, 29), dt.date(2024, 2, 28)) // 12, 23)
    check("window", last_complete_quarters(dt.date(2024, 3, 31), 2), ["2024Q1", "2023Q4"])
    check("window2", last_complete_quarters(dt.date(2024, 3, 30), 2), ["2023Q4", "2023Q3"])
    check("halves", last_complete_halves(dt.date(2024, 2, 29), 2), ["2023H2", "2023H1"])
    check("scoring up", convert_score(Fraction(95), (Fraction(99), Fraction(90))), Fraction(500, 9))
    check("scoring down", convert_score(Fraction(5), (Fraction(2), Fraction(10))), Fraction("62.5"))
    check("scoring clamp", convert_score(Fraction(1), (Fraction(2), Fraction(10))), Fraction(100))
    check("percent", parse_number("95%"), Fraction(95))

    with tempfile.TemporaryDirectory() as tmp:
        ladder, emp = os.path.join(tmp, "s.yaml"), os.path.join(tmp, "e.csv")
        with open(ladder, "w", encoding="utf-8") as fh:
            fh.write(SELFTEST_SCHEME)
        with open(emp, "w", encoding="utf-8") as fh:
            fh.write(SELFTEST_CSV)
        r = {x["name"]: x for x in run(ladder, dt.date(2024, 3, 31), emp)}
        # r1: quarter (85.01 + 85) / 2 = 85.005 -> 85.01; half: 15 x 10/3 / 100 + 85 x 3.5 / 100
        # = 0.5 + 2.975 = 3.475 -> 3.48 (3.47 if the group mean were rounded first)
        check("r1 kpi", (r["Round"]["kpi"], r["Round"]["kpi_quarters"]), (Fraction("85.01"), 1))
        check("r1 competency", r["Round"]["competency"], Fraction("3.48"))
        check("r1 pct", r["Round"]["competency_pct"], Fraction(62))  # 2.48 / 4
        check("r1 composite", r["Round"]["composite"], Fraction("78.11"))  # 59.507 + 18.6
        check("r1 band", r["Round"]["band"], "C")
        check("r1 status", r["Round"]["status"], "promote")
        check("r2 resolved", (r["Jan31"]["position"], r["Jan31"]["grade"]), ("eng", "T1"))
        check("r2 kpi", (r["Jan31"]["kpi"], r["Jan31"]["kpi_quarters"]), (Fraction(85), 2))
        check("r2 no composite", (r["Jan31"]["composite"], r["Jan31"]["rank_pct"]), (None, None))
        check("r3 age 24", r["Leap"]["status"], "promote")
        check("r4 partial", r["Partial"]["status"], "error")
        # 95 -> 500/9, 5 (lower better, 2..10) -> 62.5: (500/9 + 62.5) / 2 = 59.0277.. -> 59.03
        check("r5 kpi", r["Raw"]["kpi"], Fraction("59.03"))
        check("r5 composite", r["Raw"]["composite"], Fraction("71.32"))  # 41.321 + 30
        check("r5 hold", (r["Raw"]["status"], r["Raw"]["eligible_on"]), ("hold", None))
        check("dup", (r["Dup"]["status"], r["Round"]["status"]), ("error", "promote"))
        # T3 is the top of tech with a bridge out: hold (SPEC §5), the bridge's gap in unmet.
        check("lone", (r["Lone"]["rank_pct"], r["Lone"]["status"], r["Lone"]["alternatives"],
                       r["Lone"]["next_grade"], len(r["Lone"]["unmet"]), r["Lone"]["unmet"][0][:4]),
              (Fraction(100), "hold", [], None, 1, "M1: "))
        r = {x["name"]: x for x in run(ladder, dt.date(2024, 2, 28), emp)}
        check("r2 Feb28", r["Jan31"]["status"], "promote")  # 12 months on 2024-01-31
        check("r3 leap birthday", (r["Leap"]["status"], r["Leap"]["eligible_on"]), ("hold", "2024-02-29"))
        check("Feb28 grade_date", (r["Feb28"]["status"], r["Feb28"]["eligible_on"]), ("hold", "2024-03-31"))
        r = {x["name"]: x for x in run(ladder, dt.date(2023, 12, 30), emp)}
        check("r2 eligible", (r["Jan31"]["status"], r["Jan31"]["eligible_on"]), ("hold", "2024-01-31"))
        check("r3 eligible", r["Leap"]["eligible_on"], "2024-02-29")
        check("future date", r["Future"]["status"], "error")
        check("no scores", (r["Round"]["kpi"], r["Round"]["kpi_quarters"]), (None, 0))
    if failures:
        print("\n".join(failures))
        print(f"selftest: {len(failures)} failed")
        return 1
    print("selftest: all checks passed")
    return 0


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ladder")
    ap.add_argument("--as-of")
    ap.add_argument("--scores")
    ap.add_argument("--selftest", action="store_true")
    ap.add_argument("--placement", action="store_true", help="initial placement (SPEC §8.3)")
    ap.add_argument("employees", nargs="?")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    if not (a.ladder and a.as_of and a.employees):
        ap.error("--ladder, --as-of and EMPLOYEES.csv are required")
    as_of = parse_date(a.as_of)
    if as_of is None:
        ap.error(f"bad --as-of {a.as_of}")
    try:
        results = run(a.ladder, as_of, a.employees, a.scores, a.placement)
    except UnusableInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = io.StringIO()
    for r in results:
        out.write(to_json_line(r) + "\n")
    sys.stdout.write(out.getvalue())
    return 3 if any(r["status"] == "error" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
