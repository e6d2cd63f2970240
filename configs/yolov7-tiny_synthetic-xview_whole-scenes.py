# The demo's YOLOv7-tiny evaluated on whole held-out scenes instead of tiles:
# the detector is wrapped in SlicedInference (the demo's tiles and overlap,
# 8 tiles per forward pass, class-wise NMS across tiles), so
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
    tile_overlap={{_base_.tiles.tile_overlap}},
    batch_size=8,
    merge='nms',
    full_scene=False,
    test_cfg=dict(nms=dict(type='nms', iou_threshold=0.65)),
)
# whole scenes: the tiles are SlicedInference's
test_dataloader = dict(
    batch_size=1,
    persistent_workers=False,
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
