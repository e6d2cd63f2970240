from .yolov7_ciou_loss import YOLOv7CIoULoss, bbox_ciou

__all__ = ['YOLOv7CIoULoss', 'bbox_ciou']
