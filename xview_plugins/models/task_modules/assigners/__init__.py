from .yolov7_ota_assigner import OTAAssignment, YOLOv7OTAAssigner

__all__ = ['OTAAssignment', 'YOLOv7OTAAssigner']
