# YOLOv7-E6 (yolov7-e6.yaml, 111.9 M parameters at 80 classes): yolov7-w6's
# recipe with wider levels, DownC downsampling and six stacked 3x3 per ELAN.
_base_ = ['yolov7-w6_xview.py']

model = dict(
    backbone=dict(arch='e6'),
    neck=dict(arch='e6', in_channels=[320, 640, 960, 1280]),
    bbox_head=dict(
        in_channels=[320, 640, 960, 1280],
        aux_in_channels=[320, 640, 960, 1280],
    ),
)
