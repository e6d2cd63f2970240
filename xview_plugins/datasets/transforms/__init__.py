from .chip_augment import (
    OfflineGeometricAugment,
    PackChipInputs,
    RandomChannelShift,
    RandomIllumination,
    RandomRot90,
)
from .formatting import PackTileInputs
from .loading import LoadGeoTIFFFromFile
from .transforms import LetterboxTile
from .yolov7_augment import (
    YOLOv7HSVRandomAug,
    YOLOv7MixUp,
    YOLOv7Mosaic,
    YOLOv7RandomAffine,
)

__all__ = [
    'PackTileInputs',
    'LetterboxTile',
    'LoadGeoTIFFFromFile',
    'YOLOv7HSVRandomAug',
    'YOLOv7MixUp',
    'YOLOv7Mosaic',
    'YOLOv7RandomAffine',
    'OfflineGeometricAugment',
    'RandomRot90',
    'RandomIllumination',
    'RandomChannelShift',
    'PackChipInputs',
]
