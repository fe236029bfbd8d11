#!/usr/bin/env bash
# The whole test suite: set-up, lint, type check, then unit and system tests on real
# PostgreSQL, RabbitMQ and Toxiproxy that the tests start (and stop) themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# --durations: the slowest tests, to keep CI within its 30 minutes.
.venv/bin/pytest --durations=15 "$@"
