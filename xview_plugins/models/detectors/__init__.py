from .sliced_inference import SlicedInference
from .sliding_window import SlidingWindowDetector
from .yolov7 import YOLOv7

__all__ = ['YOLOv7', 'SlidingWindowDetector', 'SlicedInference']
