from .generator import (
    SyntheticSpec,
    class_probabilities,
    generate_synthetic_xview,
)

__all__ = ['SyntheticSpec', 'class_probabilities', 'generate_synthetic_xview']
