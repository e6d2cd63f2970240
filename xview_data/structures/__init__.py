from .annotation_table import (
    INVERTED_BOX,
    ZERO_AREA_BOX,
    AnnotationTable,
    ImageRecord,
    concat_tables,
)
from .numbers import parse_float, parse_int
from .xview_classes import (
    BACKGROUND_TYPE_ID,
    BENCHMARK12,
    BENCHMARK12_CLASSES,
    NOT_SCORED_TYPE_IDS,
    OFFICIAL_SCORER_SPLITS,
    XVIEW60,
    XVIEW_TYPE_NAMES,
    ClassMap,
    load_class_map,
)

__all__ = [
    'AnnotationTable',
    'ImageRecord',
    'concat_tables',
    'ClassMap',
    'load_class_map',
    'BENCHMARK12',
    'BENCHMARK12_CLASSES',
    'XVIEW60',
    'XVIEW_TYPE_NAMES',
    'NOT_SCORED_TYPE_IDS',
    'OFFICIAL_SCORER_SPLITS',
    'BACKGROUND_TYPE_ID',
    'parse_float',
    'parse_int',
    'INVERTED_BOX',
    'ZERO_AREA_BOX',
]
