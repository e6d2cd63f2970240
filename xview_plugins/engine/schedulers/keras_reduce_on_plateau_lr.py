from __future__ import annotations

from mmengine.optim.scheduler import ReduceOnPlateauLR
from mmengine.registry import PARAM_SCHEDULERS


@PARAM_SCHEDULERS.register_module()
class KerasReduceOnPlateauLR(ReduceOnPlateauLR):
    """Keras' ``ReduceLROnPlateau(monitor, factor, patience, min_delta)``
    on mmengine's scheduler.

    Keras lowers the learning rate once ``patience`` evaluations in a row did
    not beat the best score by more than ``min_delta`` (absolute, default
    1e-4); mmengine (as PyTorch) waits for ``patience + 1`` and compares
    relatively by default. This class takes the Keras numbers as the report
    gives them and sets mmengine's counterparts.
    """

    def __init__(
        self,
        optimizer,
        monitor: str,
        rule: str = 'greater',
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        **kwargs,
    ) -> None:
        if patience < 1:
            raise ValueError(f'patience must be at least 1, got {patience}')
        super().__init__(
            optimizer,
            monitor=monitor,
            rule=rule,
            factor=factor,
            patience=patience - 1,
            threshold=min_delta,
            threshold_rule='abs',
            **kwargs,
        )
        self.keras_patience = patience
