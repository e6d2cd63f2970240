from .plain_checkpoint_hook import PlainCheckpointHook
from .yolov7_lr_hook import YOLOv7ParamSchedulerHook

__all__ = ['PlainCheckpointHook', 'YOLOv7ParamSchedulerHook']
