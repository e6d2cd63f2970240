from .class_weights_hook import ClassWeightsHook, balanced_class_weights
from .confusion_matrix_hook import ConfusionMatrixHook, plot_confusion_matrix
from .plain_checkpoint_hook import PlainCheckpointHook
from .yolov7_lr_hook import YOLOv7ParamSchedulerHook

__all__ = ['ClassWeightsHook', 'balanced_class_weights', 'PlainCheckpointHook', 'YOLOv7ParamSchedulerHook', 'ConfusionMatrixHook',
           'plot_confusion_matrix']
