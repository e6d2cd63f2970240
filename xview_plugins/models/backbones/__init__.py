from .seed_nets import SeedCNN, SeedFFNN
from .yolov7_backbone import YOLOv7Backbone

__all__ = ['SeedFFNN', 'SeedCNN', 'YOLOv7Backbone']
