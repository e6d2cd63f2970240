#!/usr/bin/env bash
# Evaluate a checkpoint on N processes of this machine with torchrun:
#   bash tools/dist_test.sh CONFIG CHECKPOINT N [test.py options]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROCS=$3
shift 3
PORT=${PORT:-29500}
cd "$(dirname "$0")/.."
# the project's environment (make setup) unless PY names another interpreter
PY=${PY:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}
exec "$PY" -m torch.distributed.run --nnodes=1 --master_port="$PORT" \
    --nproc_per_node="$NPROCS" tools/test.py "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
