from types import SimpleNamespace

import numpy as np
import pytest
import torch

from xview_plugins.engine.hooks import ClassWeightsHook, balanced_class_weights
from xview_plugins.models.classifiers.chip_classifier import (
    ChipClassifier,
    make_data_sample,
)


def test_balanced_weights_follow_keras_and_skip_absent_classes():
    weights = balanced_class_weights([0, 0, 0, 1, 2, 2], num_classes=4)
    # n / (classes present * count): 6 / (3 * 3), 6 / (3 * 1), 6 / (3 * 2);
    # class 3 absent; one float64 division each: allclose's rtol 1e-5 covers
    assert np.allclose(weights, [2 / 3, 2.0, 1.0, 0.0])


class LabelsOnly:
    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def get_cat_ids(self, idx):
        return [self.labels[idx]]


def fake_runner(model, labels):
    logged = []
    return (
        SimpleNamespace(
            model=model,
            train_dataloader=SimpleNamespace(dataset=LabelsOnly(labels)),
            logger=SimpleNamespace(info=logged.append),
        ),
        logged,
    )


def test_hook_sets_balanced_weights_that_the_loss_uses():
    backbone = dict(type='RecognitionFFNN', model=4, input_size=(8, 8, 3))
    model = ChipClassifier(backbone, num_classes=3, class_weights='balanced')
    runner, logged = fake_runner(model, [0, 0, 0, 1])
    ClassWeightsHook().before_train(runner)
    # one division each, stored in float32: allclose's rtol 1e-5 covers
    assert torch.allclose(model.class_weights, torch.tensor([4 / 6, 2.0, 0.0]))
    assert logged and 'balanced class weights' in logged[0]
    inputs = torch.rand(2, 3, 8, 8)
    logits = model(inputs, mode='tensor')
    labels = torch.tensor([0, 1])
    expected = torch.nn.functional.cross_entropy(
        logits, labels, weight=model.class_weights
    )
    samples = [make_data_sample(0), make_data_sample(1)]
    # the same float32 cross-entropy of 2 samples: a few ulps of the loss
    assert torch.allclose(
        model(inputs, samples, mode='loss')['loss_cls'], expected
    )
    assert not torch.allclose(
        expected, torch.nn.functional.cross_entropy(logits, labels)
    )


def test_hook_leaves_explicit_weights_alone_and_bad_modes_are_refused():
    backbone = dict(type='RecognitionFFNN', model=4, input_size=(8, 8, 3))
    model = ChipClassifier(backbone, num_classes=2, class_weights=[1.0, 3.0])
    ClassWeightsHook().before_train(fake_runner(model, [0, 1, 1])[0])
    assert model.class_weights.tolist() == [1.0, 3.0]
    with pytest.raises(ValueError, match='balanced'):
        ChipClassifier(backbone, num_classes=2, class_weights='inverse')
