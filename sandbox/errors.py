"""Errors the sandbox reports to its user.

Every error the CLI can meet derives from ``SandboxError`` and carries a one-line,
actionable message; the CLI prints it and exits non-zero without a traceback.

    SandboxError
     +-- ConfigError        bad flag value, unreadable state, conflicting settings
     +-- MissingBinary      a prerequisite program is not installed
     +-- PortBusy           a port the sandbox needs is taken by another process
     +-- NotReady           a component did not become ready before its deadline
     +-- NotRunning         a command needs a running sandbox and there is none
     +-- SupervisorError    the process manager refused or failed a request
"""

from __future__ import annotations


class SandboxError(Exception):
    """Base of every error shown to the user as one line."""

    exit_code = 1


class ConfigError(SandboxError):
    """A flag, setting or state file is invalid or contradicts another."""

    exit_code = 2


class MissingBinary(SandboxError):
    """A required program is missing; the message names the fix."""

    exit_code = 3


class PortBusy(SandboxError):
    """A port from the sandbox's port plan is already bound by someone else."""

    exit_code = 4


class NotReady(SandboxError):
    """A component missed its readiness deadline; ``log_tail`` holds its last lines."""

    exit_code = 5

    def __init__(self, message: str, component: str, log_tail: list[str]) -> None:
        super().__init__(message)
        self.component = component
        self.log_tail = log_tail


class NotRunning(SandboxError):
    """The command needs a running sandbox in this state folder."""

    exit_code = 6


class SupervisorError(SandboxError):
    """supervisord rejected a request or could not be reached."""
