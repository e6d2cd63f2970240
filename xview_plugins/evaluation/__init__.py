from . import metrics
from .metrics import *  # noqa: F401,F403

__all__ = list(metrics.__all__)
