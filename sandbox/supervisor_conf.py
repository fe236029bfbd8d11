"""Rendering supervisord.conf for a sandbox.

supervisord does the process supervision: it keeps pids, captures logs, and restarts a
crashed program (at once after a crash, then with a growing back-off while the program
keeps failing to stay up for ``startsecs``). Every program has ``autostart=false`` so
``sandbox up`` controls start order and readiness itself.
"""

from __future__ import annotations

import os
import shlex

from sandbox.components import Program
from sandbox.state import StatePaths

LOG_MAX_BYTES = "20MB"
START_RETRIES = 10


def _escape(value: str) -> str:
    # supervisord expands %(name)s in values: a literal % must be doubled.
    return value.replace("%", "%%")


def _environment(env: dict[str, str]) -> str:
    pairs = []
    for key, value in env.items():
        quoted = _escape(value).replace("\\", "\\\\").replace('"', '\\"')
        pairs.append(f'{key}="{quoted}"')
    return ",".join(pairs)


def _program_section(program: Program, paths: StatePaths) -> str:
    lines = [
        f"[program:{program.name}]",
        f"command={_escape(shlex.join(program.command))}",
        "autostart=false",
        "autorestart=true",
        f"startsecs={program.start_seconds}",
        f"startretries={START_RETRIES}",
        f"stopsignal={program.stop_signal}",
        f"stopwaitsecs={program.stop_wait_seconds}",
        # Signals go to the whole process group: wrappers (rabbitmq-server) and children.
        "stopasgroup=true",
        "killasgroup=true",
        "redirect_stderr=true",
        f"stdout_logfile={_escape(str(paths.log_file(program.name)))}",
        f"stdout_logfile_maxbytes={LOG_MAX_BYTES}",
        "stdout_logfile_backups=2",
    ]
    if program.user:
        lines.append(f"user={program.user}")
    if program.directory:
        lines.append(f"directory={_escape(program.directory)}")
    if program.environment:
        lines.append(f"environment={_environment(program.environment)}")
    return "\n".join(lines)


def render(programs: list[Program], paths: StatePaths) -> str:
    header = [
        "[unix_http_server]",
        f"file={_escape(str(paths.supervisor_socket))}",
        "chmod=0700",
        "",
        "[supervisord]",
        f"logfile={_escape(str(paths.log_file('supervisord')))}",
        f"logfile_maxbytes={LOG_MAX_BYTES}",
        "logfile_backups=2",
        f"pidfile={_escape(str(paths.supervisor_pidfile))}",
        f"childlogdir={_escape(str(paths.logs))}",
        "minfds=20000",
        "nodaemon=false",
        # The socket and this file are private to the owner; no extra credentials needed.
        "strip_ansi=true",
    ]
    if os.geteuid() == 0:
        header.append("user=root")
    header += [
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    sections = [_program_section(program, paths) for program in programs]
    return "\n".join(header) + "\n\n" + "\n\n".join(sections) + "\n"
