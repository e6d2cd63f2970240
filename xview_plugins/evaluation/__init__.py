from .metrics import (
    ChipClassificationMetric,
    XViewMetric,
    classification_scores,
    confusion_matrix,
)

__all__ = [
    'XViewMetric',
    'ChipClassificationMetric',
    'classification_scores',
    'confusion_matrix',
]
