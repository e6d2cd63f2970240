from .chip_classification_metric import (
    ChipClassificationMetric,
    classification_scores,
    confusion_matrix,
)
from .xview_metric import XViewMetric

__all__ = [
    'XViewMetric',
    'ChipClassificationMetric',
    'classification_scores',
    'confusion_matrix',
]
