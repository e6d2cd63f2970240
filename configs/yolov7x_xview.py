# YOLOv7x (yolov7x.yaml: the wider P5 model, 71.3 M parameters at 80 classes,
# hyp.scratch.p5) on 640-px tiles of the official xView release.
_base_ = ['yolov7_xview.py']

model = dict(
    backbone=dict(arch='x'),
    neck=dict(arch='x', in_channels=[640, 1280, 1280]),
    bbox_head=dict(in_channels=[320, 640, 1280]),
)
