"""Options every `sandbox` command shares (one definition for the main CLI and sub-apps)."""

from __future__ import annotations

from typing import Annotated

import typer

StateDirOption = Annotated[
    str | None,
    typer.Option(
        "--state-dir", envvar="SANDBOX_STATE_DIR", help="State folder [default: ./.sandbox]"
    ),
]

NoReportOption = Annotated[
    bool,
    typer.Option("--no-report", help="Write only the JSON result, not the HTML/JUnit/Markdown"),
]
