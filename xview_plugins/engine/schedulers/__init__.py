from .keras_reduce_on_plateau_lr import KerasReduceOnPlateauLR

__all__ = ['KerasReduceOnPlateauLR']
