from .backbones.seed_nets import SeedCNN, SeedFFNN
from .backbones.yolov7_backbone import YOLOv7Backbone
from .classifiers import ChipClassifier
from .dense_heads.yolov7_head import YOLOv7Head
from .detectors.sliced_inference import SlicedInference
from .detectors.sliding_window import SlidingWindowDetector
from .detectors.yolov7 import YOLOv7
from .necks.yolov7_neck import YOLOv7Neck
from .yolov7_official import load_official_state_dict, official_key_map, official_outputs

__all__ = ['SeedFFNN', 'SeedCNN', 'ChipClassifier', 'YOLOv7Backbone', 'YOLOv7Neck', 'YOLOv7Head', 'YOLOv7',
           'SlidingWindowDetector', 'SlicedInference', 'official_outputs',
           'official_key_map', 'load_official_state_dict']
