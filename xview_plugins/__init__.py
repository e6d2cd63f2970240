"""mm-style plugins for xView: importing this package registers every module
into the mmdet / mmengine registries (configs load it with
``custom_imports``)."""

from . import datasets, engine, evaluation, models, utils  # noqa: F401  (registration happens on import)

__version__ = '0.1.0'
