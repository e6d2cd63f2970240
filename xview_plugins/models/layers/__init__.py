from .yolov7_blocks import (
    SPPCSPC,
    Concat,
    ConvBNAct,
    ImplicitA,
    ImplicitM,
    MaxPoolDown,
    MaxPoolSame,
    RepConv,
    Upsample,
)

__all__ = [
    'ConvBNAct',
    'MaxPoolDown',
    'MaxPoolSame',
    'Concat',
    'Upsample',
    'SPPCSPC',
    'RepConv',
    'ImplicitA',
    'ImplicitM',
]
