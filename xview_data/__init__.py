"""The torch-free data layer of xview-plugins.

Readers and writers of the xView formats, chipping, splits and the synthetic
generator. It imports neither torch nor mmengine, so conversions start fast and
stay small in memory; ``xview_plugins`` (the registered mm plugins) builds on
it.
"""

from .structures import (
    BENCHMARK12,
    XVIEW60,
    AnnotationTable,
    ClassMap,
    ImageRecord,
    load_class_map,
)

__all__ = [
    'AnnotationTable',
    'ImageRecord',
    'ClassMap',
    'BENCHMARK12',
    'XVIEW60',
    'load_class_map',
]
