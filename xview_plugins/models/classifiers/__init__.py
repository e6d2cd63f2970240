from .image_classifier import ChipClassifier
from .window_scorer import ConvolutionalWindowScorer

__all__ = ['ChipClassifier', 'ConvolutionalWindowScorer']
