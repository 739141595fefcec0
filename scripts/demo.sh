#!/usr/bin/env bash
# The main job on embedded defaults: installs, then runs the headless demo into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/craftology demo \
  --brief "A 30-second ad for trail shoes: a runner on a mountain trail at dusk, six shots, handheld" \
  --out out --data-dir .craftology "$@"
