"""The metric names a PromQL expression reads, for tests that hold rules and dashboards to
the metrics the system really exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

MONITORING = Path(__file__).resolve().parents[1] / "monitoring"
_LABEL_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without"}


def metric_names(expression: str) -> set[str]:
    bare = _GROUPING.sub(" ", _RANGES.sub(" ", _LABEL_MATCHERS.sub(" ", expression)))
    return {
        name
        for name in _IDENTIFIER.findall(bare)
        if name not in _KEYWORDS and not name[0].isdigit() and not re.fullmatch(r"[0-9.e+-]+", name)
    }


def rule_expressions() -> list[str]:
    document = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule["expr"] for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    expressions = []
    for path in sorted((MONITORING / "grafana" / "dashboards").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            expressions += [target["expr"] for target in panel["targets"]]
    return expressions


def names_in_rules_and_dashboards() -> set[str]:
    return {n for e in rule_expressions() + dashboard_expressions() for n in metric_names(e)}
