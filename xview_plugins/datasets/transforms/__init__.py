from .chip_augment import (
    OfflineGeometricAugment,
    PackChipInputs,
    RandomChannelShift,
    RandomIllumination,
    RandomRot90,
)
from .loading import LoadGeoTIFFFromFile
from .yolov7_augment import YOLOv7HSVRandomAug, YOLOv7MixUp

__all__ = [
    'LoadGeoTIFFFromFile',
    'YOLOv7HSVRandomAug',
    'YOLOv7MixUp',
    'OfflineGeometricAugment',
    'RandomRot90',
    'RandomIllumination',
    'RandomChannelShift',
    'PackChipInputs',
]
