"""Run results as JUnit XML, the format CI test tabs read (GitHub, GitLab, Jenkins).

One <testsuite> per run and one <testcase> per check, so a failed invariant shows up by
name next to the unit tests, with its measured value, threshold and evidence. ElementTree
escapes markup; characters XML 1.0 cannot carry at all (most control characters, lone
surrogates) are removed first, because escaping them would still make the file unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from reports.figures_format import describe_measurement, format_duration
from reports.model import Check, Figure, RunResult, parse_instant

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HOSTNAME_KEYS = ("hostname", "host", "machine")


def render_junit(runs: Sequence[tuple[str, RunResult]]) -> str:
    """JUnit XML for ``runs``, each given with the name of its result file."""
    suites = [_suite(file_name, run) for file_name, run in runs]
    root = ET.Element("testsuites")
    _set(root, "name", "critter-sandbox")
    _set(root, "tests", sum(int(suite.get("tests", "0")) for suite in suites))
    _set(root, "failures", sum(int(suite.get("failures", "0")) for suite in suites))
    _set(root, "errors", 0)
    _set(root, "time", f"{sum(float(suite.get('time', '0')) for suite in suites):.3f}")
    root.extend(suites)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def _suite(file_name: str, run: RunResult) -> ET.Element:
    cases = [_case(run, check) for check in run.checks]
    if not cases:  # a run without checks proves nothing; the gate fails it, so must CI
        empty = Check(
            name="checks-recorded",
            kind="validity",
            passed=False,
            summary="the run recorded no check at all",
        )
        cases = [_case(run, empty)]
    suite = ET.Element("testsuite")
    _set(suite, "name", f"{run.kind}: {run.scenario}")
    _set(suite, "tests", len(cases))
    _set(suite, "failures", sum(1 for case in cases if case.find("failure") is not None))
    _set(suite, "errors", 0)
    _set(suite, "skipped", 0)
    _set(suite, "time", f"{run.duration_s or 0.0:.3f}")
    started = parse_instant(run.started_at)
    if started is not None:  # JUnit's schema wants a local time without an offset: UTC here
        _set(suite, "timestamp", started.replace(tzinfo=None, microsecond=0).isoformat())
    hostname = next((run.environment[k] for k in _HOSTNAME_KEYS if run.environment.get(k)), None)
    if hostname is not None:
        _set(suite, "hostname", hostname)
    suite.append(_properties(file_name, run))
    suite.extend(cases)
    ET.SubElement(suite, "system-out").text = xml_safe(_run_story(run))
    return suite


def _properties(file_name: str, run: RunResult) -> ET.Element:
    properties = ET.Element("properties")
    pairs: list[tuple[str, Figure]] = [
        ("file", file_name),
        ("kind", run.kind),
        ("scenario", run.scenario),
        ("seed", run.seed),
        ("description", run.description),
    ]
    pairs += [(f"argument.{key}", value) for key, value in run.arguments.items()]
    pairs += [(f"sandbox.{key}", value) for key, value in run.sandbox.items()]
    pairs += [(f"environment.{key}", value) for key, value in run.environment.items()]
    for name, value in pairs:
        prop = ET.SubElement(properties, "property")
        _set(prop, "name", name)
        _set(prop, "value", "" if value is None else value)
    return properties


def _case(run: RunResult, check: Check) -> ET.Element:
    case = ET.Element("testcase")
    _set(case, "classname", f"critter.{run.kind}.{run.scenario}")
    _set(case, "name", f"{check.kind}/{check.name}")
    _set(case, "time", "0")
    if check.passed:
        ET.SubElement(case, "system-out").text = xml_safe(check.summary)
        return case
    measurement = describe_measurement(check)
    failure = ET.SubElement(case, "failure")
    _set(failure, "message", f"{measurement}: {check.summary}" if measurement else check.summary)
    _set(failure, "type", check.kind)
    failure.text = xml_safe(_failure_details(check))
    return case


def _failure_details(check: Check) -> str:
    lines = [check.summary]
    if check.figures:
        lines += ["", "figures:"] + [f"  {key}: {value}" for key, value in check.figures.items()]
    if check.evidence:
        lines += ["", "evidence:"] + [f"  {line}" for line in check.evidence]
    return "\n".join(lines)


def _run_story(run: RunResult) -> str:
    """What the run did, for the suite's output: the workload and the faults injected."""
    lines = [run.description]
    if run.workload is not None:
        w = run.workload
        lines.append(
            f"workload: {w.customers} customers, {w.attempted} of {w.planned} orders attempted,"
            f" {w.acknowledged} acknowledged, {w.rejected} rejected, {w.failed} failed"
            f" over {format_duration(w.duration_s)}"
        )
    lines += _fault_lines(run)
    return "\n".join(lines)


def _fault_lines(run: RunResult) -> Iterable[str]:
    for fault in run.timeline:
        when = "not started" if fault.started_at_s is None else f"at {fault.started_at_s:.1f} s"
        outcome = fault.evidence if fault.happened else f"did not happen: {fault.error}"
        yield f"fault {fault.label} ({fault.kind}) {when}: {outcome}"


def _set(element: ET.Element, name: str, value: object) -> None:
    element.set(name, xml_safe(str(value)))
