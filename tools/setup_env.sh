#!/usr/bin/env bash
# Creates .venv with the pinned stack and the package in editable mode.
# Idempotent: a second run with unchanged requirements returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp="$VENV/.xview_plugins_setup"
digest=$(cat requirements/*.txt pyproject.toml tools/setup_env.sh | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ] && "$VENV/bin/python" -c "import mmcv.ops, mmdet, xview_plugins" 2>/dev/null; then
  echo "[setup] $VENV is up to date"
  exit 0
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip_install() { "$VENV/bin/python" -m pip install --disable-pip-version-check -c requirements/constraints.txt "$@"; }
pip_install -q --upgrade pip wheel "setuptools>=77.0.3,<81"
pip_install -q torch==2.13.0
# mmcv has no wheel for this torch: build with ops against the installed torch.
# pip caches the built wheel, so only the first machine-wide run compiles (~13 min on 2 cores).
if ! "$VENV/bin/python" -c "import mmcv.ops" 2>/dev/null; then
  echo "[setup] building mmcv 2.1.0 with ops (first time only, about 13 minutes on 2 cores)"
  MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-2} pip_install --no-build-isolation mmcv==2.1.0
fi
pip_install -q -r requirements/runtime.txt -r requirements/tests.txt -r requirements/deploy.txt
# The editable build prints a multi-line setuptools notice; keep it in a log unless it fails.
pip_install -q --no-build-isolation --no-deps -e . >"$VENV/editable-install.log" 2>&1 ||
  { cat "$VENV/editable-install.log"; exit 1; }
"$VENV/bin/python" -c "import mmcv.ops, mmdet, xview_plugins; print('[setup] ok: mmcv', mmcv.__version__, 'mmdet', mmdet.__version__)"
echo "$digest" > "$stamp"
