# YOLOv7-E6E (yolov7-e6e.yaml, 166.4 M parameters at 80 classes): yolov7-e6
# with each ELAN doubled into a summed pair (the paper's extended E-ELAN).
_base_ = ['yolov7-w6_xview.py']

model = dict(
    backbone=dict(arch='e6e'),
    neck=dict(arch='e6e', in_channels=[320, 640, 960, 1280]),
    bbox_head=dict(
        in_channels=[320, 640, 960, 1280],
        aux_in_channels=[320, 640, 960, 1280],
    ),
)
