"""The example CI workflow (.github/workflows/sla-gate.yml), checked statically: no runner
here can execute it, so every `sandbox` command in it must at least parse against the real
CLI, and the job must gate, keep its reports and stop the sandbox even when a step failed."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.exceptions import TyperException

from sandbox.cli import app

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "sla-gate.yml"


def steps() -> list[dict[str, Any]]:
    document = yaml.safe_load(WORKFLOW.read_text())
    [job] = document["jobs"].values()
    assert job["timeout-minutes"] <= 60
    return list(job["steps"])


def sandbox_commands() -> list[list[str]]:
    commands = []
    for step in steps():
        script = str(step.get("run", "")).replace("\\\n", " ")
        for line in script.splitlines():
            line = line.split("||")[0].replace('"$RESULTS"', "results").strip()
            if line.startswith(".venv/bin/sandbox "):
                commands.append(shlex.split(line)[1:])
    return commands


def parse(args: list[str]) -> None:
    """Parse like the CLI would, without running anything: a usage error on a bad flag.
    (Typer carries its own copy of click, so its classes are reached through the command.)"""
    command: Any = typer.main.get_command(app)
    name = "sandbox"
    while hasattr(command, "get_command"):  # a group: descend into the named sub-command
        sub = command.get_command(command.context_class(command), args[0])
        assert sub is not None, f"no command {args[0]!r} in `{name}`"
        name, command, args = f"{name} {args[0]}", sub, args[1:]
    command.make_context(name, args)


def test_every_sandbox_command_in_the_workflow_parses() -> None:
    commands = sandbox_commands()
    assert [c[0] for c in commands] == ["up", "chaos", "loadtest", "gate", "report", "down"]
    for args in commands:
        parse(args)


def test_the_parser_used_here_refuses_a_wrong_flag() -> None:
    with pytest.raises(TyperException, match="No such option: --baselne"):
        parse(["gate", "r.json", "--baselne", "b.json"])
    with pytest.raises(AssertionError, match="no command 'gait'"):
        parse(["gait", "r.json"])


def test_reports_and_teardown_run_even_after_a_failure() -> None:
    by_name = {step.get("name"): step for step in steps()}
    for name in ("Job summary", "Keep the reports", "Stop the sandbox"):
        assert by_name[name]["if"] == "always()", name
    upload = by_name["Keep the reports"]
    assert upload["uses"].startswith("actions/upload-artifact@")
    gate = by_name["Gate"]["run"]
    assert "||" not in gate, "the gate's exit code must fail the job"
