from .metrics import ChipClassificationMetric, classification_scores, confusion_matrix

__all__ = ['ChipClassificationMetric', 'classification_scores', 'confusion_matrix']
