#!/usr/bin/env bash
# The main job: set up, bring the sandbox up, walk a shopper through it, restart the broker
# under live orders, run a short load test, write the reports (each run's, and report.html
# over both) and gate both results (all in .sandbox/runs/demo-*).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/sandbox up
.venv/bin/sandbox demo
results=".sandbox/runs/demo-$(date -u +%Y%m%dT%H%M%SZ)"
.venv/bin/sandbox chaos broker-restart --seed 1 --out "$results"
.venv/bin/sandbox loadtest 20 --duration 20 --think 0.5 --pace 3 --seed 1 --out "$results"
.venv/bin/sandbox report "$results"/*.json --out "$results"
.venv/bin/sandbox gate "$results"/*.json
