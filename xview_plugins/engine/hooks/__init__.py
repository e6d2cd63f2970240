from .class_weights_hook import ClassWeightsHook, balanced_class_weights
from .close_rasters_hook import CloseRastersHook
from .confusion_matrix_hook import ConfusionMatrixHook, plot_confusion_matrix
from .keras_early_stopping_hook import KerasEarlyStoppingHook
from .plain_checkpoint_hook import PlainCheckpointHook
from .tile_visualization_hook import TileVisualizationHook
from .yolov7_param_scheduler_hook import YOLOv7ParamSchedulerHook

__all__ = [
    'ClassWeightsHook',
    'balanced_class_weights',
    'CloseRastersHook',
    'ConfusionMatrixHook',
    'plot_confusion_matrix',
    'KerasEarlyStoppingHook',
    'PlainCheckpointHook',
    'TileVisualizationHook',
    'YOLOv7ParamSchedulerHook',
]
