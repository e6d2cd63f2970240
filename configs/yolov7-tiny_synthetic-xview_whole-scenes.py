# The demo's YOLOv7-tiny evaluated on whole held-out scenes instead of tiles:
# the detector is wrapped in SlicedInference (the demo's tiles overlapping by
# 32 px, 8 tiles per forward pass, class-wise NMS across tiles), so
# tools/test.py scores each 1024-px scene once, with COCO mAP and the official
# xView scoring:
#   python tools/test.py configs/yolov7-tiny_synthetic-xview_whole-scenes.py \
#       CHECKPOINT
# where CHECKPOINT comes from training configs/yolov7-tiny_synthetic-xview.py.
_base_ = ['yolov7-tiny_synthetic-xview.py']

model = dict(
    _delete_=True,
    type='SlicedInference',
    detector={{_base_.model}},
    tile_size={{_base_.tile_size}},
    overlap=32,
    batch_size=8,
    merge='nms',
    iou_threshold=0.65,
    full_scene=False,
)
# whole scenes: the tiles are SlicedInference's
test_dataloader = dict(
    batch_size=1,
    dataset=dict(
        tile_size=None,
        tile_overlap=0,
        pipeline=[
            dict(type='LoadGeoTIFFFromFile'),
            dict(type='LoadAnnotations', with_bbox=True),
            dict(type='PackTileInputs'),
        ],
    ),
)
