"""One module per xView-related format, each with its public readers and
writers (no torch here)."""

from .coco import (
    coco_categories,
    coco_detection_results,
    read_coco,
    write_coco,
    write_coco_images,
    write_coco_results,
)
from .submission import (
    SUBMISSION_SUFFIX,
    read_submission,
    read_submission_file,
    write_submission_file,
)
from .xview_geojson import (
    attach_images,
    read_xview_geojson,
    write_detections_geojson,
    write_xview_geojson,
)
from .xview_txt import read_xview_txt, write_xview_txt
from .yolo import read_yolo, write_dataset_yaml, write_yolo_labels, yolo_rows

# The recognition layout is COCO-shaped (one object per 224x224 chip, bbox x,
# y, w, h).
read_recognition = read_coco

__all__ = [
    'coco_categories',
    'coco_detection_results',
    'read_coco',
    'write_coco',
    'write_coco_images',
    'write_coco_results',
    'read_recognition',
    'SUBMISSION_SUFFIX',
    'read_submission',
    'read_submission_file',
    'write_submission_file',
    'attach_images',
    'read_xview_geojson',
    'write_detections_geojson',
    'write_xview_geojson',
    'read_xview_txt',
    'write_xview_txt',
    'read_yolo',
    'write_dataset_yaml',
    'write_yolo_labels',
    'yolo_rows',
]
