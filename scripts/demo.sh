#!/usr/bin/env bash
# The main job: set up, bring the sandbox up, and drive a short demo through it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/sandbox up
.venv/bin/sandbox demo
