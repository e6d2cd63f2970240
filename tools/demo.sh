#!/usr/bin/env bash
# The main job on the embedded default: synthetic xView -> chips (COCO + YOLO, to show the
# converter) -> train YOLOv7-tiny on 320-px tiles read straight from the GeoJSON with
# tools/train.py -> COCO mAP on the held-out scenes with tools/test.py -> detections drawn
# on a whole held-out scene.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
DATA=${DATA:-data/synthetic_xview}
CHIPS=${CHIPS:-data/synthetic_xview_chips}
WORK=${WORK:-work_dirs/demo}
CONFIG=${CONFIG:-configs/yolov7-tiny_synthetic-xview.py}

[ -f "$DATA/xView_train.geojson" ] || "$PY" tools/make_synthetic_xview.py "$DATA"
[ -f "$CHIPS/train.json" ] || "$PY" tools/convert_annotations.py "$DATA/xView_train.geojson" \
    "$CHIPS" --from xview --to coco yolo --images "$DATA/train_images" --tile-size 512 \
    --tile-overlap 64 --val-fraction 0.25 --split-seed 0
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK" --data-root "$DATA"
CKPT=$(cat "$WORK/last_checkpoint")
"$PY" tools/test.py "$CONFIG" "$CKPT" --work-dir "$WORK" --show-dir vis \
    --data-root "$DATA" | tee "$WORK/test.log"
SCENE=$("$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))['scenes']['val'][0])" "$CHIPS/summary.json")
"$PY" tools/infer.py "$CONFIG" "$CKPT" "$DATA/train_images/$SCENE" --out "$WORK/scenes" \
    --tile-size 320 --tile-overlap 32 --overwrite
echo
echo "== demo outputs =="
echo "synthetic release:     $DATA"
echo "chips (COCO + YOLO):   $CHIPS"
echo "training log, ckpts:   $WORK  (checkpoint: $CKPT)"
echo "COCO mAP (val tiles):  $(grep -o 'coco/bbox_mAP: [0-9.]*  coco/bbox_mAP_50: [0-9.]*' "$WORK/test.log" | tail -1)"
echo "xView mAP (val tiles): $(grep -o 'xview/map: [0-9.]*' "$WORK/test.log" | tail -1)"
echo "drawn val tiles:       $(ls -d "$WORK"/*/vis 2>/dev/null | tail -1)"
echo "detections on a scene: $WORK/scenes/drawn/${SCENE%.*}.png (xView submission, GeoJSON and COCO results beside it)"
