"""Readers and writers of the xView formats, chipping and splits (no torch
here)."""

from ..structures import AnnotationTable
from .chipping import (
    chip_scenes,
    clip_to_window,
    cut_object_chips,
    window_starts,
)
from .coco import read_coco, write_coco
from .convert import ConvertOptions, ConvertReport, convert, read_annotations
from .paths import (
    atomic_write,
    path_inside,
    safe_relative_path,
    staged_directory,
)
from .splits import split_by_scene
from .xview_geojson import (
    attach_images,
    read_xview_geojson,
    write_xview_geojson,
)
from .xview_txt import read_xview_txt, write_xview_txt
from .yolo import read_yolo, write_dataset_yaml, write_yolo_labels, yolo_rows

# The recognition layout is COCO-shaped (one object per 224x224 chip, bbox x,
# y, w, h).
read_recognition = read_coco

__all__ = [
    'AnnotationTable',
    'convert',
    'ConvertOptions',
    'ConvertReport',
    'read_annotations',
    'read_xview_geojson',
    'write_xview_geojson',
    'attach_images',
    'read_xview_txt',
    'write_xview_txt',
    'read_coco',
    'write_coco',
    'read_recognition',
    'read_yolo',
    'write_yolo_labels',
    'write_dataset_yaml',
    'yolo_rows',
    'chip_scenes',
    'clip_to_window',
    'cut_object_chips',
    'window_starts',
    'split_by_scene',
    'atomic_write',
    'path_inside',
    'safe_relative_path',
    'staged_directory',
]
