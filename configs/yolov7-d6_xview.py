# YOLOv7-D6 (yolov7-d6.yaml, 154.7 M parameters at 80 classes): yolov7-e6
# deeper (eight stacked 3x3 per ELAN) and wider.
_base_ = ['yolov7-w6_xview.py']

model = dict(
    backbone=dict(arch='d6'),
    neck=dict(arch='d6', in_channels=[384, 768, 1152, 1536]),
    bbox_head=dict(
        in_channels=[384, 768, 1152, 1536],
        aux_in_channels=[384, 768, 1152, 1536],
    ),
)
