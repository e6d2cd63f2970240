#!/usr/bin/env bash
# Evaluate a checkpoint on N processes of this machine with torchrun:
#   bash tools/dist_test.sh CONFIG CHECKPOINT N [test.py options]
set -euo pipefail
CONFIG=$1
CHECKPOINT=$2
NPROCS=$3
shift 3
PORT=${PORT:-29500}
PY=${PY:-python}
cd "$(dirname "$0")/.."
exec "$PY" -m torch.distributed.run --nnodes=1 --master_port="$PORT" \
    --nproc_per_node="$NPROCS" tools/test.py "$CONFIG" "$CHECKPOINT" --launcher pytorch "$@"
