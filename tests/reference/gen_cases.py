#!/usr/bin/env python3
"""Random but valid evaluation cases for differential testing.

    python3 tests/reference/gen_cases.py --seed N --out DIR

writes DIR/scheme.yaml (a scheme that passes SPEC §2 validation and uses every
rule form), DIR/employees.csv (20-200 rows with scores on thresholds and on
.xx5 rounding boundaries, blank cells, data errors, month-end and Feb 29
dates, tenures just short of a threshold) and DIR/as_of.txt. The same seed
always gives the same files.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import datetime as dt
import json
import os
import random
import re
from decimal import Decimal, localcontext
from fractions import Fraction

KPI_POOL = [  # id, title, possible scoring (target, zero_at) or None
    ("standardization", "服务规范化执行", None),
    ("install_pass", "安装实施、维护合格率", ("99", "90")),
    ("repairs", "维修、维护数量", None),
    ("feedback_cards", "服务质量与维修问题反馈卡填写", None),
    ("csat", "客户满意度", ("95", "70")),
    ("complaint_rate", "投诉率", ("0.5", "5")),
    ("response_minutes", "平均响应时长", ("30", "120")),
    ("first_call", "一次解决率", ("90", "60.5")),
    ("knowledge", "业务知识考核", None),
]
COMP_POOL = {
    "core": ["problem_solving", "customer_needs", "oral_communication", "accuracy", "initiative"],
    "reference": ["innovation", "confidence", "flexibility"],
    "attitude": ["diligence", "responsibility", "reporting", "learning", "attendance", "compliance"],
}
POSITIONS = [("engineer", "售后工程师"), ("csr", "受理服务代表"), ("dispatcher", "调度员")]
SEQS = [("technical", "专业技术序列", "T", ["初级技术员", "中级技术员", "高级技术员", "技术专家", "首席专家"]),
        ("management", "管理序列", "M", ["班组长", "主管", "经理", "高级经理", "总监"])]
EDUCATION = ["初中", "高中", "中专", "大专", "本科", "硕士", "博士"]
CERT = ["无", "初级", "中级", "高级"]
REGIONS = ["北京", "上海", "广州"]
FACT_COLUMNS = ["exam_passed", "major_incident", "customer_commendations", "onsite_services",
                "attendance_rate", "leave_days", "education", "cert_level", "region",
                "transfer_date", "cert_date", "shift"]
BOOL_CELLS = ["true", "false", "yes", "no", "Y", "N", "1", "0", "是", "否", "TRUE", "No"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def dec(x) -> str:
    """Exact decimal text of a Fraction/int/str (the denominator must divide a power of 10)."""
    x = Fraction(x)
    if x.denominator == 1:
        return str(x.numerator)
    with localcontext() as ctx:
        ctx.prec = 200
        s = format(Decimal(x.numerator) / Decimal(x.denominator), "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def add_months(d, m):
    y, m0 = divmod(d.month - 1 + m, 12)
    year, month = d.year + y, m0 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def month_end(y, m):
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def quarters_back(as_of, n):
    """Keys of the last n complete quarters (newest first) plus the current incomplete one."""
    y, q = as_of.year, (as_of.month - 1) // 3 + 1
    current = f"{y}Q{q}"
    if as_of != month_end(y, 3 * q):
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    else:
        current = None
    out = []
    for _ in range(n):
        out.append(f"{y}Q{q}")
        y, q = (y, q - 1) if q > 1 else (y - 1, 4)
    return out, current


def halves_back(as_of, n):
    y, h = as_of.year, 1 if as_of.month <= 6 else 2
    current = f"{y}H{h}"
    if as_of != month_end(y, 6 * h):
        y, h = (y, 1) if h == 2 else (y - 1, 2)
    else:
        current = None
    out = []
    for _ in range(n):
        out.append(f"{y}H{h}")
        y, h = (y, 1) if h == 2 else (y - 1, 2)
    return out, current


# --------------------------------------------------------------------------
# YAML writing (flow style for rules, exact decimals, unquoted dates)
# --------------------------------------------------------------------------

PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


def flow(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, Fraction, Decimal)):
        return dec(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{key(k)}: {flow(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def key(k):
    return k if PLAIN_KEY.match(k) else json.dumps(k, ensure_ascii=False)


def block(v, indent=0) -> list:
    """Block-style lines for dicts/lists whose flow form is long."""
    pad = " " * indent
    lines = []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x and len(flow(x)) > 90:
                lines.append(f"{pad}{key(k)}:")
                lines += block(x, indent + 2)
            else:
                lines.append(f"{pad}{key(k)}: {flow(x)}")
    else:
        for x in v:
            if isinstance(x, (dict, list)) and x and len(flow(x)) > 90:
                sub = block(x, indent + 2)
                lines.append(f"{pad}- {sub[0].lstrip()}")
                lines += sub[1:]
            else:
                lines.append(f"{pad}- {flow(x)}")
    return lines


# --------------------------------------------------------------------------
# Scheme
# --------------------------------------------------------------------------

class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.xrng = random.Random(f"extra-{seed}")  # long form and directory split only
        # cohorts, distribution and the rank facts of SPEC §8.2/§8.5: their own
        # stream, so the rest of a seed's case is what it was before them.
        self.crng = random.Random(f"cohort-{seed}")
        # quotas (SPEC §8.4): a stream of their own likewise.
        self.qrng = random.Random(f"quota-{seed}")
        # the placement's tenure (SPEC §8.3): a stream of its own likewise.
        self.prng = random.Random(f"placement-{seed}")
        self.seed = seed

    # ---- numbers
    def weights(self, n):
        """n weights summing to exactly 100: integers, or with one decimal."""
        r = self.rng
        fixed = {2: [["40", "60"], ["50", "50"], ["33.5", "66.5"]],
                 3: [["15", "35", "50"], ["33.3", "33.3", "33.4"], ["20", "30", "50"], ["10.5", "40", "49.5"]],
                 4: [["40", "20", "20", "20"], ["15", "35", "25", "25"], ["12.5", "12.5", "37.5", "37.5"]]}
        if n in fixed and r.random() < 0.4:
            w = list(r.choice(fixed[n]))
            r.shuffle(w)
            return w
        unit = 10 if r.random() < 0.6 else 1  # tenths
        while True:
            cuts = sorted(r.sample(range(1, 1000 // unit), n - 1))
            parts = [b - a for a, b in zip([0] + cuts, cuts + [1000 // unit])]
            if min(parts) * unit >= 50:
                return [dec(Fraction(p * unit, 10)) for p in parts]

    def date_between(self, lo, hi):
        r = self.rng
        d = lo + dt.timedelta(days=r.randint(0, max(0, (hi - lo).days)))
        x = r.random()
        if x < 0.2:  # a month end
            d = month_end(d.year, d.month)
        elif x < 0.3 and d.day < 28:  # the 29th-31st, clamped
            d = d.replace(day=min(r.choice([29, 30, 31]), calendar.monthrange(d.year, d.month)[1]))
        elif x < 0.35 and calendar.isleap(d.year):
            d = dt.date(d.year, 2, 29)
        return min(max(d, lo), hi)

    # ---- the scheme
    def scheme(self):
        r = self.rng
        self.as_of = self.pick_as_of()
        self.quarters, self.halves = r.randint(1, 6), r.randint(1, 3)
        self.cmin, self.cmax = r.choice([(1, 5), (0, 5), (1, 4), (0, 10), (1, 10), (0, 4)])
        half_steps = [Fraction(self.cmin) + Fraction(k, 2) for k in range(2 * (self.cmax - self.cmin) + 1)]
        self.comp_thresholds = [v for v in half_steps
                                if Fraction(2, 5) <= (v - self.cmin) / (self.cmax - self.cmin) <= Fraction(4, 5)]
        self.kpi_thresholds = [Fraction(x) for x in ("60", "70", "75", "80", "82.5", "85", "85.5", "88", "90")]
        self.scoring_on = {k[0] for k in KPI_POOL if k[2] and r.random() < 0.6}
        self.use_columns = r.random() < 0.25
        self.colmap = {}
        if self.use_columns:
            self.colmap = {"id": "工号", "name": "姓名"}
            if r.random() < 0.5:
                self.colmap.update(position="岗位", sequence="序列", grade="职级", hire_date="入职日期",
                                   grade_date="任职日期", birth_date="出生日期")
        self.positions = []
        for pid, title in r.sample(POSITIONS, r.randint(1, 3)):
            items = r.sample(KPI_POOL, r.randint(2, 6))
            kpis = []
            for (iid, ititle, scoring), w in zip(items, self.weights(len(items))):
                k = {"id": iid, "title": ititle, "weight": Fraction(w)}
                if iid in self.scoring_on:
                    k["scoring"] = {"target": Fraction(scoring[0]), "zero_at": Fraction(scoring[1])}
                kpis.append(k)
            groups = r.sample(sorted(COMP_POOL), r.randint(2, 3))
            comps = {}
            for g, w in zip(groups, self.weights(len(groups))):
                pool = COMP_POOL[g]
                comps[g] = {"weight": Fraction(w), "items": r.sample(pool, r.randint(1, min(5, len(pool))))}
            self.positions.append({"id": pid, "title": title, "kpis": kpis, "competencies": comps})
        self.kpi_items = sorted({k["id"] for p in self.positions for k in p["kpis"]})
        self.groups = sorted({g for p in self.positions for g in p["competencies"]})
        nb = r.randint(3, 5)
        mins = sorted(r.sample([95, 90, "87.5", 85, 80, 75, "72.5", 70, 65, 60, 50], nb - 1),
                      key=lambda x: -Fraction(x))
        self.bands = [{"id": "ABCDE"[i], "title": ["优秀", "良好", "中等", "合格", "不合格"][i], "min": Fraction(m)}
                      for i, m in enumerate(mins + [0])]
        self.sequences = []
        for sid, stitle, prefix, titles in SEQS:
            grades = [{"id": f"{prefix}1", "title": titles[0]}]
            for i in range(1, r.randint(2, 5)):
                g = {"id": f"{prefix}{i + 1}", "title": titles[i], "requires": self.promotion_rule()}
                if r.random() < 0.15:
                    g["demotion"] = self.leaf(r.choice(["kpi_below", "bool_incident", "streak_below"]))
                grades.append(g)
            if r.random() < 0.1:  # the bottom grade may carry its own demotion too
                grades[0]["demotion"] = self.leaf("kpi_below")
            self.sequences.append({"id": sid, "title": stitle, "grades": grades})
        all_grades = [(s["id"], g["id"]) for s in self.sequences for g in s["grades"]]
        self.bridges = []
        pairs = [(ga, gb) for sa, ga in all_grades for sb, gb in all_grades if sa != sb]
        for _ in range(r.choice([0, 1, 1, 2, 2, 3])):
            used = {(b["from"], b["to"]) for b in self.bridges}
            froms = [b["from"] for b in self.bridges]
            choices = [p for p in pairs if p not in used and (p[0] in froms or r.random() < 0.7)]
            ga, gb = r.choice(choices or [p for p in pairs if p not in used])
            b = {"from": ga, "to": gb}
            if r.random() < 0.9:
                b["requires"] = self.rule(1) if r.random() < 0.5 else r.choice(
                    [self.leaf("rank"), self.leaf("composite"), self.leaf("band")])
            self.bridges.append(b)
        # SPEC §8.1 (and the `decided_by` of docs/decisions.md): demotion to a
        # named grade of any sequence, grades exempt from the scheme-wide
        # demotion, grades no rule promotes into.
        ids = [g for _, g in all_grades]
        for s in self.sequences:
            for g in s["grades"]:
                if "demotion" in g and r.random() < 0.5:
                    g["demotion"] = {"when": g["demotion"], "to": r.choice([x for x in ids if x != g["id"]])}
                if r.random() < 0.12:
                    g["scheme_demotion"] = False
                if g is not s["grades"][0] and r.random() < 0.06:
                    g["decided_by"] = r.choice(["董事会", "board", "决策层或董事会"])

        doc = {"scheme": f"generated-{self.seed}", "title": f"随机方案 {self.seed}",
               "review": {"quarters": self.quarters, "halves": self.halves}}
        scales = {}
        if r.random() < 0.5:
            scales["kpi"] = {"min": 0, "max": 100}
        scales["competency"] = {"min": self.cmin, "max": self.cmax}
        scales["education"] = EDUCATION
        scales["cert_level"] = CERT
        doc["scales"] = scales
        wk = r.choice(["70", "60", "50", "65", "75", "80", "62.5", "55.5"])
        doc["composite"] = {"kpi": Fraction(wk), "competency": 100 - Fraction(wk)}
        doc["bands"] = self.bands
        c = self.crng
        if c.random() < 0.5:
            doc["cohort"] = c.choice([["region", "grade"], ["region"], ["sequence"], ["region", "sequence"],
                                      ["position", "grade"], ["grade"], []])
        if c.random() < 0.5:
            cuts = sorted(c.randint(0, 100) for _ in range(len(self.bands) - 1))
            parts = [b - a for a, b in zip([0] + cuts, cuts + [100])]
            doc["distribution"] = {b["id"]: p for b, p in zip(self.bands, parts)}
            if c.random() < 0.7:
                doc["distribution_min_cohort"] = c.choice([1, 2, 3, 5, 10])
        q = self.qrng
        if q.random() < 0.6:
            grades = [g["id"] for seq in self.sequences for g in seq["grades"]]
            quotas = []
            for _ in range(q.randint(1, 3)):
                quota = {"grade": q.choice(grades) if q.random() < 0.6 else q.sample(grades, min(len(grades), 2))}
                kind = q.choice(["max", "pct", "both"])
                if kind in ("max", "both"):
                    quota["max"] = q.choice([0, 1, 1, 2, 3])
                if kind in ("pct", "both"):
                    quota["max_pct"] = q.choice([Fraction(0), Fraction(10), Fraction(20), Fraction("33.33"), Fraction(50), Fraction(100)])
                if q.random() < 0.5:
                    quota["per"] = q.choice([["region"], ["sequence"], ["region", "grade"]])
                quotas.append(quota)
            doc["quotas"] = quotas
        p = self.prng.random()
        if p < 0.5:
            doc["placement"] = {"tenure": "transfer_date"}  # a date column: blank, bad and future cells too
        elif p < 0.65:
            doc["placement"] = {"tenure": self.prng.choice(["months_in_company", "hire_date"])}
        if self.use_columns:
            doc["columns"] = self.colmap
        if r.random() < 0.6:
            doc["requires"] = r.choice([[self.leaf("kpi")], self.leaf("bool_incident_false"),
                                        [self.leaf("kpi_quarters")], self.rule(1)])
        if r.random() < 0.7:
            doc["demotion"] = r.choice([
                {"any": [{"fact": "major_incident", "is": True},
                         {"streak": "kpi", "quarters": 2, "below": Fraction(60)}]},
                self.leaf("kpi_below"), self.leaf("streak_below")])
        doc["positions"] = self.positions
        doc["sequences"] = self.sequences
        if self.bridges or r.random() < 0.5:
            doc["bridges"] = self.bridges
        self.doc = doc
        return doc

    def pick_as_of(self):
        r = self.rng
        x = r.random()
        if x < 0.1:
            return dt.date(2024, 2, 29)
        d = dt.date(2023, 1, 1) + dt.timedelta(days=r.randint(0, 365 * 4))
        if x < 0.3:
            return month_end(d.year, d.month)
        if x < 0.4:
            return month_end(d.year, 3 * ((d.month - 1) // 3 + 1))
        return d

    # ---- rules
    def promotion_rule(self):
        r = self.rng
        parts = []
        if r.random() < 0.7:
            parts.append(self.leaf(r.choice(["months_in_grade", "months_in_grade", "months_in_company",
                                             "age", "months_since"])))
        for _ in range(r.randint(0, 3)):
            parts.append(self.rule(0))
        if not parts:
            parts.append(self.leaf())
        if len(parts) == 1 and r.random() < 0.5:
            return parts[0]
        return parts if r.random() < 0.6 else {"all": parts}

    def rule(self, depth):
        r = self.rng
        x = r.random()
        if depth < 2 and x < 0.15:
            return {"all": [self.rule(depth + 1) for _ in range(r.randint(2, 3))]}
        if depth < 2 and x < 0.35:
            return {"any": [self.rule(depth + 1) for _ in range(r.randint(2, 3))]}
        if depth < 2 and x < 0.43:
            return {"not": self.rule(depth + 1)}
        return self.leaf()

    LEAVES = ["months_in_grade", "months_in_company", "age", "months_since", "kpi", "kpi",
              "kpi_min", "kpi_quarters", "competency", "competency_pct", "composite", "band",
              "rank", "kpi_item", "comp_group", "streak", "education", "cert", "bool_exam",
              "bool_incident_false", "number", "number2", "percent", "date", "date2", "text",
              "kpi_below", "streak_below", "text2", "number_is", "far"]

    def leaf(self, kind=None):
        r = self.rng
        kind = kind or r.choice(self.LEAVES)
        kt = lambda: r.choice(self.kpi_thresholds)
        op = lambda *ops: r.choice(ops or ("min", "above"))
        if kind == "months_in_grade":
            t = {"fact": "months_in_grade", "min": r.choice([6, 12, 12, 18, 24, 36])}
            if r.random() < 0.15:
                t["max"] = r.choice([60, 120])
            return t
        if kind == "months_in_company":
            return {"fact": "months_in_company", op("min", "above"): r.choice([12, 24, 36, 60])}
        if kind == "age":
            t = {"fact": "age", "min": r.choice([22, 25, 28, 30])}
            if r.random() < 0.4:
                t["max"] = r.choice([40, 45, 55])
            return t
        if kind == "months_since":
            return {"months_since": "transfer_date", op("min", "above", "max"): r.choice([3, 6, 12, 24])}
        if kind == "kpi":
            return {"fact": "kpi", op("min", "min", "above"): kt()}
        if kind == "kpi_below":
            return {"fact": "kpi", op("below", "max"): r.choice([Fraction(50), Fraction(55), Fraction("57.5")])}
        if kind == "kpi_min":
            return {"fact": "kpi_min", "min": r.choice([Fraction(60), Fraction(70), Fraction("72.5")])}
        if kind == "kpi_quarters":
            return {"fact": "kpi_quarters", "min": r.randint(1, max(1, self.quarters))}
        if kind == "competency":
            return {"fact": "competency", op(): r.choice(self.comp_thresholds)}
        if kind == "competency_pct":
            return {"fact": "competency_pct", "min": r.choice([50, 60, Fraction("62.5"), 75])}
        if kind == "composite":
            return {"fact": "composite", op(): r.choice([b["min"] for b in self.bands[:-1]] + [kt()])}
        if kind == "band":
            b = r.choice(self.bands)["id"]
            return {"fact": "band", op("min", "is", "above", "max"): b}
        if kind == "rank":
            c = self.crng
            which = c.random()
            if which < 0.15:
                return {"fact": "rank", c.choice(["max", "below", "is"]): c.choice([1, 2, 3])}
            if which < 0.25:
                return {"fact": "cohort_size", c.choice(["min", "max"]): c.choice([1, 2, 3, 5])}
            if which < 0.4:
                return {"fact": "calibrated_band", c.choice(["min", "is", "max"]): c.choice(self.bands)["id"]}
            if which < 0.5:
                return {"any": [{"fact": "rank", "max": 1}, {"fact": "rank_pct", "max": 30}]}
            return {"fact": "rank_pct", op("max", "below"): r.choice([20, 30, 50, Fraction("33.33"), 100])}
        if kind == "kpi_item":
            return {"fact": "kpi." + r.choice(self.kpi_items), op(): kt()}
        if kind == "comp_group":
            return {"fact": "competency." + r.choice(self.groups), op(): r.choice(self.comp_thresholds)}
        if kind == "streak":
            return {"streak": "kpi", "quarters": r.randint(1, 8), op("min", "above"): r.choice(self.kpi_thresholds[:5])}
        if kind == "streak_below":
            return {"streak": "kpi", "quarters": r.randint(1, 3), "below": r.choice([Fraction(60), Fraction(65)])}
        if kind == "education":
            return {"fact": "education", op("min", "is", "above"): r.choice(EDUCATION[2:6])}
        if kind == "cert":
            return {"fact": "cert_level", op("min", "max", "below"): r.choice(CERT)}
        if kind == "bool_exam":
            return {"fact": "exam_passed", "is": r.random() < 0.8}
        if kind == "bool_incident":
            return {"fact": "major_incident", "is": True}
        if kind == "bool_incident_false":
            return {"fact": "major_incident", "is": False}
        if kind == "number":
            return {"fact": r.choice(["customer_commendations", "onsite_services"]),
                    op("min", "above"): r.choice([1, 2, 50])}
        if kind == "number2":
            return {"fact": "onsite_services", "min": r.choice([20, 50]), "max": r.choice([150, 180])}
        if kind == "percent":
            return r.choice([{"fact": "attendance_rate", "min": r.choice([95, Fraction("97.5")])},
                             {"fact": "leave_days", op("max", "below"): r.choice([5, Fraction("10.5")])}])
        if kind == "date" and "hire_date" in self.colmap:
            kind = "date2"  # which name a renamed reserved column has as a fact is not settled
        if kind == "date":
            return {"fact": "hire_date", op("max", "below"): self.date_between(
                add_months(self.as_of, -120), add_months(self.as_of, -12))}
        if kind == "date2":
            return {"fact": "cert_date", op("min", "above", "max"): self.date_between(
                add_months(self.as_of, -60), self.as_of)}
        if kind == "text2":  # text equality is exact: Night is not night
            return {"fact": "shift", "is": "night"}
        if kind == "number_is":
            return r.choice([{"fact": "customer_commendations", "is": r.choice([0, 1, 2])},
                             {"fact": "kpi_quarters", "is": self.quarters},
                             {"fact": "competency_halves", op("is", "min"): self.halves},
                             {"fact": "cert_date", "is": self.date_between(add_months(self.as_of, -72), self.as_of)}])
        if kind == "far":  # thresholds near the 20-year horizon of eligible_on
            return r.choice([{"fact": "months_in_company", "min": r.choice([120, 239, 240])},
                             {"fact": "age", "min": r.choice([55, 60])},
                             {"months_since": "transfer_date", "min": r.choice([200, 240])}])
        if kind == "text":
            return {"fact": "region", "is": r.choice(REGIONS)}
        raise ValueError(kind)

    # ---- employees
    def employees(self):
        r = self.rng
        as_of = self.as_of
        rules = json.dumps(self.doc, default=str)
        streak_max = max([self.quarters, 2] + [int(n) for n in re.findall(r'"quarters": (\d+)', rules)])
        read_q, cur_q = quarters_back(as_of, max(self.quarters, streak_max) + r.randint(0, 2))
        read_h, cur_h = halves_back(as_of, self.halves + r.randint(0, 1))
        self.q_periods = sorted(read_q + ([cur_q] if cur_q and r.random() < 0.7 else []))
        self.h_periods = sorted(read_h + ([cur_h] if cur_h and r.random() < 0.7 else []))
        comp_items = sorted({i for p in self.positions for g in p["competencies"].values() for i in g["items"]})
        keys = ["id", "name", "position", "sequence", "grade", "hire_date", "grade_date"]
        has_birth = r.random() < 0.85 or '"age"' in rules
        if has_birth:
            keys.append("birth_date")
        facts = FACT_COLUMNS[:]
        r.shuffle(facts)
        keys += facts
        if r.random() < 0.3:
            r.shuffle(keys)  # reserved columns anywhere
        score_cols = [(q, i) for q in self.q_periods for i in self.kpi_items] + \
                     [(h, i) for h in self.h_periods for i in comp_items]
        keys += [f"{p}.{i}" for p, i in score_cols]
        header = [self.colmap.get(k, k) for k in keys]
        if r.random() < 0.05:
            header = [f" {h} " if r.random() < 0.3 else h for h in header]  # header cells are trimmed too
        n = r.randint(20, 200)
        dicts, ids = [], []
        for k in range(n):
            dicts.append(self.employee(k, ids, has_birth))
        long_form = self.long_form(dicts, [f"{p}.{i}" for p, i in score_cols])
        rows = [[row.get(k, "") for k in keys] for row in dicts]
        for row in rows:
            if r.random() < 0.03:  # a ragged row: trailing empty cells left out
                while row and row[-1] == "":
                    row.pop()
        return header, rows, long_form

    def long_form(self, dicts, score_keys):
        """Sometimes move score cells to a long-form `--scores` file (id,period,item,value)."""
        x = self.xrng
        if x.random() > 0.3:
            return None
        lines, first = [], {}
        for row in dicts:
            first.setdefault(row["id"].strip(), row)
        for row in dicts:
            eid = row["id"].strip()
            if not eid or first[eid] is not row:
                continue
            for k in score_keys:
                v = row.get(k, "")
                if v.strip() == "" or x.random() > 0.3:
                    continue
                period, item = k.split(".", 1)
                y = x.random()
                if y < 0.6:  # moved
                    del row[k]
                    lines.append([eid, period, item, v])
                elif y < 0.9:  # given twice, the same number written differently
                    lines.append([eid, period, item, v.strip() + ("" if "." in v or "%" in v else ".0")])
                elif y < 0.93:  # given twice, different: an error for the employee
                    lines.append([eid, period, item, "42.5" if v.strip() != "42.5" else "43"])
                else:
                    lines.append([eid, period, item, v])
        if x.random() < 0.5:
            lines.append(["NOBODY", score_keys[0].split(".")[0], score_keys[0].split(".", 1)[1], "80"])
        x.shuffle(lines)
        return [["id", "period", "item", "value"]] + lines

    def fmt_date(self, d):
        x = self.rng.random()
        if x < 0.7:
            return d.isoformat()
        if x < 0.85:
            return f"{d.year}-{d.month}-{d.day}"
        return f"{d.year}/{d.month}/{d.day}"

    def employee(self, k, ids, has_birth):
        r, as_of = self.rng, self.as_of
        row = {}
        eid = f"E{k + 1:04d}"
        if ids and r.random() < 0.03:
            eid = r.choice(ids)
        ids.append(eid)
        row["id"] = eid
        row["name"] = "" if r.random() < 0.1 else r.choice(SURNAMES) + r.choice(GIVEN) + r.choice(["", r.choice(GIVEN)])
        if r.random() < 0.03:
            row["name"] = r.choice(['王, 伟', '"小李" 李', 'Li, "Lee"'])  # quoted CSV cells
        pos = r.choice(self.positions)
        seq = r.choice(self.sequences)
        gi = r.randrange(len(seq["grades"]))
        grade = seq["grades"][gi]
        row["position"] = pos["title"] if r.random() < 0.2 else pos["id"]
        row["sequence"] = seq["title"] if r.random() < 0.15 else seq["id"]
        row["grade"] = grade["title"] if r.random() < 0.2 else grade["id"]
        hire = self.date_between(add_months(as_of, -240), as_of)
        gdate = self.date_between(hire, as_of)
        birth = self.date_between(add_months(as_of, -12 * 60), add_months(as_of, -12 * 20))
        transfer = self.date_between(add_months(as_of, -48), as_of + dt.timedelta(days=60))
        # a tenure just short of the next grade's threshold, so eligible_on matters
        if gi + 1 < len(seq["grades"]) and r.random() < 0.35:
            tests = [t for t in walk(seq["grades"][gi + 1].get("requires")) if "min" in t or "above" in t]
            time_tests = [t for t in tests if t.get("fact") in ("months_in_grade", "months_in_company", "age")
                          or "months_since" in t]
            if time_tests:
                t = r.choice(time_tests)
                months = int(t.get("min", t.get("above", 0)) + (1 if "above" in t else 0))
                if t.get("fact") == "age":
                    months *= 12
                base = add_months(as_of, -months) + dt.timedelta(days=r.randint(1, 45))
                if r.random() < 0.25 and months >= 200:  # eligible right at the 20-year horizon
                    base = add_months(as_of, 240 - months) + dt.timedelta(days=r.choice([-1, 0, 1]))
                    if t.get("fact") in ("months_in_grade", "months_in_company", "age"):
                        base = min(base, as_of)
                if t.get("fact") == "months_in_grade":
                    gdate, hire = base, min(hire, base)
                elif t.get("fact") == "months_in_company":
                    hire, gdate = base, max(gdate, base)
                elif t.get("fact") == "age":
                    birth = base
                else:
                    transfer = base
                gdate, hire = min(gdate, as_of), min(hire, as_of)
        row["hire_date"], row["grade_date"] = self.fmt_date(hire), self.fmt_date(gdate)
        if has_birth:
            row["birth_date"] = "" if r.random() < 0.1 else self.fmt_date(birth)
        row.update(self.fact_cells(transfer))
        self.scores(row, pos)
        if r.random() < 0.12:
            self.inject_error(row, pos, seq)
        if r.random() < 0.04:
            c = r.choice(list(row))
            row[c] = f" {row[c]} "  # cells are trimmed
        return row

    def fact_cells(self, transfer):
        r = self.rng
        blank = lambda p=0.08: r.random() < p
        cells = {
            "exam_passed": "" if blank() else ("maybe" if blank(0.03) else r.choice(BOOL_CELLS)),
            "major_incident": "" if blank(0.2) else r.choice(["false", "否", "no", "0", "N"] * 6 + ["true", "是", "1"]),
            "customer_commendations": "" if blank() else str(r.choice([0, 0, 1, 1, 2, 3, 5])),
            "onsite_services": "" if blank() else r.choice([str(r.randint(0, 220)), "50", "49", "180", "20.0", "n/a"]),
            "attendance_rate": "" if blank() else r.choice(["95%", "97.5%", "96", "99.5%", "94.99%", "100%", "97.5"]),
            "leave_days": "" if blank() else r.choice(["0", "5", "10.5", "10.49", "3.5", "12"]),
            "education": "" if blank() else (r.choice(["小学", "MBA"]) if blank(0.04) else r.choice(EDUCATION)),
            "cert_level": "" if blank() else r.choice(CERT),
            "region": "" if blank() else r.choice(REGIONS),
            "transfer_date": "" if blank() else ("2023-02-30" if blank(0.03) else self.fmt_date(transfer)),
            "cert_date": "" if blank() else self.fmt_date(self.date_between(add_months(self.as_of, -72), self.as_of)),
            "shift": "" if blank() else r.choice(["day", "night", "night", "Night", "NIGHT", "day"]),
        }
        return cells

    def kpi_value(self, item, flat):
        """A cell for a KPI item: a score 0..100, or a raw measure when the item has scoring."""
        r = self.rng
        if flat is not None:
            score = flat
        else:
            x = r.random()
            if x < 0.3:
                score = Fraction(r.randint(50, 100))
            elif x < 0.6:
                score = Fraction(r.randint(1000, 2000), 20)  # multiples of 0.05
            elif x < 0.8:
                score = Fraction(r.randint(200, 400), 4)  # multiples of 0.25
            else:
                score = Fraction(r.randint(5000, 10000), 100)
        if "scoring" not in item:
            text = dec(score)
            x = r.random()
            if x < 0.03:
                return text + "%"
            if x < 0.06:
                return text + (".00" if "." not in text else "0")
            return text
        t, z = item["scoring"]["target"], item["scoring"]["zero_at"]
        if flat is None and r.random() < 0.25:  # beyond the target or past zero: clamped
            raw = r.choice([t + (t - z) * Fraction(r.randint(1, 20), 100), z - (t - z) * Fraction(r.randint(1, 20), 100)])
        else:
            raw = z + score * (t - z) / 100  # converts back to exactly `score`
        return dec(raw)

    def scores(self, row, pos):
        r = self.rng
        profile = r.random()
        flat = r.choice(self.kpi_thresholds) if profile < 0.2 else None
        if flat is not None and r.random() < 0.01:
            # more digits than a 28-digit decimal holds, just under a rounding boundary:
            # exactly, the quarter rounds to flat - 0.01; rounded on input it would be flat
            flat = flat - Fraction(5, 1000) - Fraction(1, 10 ** 30)
        flat_rating = r.choice(self.comp_thresholds) if profile < 0.3 else None
        for q in self.q_periods:
            if r.random() < 0.15:
                continue  # an unscored quarter
            for item in pos["kpis"]:
                row[f"{q}.{item['id']}"] = self.kpi_value(item, flat)
        ratings = [Fraction(self.cmin) + Fraction(k, 2) for k in range(2 * (self.cmax - self.cmin) + 1)]
        for h in self.h_periods:
            if r.random() < 0.15:
                continue
            for g in pos["competencies"].values():
                for i in g["items"]:
                    if flat_rating is not None:
                        v = flat_rating
                    else:
                        v = r.choice(ratings[len(ratings) // 3:]) if r.random() < 0.7 else r.choice(ratings)
                        if v.denominator != 1 and r.random() < 0.6:
                            v = Fraction(int(v))
                    row[f"{h}.{i}"] = dec(v)
        # cells of other positions' items are not this employee's: ignored even if junk
        others = [k["id"] for p in self.positions if p is not pos for k in p["kpis"]
                  if k["id"] not in {x["id"] for x in pos["kpis"]}]
        if others and r.random() < 0.1:
            row[f"{r.choice(self.q_periods)}.{r.choice(others)}"] = r.choice(["x", "150", "77"])

    def inject_error(self, row, pos, seq):
        r, as_of = self.rng, self.as_of
        kind = r.choice(["blank", "position", "grade", "other_seq", "bad_date", "future", "nan",
                         "range", "partial", "partial_half", "birth_future", "sequence"])
        window_q = [q for q in self.q_periods if q <= quarters_back(as_of, 1)[0][0]][-self.quarters:]
        if kind == "blank":
            row[r.choice(["id", "position", "sequence", "grade", "hire_date", "grade_date"])] = ""
        elif kind == "position":
            row["position"] = "wizard"
        elif kind == "sequence":
            row["sequence"] = "sales"
        elif kind == "grade":
            row["grade"] = "X9"
        elif kind == "other_seq":
            other = next(s for s in self.sequences if s is not seq)
            row["grade"] = r.choice(other["grades"])["id"]
        elif kind == "bad_date":
            row[r.choice(["hire_date", "grade_date"])] = r.choice(["2023-02-30", "2023/13/01", "someday", "2023-04-31"])
        elif kind == "future":
            row["grade_date"] = (as_of + dt.timedelta(days=r.randint(1, 40))).isoformat()
        elif kind == "birth_future" and "birth_date" in row:
            row["birth_date"] = (as_of + dt.timedelta(days=r.randint(1, 400))).isoformat()
        elif kind in ("nan", "range", "partial"):
            q = r.choice(window_q)
            item = r.choice(pos["kpis"])
            if kind == "partial" and len(pos["kpis"]) > 1:
                for k in pos["kpis"]:
                    row.setdefault(f"{q}.{k['id']}", "80")
                row[f"{q}.{item['id']}"] = ""
            elif kind == "nan":
                row[f"{q}.{item['id']}"] = r.choice(["abc", "N/A", "8O", "--"])
            elif "scoring" not in item:
                row[f"{q}.{item['id']}"] = r.choice(["101", "-1", "100.01", "-0.5"])
        elif kind == "partial_half":
            h = halves_back(as_of, 1)[0][0]
            items = [i for g in pos["competencies"].values() for i in g["items"]]
            if len(items) > 1:
                for i in items:
                    row.setdefault(f"{h}.{i}", dec(self.cmax))
                row[f"{h}.{r.choice(items)}"] = ""
            else:
                row[f"{h}.{items[0]}"] = dec(self.cmax + 1)


def walk(rule):
    if rule is None:
        return
    if isinstance(rule, list):
        for x in rule:
            yield from walk(x)
    elif isinstance(rule, dict):
        for k in ("all", "any"):
            if k in rule:
                yield from walk(rule[k])
        if "not" in rule:
            return  # a negated test does not make a tenure threshold
        if "fact" in rule or "months_since" in rule or "streak" in rule:
            yield rule


def split_scheme(doc, out, x):
    """The same scheme as a directory of files (merged in file-name order)."""
    os.makedirs(out, exist_ok=True)
    lists = ("positions", "sequences", "bridges")
    files = {"00-base.yaml": {k: v for k, v in doc.items() if k not in lists}}
    pos = doc["positions"]
    cut = x.randint(0, len(pos))
    files["10-positions.yaml"] = {"positions": pos[:cut]}
    files["15-positions.yml"] = {"positions": pos[cut:]}
    bridges = doc.get("bridges") or []
    cut = x.randint(0, len(bridges))
    files["20-technical.yaml"] = {"sequences": doc["sequences"][:1], "bridges": bridges[:cut]}
    files["30-management.yaml"] = {"sequences": doc["sequences"][1:]}
    files["40-bridges.yaml"] = {"bridges": bridges[cut:]}
    for name, part in files.items():
        part = {k: v for k, v in part.items() if v or k == "cohort"}  # `cohort: []` is one cohort of all
        with open(os.path.join(out, name), "w", encoding="utf-8") as fh:
            fh.write("\n".join(block(part)) + "\n" if part else "{}\n")
    with open(os.path.join(out, "README.txt"), "w") as fh:
        fh.write("not a scheme file: ignored\n")


def generate(seed, out):
    g = Gen(seed)
    doc = g.scheme()
    header, rows, long_form = g.employees()
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "scheme.yaml"), "w", encoding="utf-8") as fh:
        fh.write(f"# generated by tests/reference/gen_cases.py --seed {seed}\n")
        fh.write("\n".join(block(doc)) + "\n")
    if g.xrng.random() < 0.3:
        split_scheme(doc, os.path.join(out, "scheme.d"), g.xrng)
    if long_form:
        with open(os.path.join(out, "scores.csv"), "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(long_form)
    bom = g.rng.random() < 0.3
    crlf = g.rng.random() < 0.3
    with open(os.path.join(out, "employees.csv"), "w", encoding="utf-8-sig" if bom else "utf-8",
              newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        w.writerow(header)
        w.writerows(rows)
        if g.rng.random() < 0.1:
            fh.write("\r\n" if crlf else "\n")  # a trailing blank line
    with open(os.path.join(out, "as_of.txt"), "w") as fh:
        fh.write(g.as_of.isoformat() + "\n")
    return g.as_of.isoformat()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    generate(a.seed, a.out)


if __name__ == "__main__":
    main()
