#!/usr/bin/env bash
# Train on N processes of this machine (one per GPU, or gloo processes on a CPU-only
# machine) with torchrun and mmengine's pytorch launcher:
#   bash tools/dist_train.sh CONFIG N [train.py options, e.g. --data-root DIR]
# NNODES, NODE_RANK, MASTER_ADDR and PORT select a multi-node run (run it on every node).
set -euo pipefail
CONFIG=$1
NPROCS=$2
shift 2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
cd "$(dirname "$0")/.."
# the project's environment (make setup) unless PY names another interpreter
PY=${PY:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}
exec "$PY" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --master_port="$PORT" --nproc_per_node="$NPROCS" \
    tools/train.py "$CONFIG" --launcher pytorch "$@"
