"""The load engine's process: ``python -m sandbox.loadtest.main CONFIG.json OUTPUT.json``.

gevent's monkey-patching must come before any other import (Locust requires it), which is
why the engine is a process of its own. Exit codes: 0 the run happened (whatever the
system under test did: its errors are in OUTPUT), 1 the generator itself failed (e.g. its
workers did not connect), 2 the config is unreadable or invalid (one line on stderr).

As a worker of a distributed run (started by the engine, or by hand on another machine):
``python -m sandbox.loadtest.main --worker --master-host H --master-port P
--worker-count N CONFIG.json``.
"""

from gevent import monkey  # type: ignore[import-untyped]  # isort: skip

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from sandbox.errors import ConfigError  # noqa: E402
from sandbox.loadtest.config import LoadConfig  # noqa: E402

EXIT_RAN, EXIT_GENERATOR_FAILED, EXIT_BAD_CONFIG = 0, 1, 2
# The last resort if the run's own deadlines fail (a wedged greenlet): SIGALRM ends the
# process. Generous, since the phases bound the run to duration + completion timeout.
HARD_LIMIT_MARGIN_S = 120
# Each customer holds two sockets (its HTTP connection and its stream): 1000 customers need
# more than the common default of 1024 open files.
WANTED_OPEN_FILES = 10_000


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = LoadConfig.from_json(Path(args.config).read_text())
    except OSError as exc:
        return _refuse(f"cannot read the load config: {exc}")
    except ConfigError as exc:
        return _refuse(str(exc))
    if not args.worker and args.output is None:
        return _refuse("an OUTPUT path is required (except with --worker)")
    signal.alarm(int(config.duration_s + config.completion_timeout_s + HARD_LIMIT_MARGIN_S))
    _raise_open_file_limit()
    logging.basicConfig(level=logging.WARNING, format="loadtest %(levelname)s: %(message)s")
    if args.worker:
        from sandbox.loadtest.worker import run_worker

        return run_worker(config, args.master_host, args.master_port, args.worker_count)
    from sandbox.loadtest.engine import run
    from sandbox.loadtest.fleet import FleetError

    try:
        output = run(config, str(Path(args.config).resolve()))
    except FleetError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return EXIT_GENERATOR_FAILED
    target = Path(args.output)
    aside = target.with_name(target.name + ".tmp")
    aside.write_text(json.dumps(output))
    os.replace(aside, target)
    return EXIT_RAN


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox.loadtest.main")
    parser.add_argument("config", help="the run's LoadConfig as JSON")
    parser.add_argument("output", nargs="?", help="where to write the results (JSON)")
    parser.add_argument("--worker", action="store_true", help="run as a Locust worker")
    parser.add_argument("--master-host", default="127.0.0.1")
    parser.add_argument("--master-port", type=int, default=5557)
    parser.add_argument("--worker-count", type=int, default=1)
    return parser


def _raise_open_file_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = WANTED_OPEN_FILES if hard == resource.RLIM_INFINITY else min(hard, WANTED_OPEN_FILES)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _refuse(message: str) -> int:
    sys.stderr.write(f"error: {message}\n")
    return EXIT_BAD_CONFIG


if __name__ == "__main__":
    sys.exit(main())
