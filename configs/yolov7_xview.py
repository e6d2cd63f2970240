# YOLOv7 (yolov7.yaml, hyp.scratch.p5) on 640-px tiles of the official xView
# release.
_base_ = [
    '_base_/models/yolov7_l.py',
    '_base_/datasets/xview_tiles.py',
    '_base_/schedules/yolov7_scratch.py',
]
