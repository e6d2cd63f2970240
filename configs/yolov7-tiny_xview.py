# YOLOv7-tiny (yolov7-tiny.yaml, hyp.scratch.tiny) on 640-px tiles of the
# official xView release. hyp.scratch.tiny differs from p5 in: scale 0.5,
# translate 0.1, mixup 0.05, lrf 0.01 and the loss weights (in the model base).
_base_ = [
    '_base_/models/yolov7_tiny.py',
    '_base_/datasets/xview_tiles.py',
    '_base_/schedules/yolov7_scratch.py',
]

train_dataloader = dict(
    dataset=dict(
        max_translate_ratio=0.1,
        scaling_ratio_range=(0.5, 1.5),
        mixup_prob=0.05,
    )
)
default_hooks = dict(param_scheduler=dict(lrf=0.01))
