from .distributed import DeviceAwareDDP, init_cpu_process_group
from .hooks import (
    ClassWeightsHook,
    ConfusionMatrixHook,
    KerasEarlyStoppingHook,
    PlainCheckpointHook,
    TileVisualizationHook,
    YOLOv7ParamSchedulerHook,
)
from .optimizers import (
    SumAccumulateAmpOptimWrapper,
    SumAccumulateOptimWrapper,
    YOLOv7OptimWrapperConstructor,
)
from .schedulers import KerasReduceOnPlateauLR

__all__ = [
    'KerasReduceOnPlateauLR',
    'DeviceAwareDDP',
    'init_cpu_process_group',
    'ClassWeightsHook',
    'ConfusionMatrixHook',
    'KerasEarlyStoppingHook',
    'PlainCheckpointHook',
    'TileVisualizationHook',
    'YOLOv7ParamSchedulerHook',
    'SumAccumulateAmpOptimWrapper',
    'SumAccumulateOptimWrapper',
    'YOLOv7OptimWrapperConstructor',
]
