# YOLOv7-W6 (yolov7-w6.yaml, 82.3 M parameters at 80 classes; the official
# train_aux.py with hyp.scratch.p6) on 1280-px tiles of the official xView
# release: P6 models see the small objects at twice the P5 models' scale.
# hyp.scratch.p6 differs from p5 only in lrf 0.2 (the loss weights, scaled for
# 4 levels at 1280 px, are in the model base).
_base_ = [
    '_base_/models/yolov7_w6.py',
    '_base_/datasets/xview_tiles.py',
    '_base_/schedules/yolov7_scratch.py',
]

tiles = dict(tile_size=1280, tile_overlap=128)
train_dataloader = dict(dataset=dict(dataset=tiles))
val_dataloader = dict(dataset=tiles)
test_dataloader = val_dataloader
default_hooks = dict(param_scheduler=dict(lrf=0.2))
