from .backbones import SeedCNN, SeedFFNN, YOLOv7Backbone
from .classifiers import ChipClassifier
from .dense_heads import YOLOv7Head
from .detectors import SlicedInference, SlidingWindowDetector, YOLOv7
from .necks import YOLOv7Neck
from .yolov7_official import (
    load_official_state_dict,
    official_key_map,
    official_outputs,
)

__all__ = [
    'SeedFFNN',
    'SeedCNN',
    'ChipClassifier',
    'YOLOv7Backbone',
    'YOLOv7Neck',
    'YOLOv7Head',
    'YOLOv7',
    'SlidingWindowDetector',
    'SlicedInference',
    'official_outputs',
    'official_key_map',
    'load_official_state_dict',
]
