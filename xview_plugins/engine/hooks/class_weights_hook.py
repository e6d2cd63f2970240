from __future__ import annotations

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.registry import HOOKS


def balanced_class_weights(labels, num_classes: int) -> np.ndarray:
    """Keras/scikit-learn's 'balanced' weights, ``n / (num_classes * count)``;
    classes absent from the training set get weight 0 (they have no loss term
    anyway).
    """
    counts = np.bincount(
        np.asarray(labels, dtype=np.int64), minlength=num_classes
    )
    weights = np.zeros(num_classes, np.float64)
    present = counts > 0
    weights[present] = counts.sum() / (present.sum() * counts[present])
    return weights


@HOOKS.register_module()
class ClassWeightsHook(Hook):
    """Resolves ``class_weights='balanced'`` of a classifier from the training
    set's labels before training (the model cannot see its data); other
    settings are left alone.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = (
            runner.model.module
            if is_model_wrapper(runner.model)
            else runner.model
        )
        if getattr(model, 'class_weights_mode', None) != 'balanced':
            return
        dataset = runner.train_dataloader.dataset
        labels = [dataset.get_cat_ids(i)[0] for i in range(len(dataset))]
        weights = balanced_class_weights(labels, model.num_classes)
        model.class_weights = torch.as_tensor(
            weights,
            dtype=torch.float32,
            device=next(model.parameters()).device,
        )
        runner.logger.info(
            'balanced class weights: ' + ', '.join(f'{w:.2f}' for w in weights)
        )
