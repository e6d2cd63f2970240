from .metrics import XViewMetric, ChipClassificationMetric, classification_scores, confusion_matrix

__all__ = ['XViewMetric', 'ChipClassificationMetric', 'classification_scores', 'confusion_matrix']
