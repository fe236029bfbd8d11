#!/usr/bin/env bash
# Installs everything critter-sandbox needs on Debian/Ubuntu, from nothing; safe to re-run.
#   - Debian packages: PostgreSQL, RabbitMQ (with Erlang), Python venv support, Go if absent,
#     Chromium (only the report tests use it), Prometheus and Alertmanager (--monitoring)
#   - the Python environment in .venv (the project, editable, with its dev tools)
#   - the Toxiproxy server, built with `go install` at a pinned version into .tools/bin
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

packages=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || packages+=(rabbitmq-server)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || packages+=(python3-venv)
command -v go >/dev/null 2>&1 || packages+=(golang-go)
# The report tests open the HTML report in Debian's headless Chromium (through Playwright).
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
# `sandbox up --monitoring` and the alert-rule tests (promtool).
command -v prometheus >/dev/null 2>&1 || packages+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || packages+=(prometheus-alertmanager)
if [ "${#packages[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${packages[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

# Builds Toxiproxy when it is missing, then prints the prerequisite table.
.venv/bin/sandbox doctor --install
