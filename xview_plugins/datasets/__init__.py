from .class_metainfo import class_metainfo, class_palette
from .dataset_wrappers import ClassAwareMixDataset
from .transforms import (
    LetterboxTile,
    LoadGeoTIFFFromFile,
    PackTileInputs,
    YOLOv7HSVRandomAug,
    YOLOv7MixUp,
)
from .xview_dataset import XViewDataset, XViewTxtDataset
from .xview_recognition_dataset import XViewRecognitionDataset
from .yolov7_mix_dataset import YOLOv7MixDataset, yolov7_train_pipeline

__all__ = [
    'XViewDataset',
    'XViewTxtDataset',
    'XViewRecognitionDataset',
    'ClassAwareMixDataset',
    'YOLOv7MixDataset',
    'yolov7_train_pipeline',
    'LetterboxTile',
    'PackTileInputs',
    'LoadGeoTIFFFromFile',
    'YOLOv7HSVRandomAug',
    'YOLOv7MixUp',
    'class_palette',
    'class_metainfo',
]
