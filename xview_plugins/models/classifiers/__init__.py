from .image_classifier import ChipClassifier

__all__ = ['ChipClassifier']
