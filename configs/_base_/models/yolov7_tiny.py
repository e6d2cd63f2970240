# yolov7-tiny.yaml (cfg/training): yolov7.yaml's head and recipe with the
# tiny network, its anchors and the loss weights of hyp.scratch.tiny (cls 0.5,
# obj 1.0).
_base_ = ['yolov7_l.py']

num_classes = 12
num_levels = 3
img_size = 640
model = dict(
    backbone=dict(arch='tiny'),
    neck=dict(arch='tiny', in_channels=[128, 256, 512]),
    bbox_head=dict(
        in_channels=[128, 256, 512],
        anchors=[
            [10, 13, 16, 30, 33, 23],
            [30, 61, 62, 45, 59, 119],
            [116, 90, 156, 198, 373, 326],
        ],
        loss_cls=dict(
            loss_weight=0.5 * (num_classes / 80.0 * 3.0 / num_levels)
        ),
        loss_obj=dict(
            loss_weight=1.0 * ((img_size / 640) ** 2 * 3.0 / num_levels)
        ),
    ),
)
