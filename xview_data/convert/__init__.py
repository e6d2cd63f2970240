"""One conversion, orchestrated: read a source format, clean, chip, split and
write the target formats, with a report (no torch here)."""

from .convert import (
    READERS,
    SOURCE_FORMATS,
    TARGET_FORMATS,
    WRITERS,
    ConvertOptions,
    convert,
    read_annotations,
)
from .report import ConvertReport

__all__ = [
    'READERS',
    'SOURCE_FORMATS',
    'TARGET_FORMATS',
    'WRITERS',
    'ConvertOptions',
    'ConvertReport',
    'convert',
    'read_annotations',
]
