#!/usr/bin/env bash
# The main job: set up, bring the sandbox up, walk a shopper through it, then restart the
# broker under live orders and judge the run (result file under .sandbox/runs/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/sandbox up
.venv/bin/sandbox demo
.venv/bin/sandbox chaos broker-restart --seed 1
.venv/bin/sandbox gate .sandbox/runs/*-broker-restart-seed1.json
