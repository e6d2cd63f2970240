from .chip_classifier import ChipClassifier
from .convolutional_window_scorer import ConvolutionalWindowScorer

__all__ = ['ChipClassifier', 'ConvolutionalWindowScorer']
