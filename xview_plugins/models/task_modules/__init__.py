from .assigners import YOLOv7OTAAssigner

__all__ = ['YOLOv7OTAAssigner']
