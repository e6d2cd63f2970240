from .sum_accumulate_amp_optim_wrapper import SumAccumulateAmpOptimWrapper
from .sum_accumulate_optim_wrapper import SumAccumulateOptimWrapper
from .yolov7_optim_wrapper_constructor import YOLOv7OptimWrapperConstructor

__all__ = [
    'SumAccumulateAmpOptimWrapper',
    'SumAccumulateOptimWrapper',
    'YOLOv7OptimWrapperConstructor',
]
