import pytest
import torch
from mmengine.structures import BaseDataElement

import xview_plugins  # noqa: F401
from xview_plugins.models import (
    ChipClassifier,
    RecognitionCNN,
    RecognitionFFNN,
)


@pytest.mark.parametrize(
    'model, out', [(1, 32 * 32 * 3), (2, 32), (3, 32), (4, 32)]
)
def test_ffnn_models(model, out):
    net = RecognitionFFNN(model=model, input_size=(32, 32, 3))
    assert net.out_features == out
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, out)


@pytest.mark.parametrize(
    'model, convs', [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 6)]
)
def test_cnn_models_end_in_ffnn_model_4(model, convs):
    net = RecognitionCNN(
        model=model,
        input_size=(32, 32, 3),
        act='elu',
        batch_norm=True,
        dropout=0.2,
        init='he_normal',
    )
    assert sum(isinstance(m, torch.nn.Conv2d) for m in net.modules()) == convs
    assert [
        m.out_features
        for m in net.classifier
        if isinstance(m, torch.nn.Linear)
    ] == [64, 32]
    net.eval()
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 32)


def test_classifier_losses_and_predictions():
    backbone = dict(type='RecognitionFFNN', model=4, input_size=(8, 8, 3))
    samples = [BaseDataElement(gt_label=torch.tensor([k])) for k in (0, 3)]
    plain = ChipClassifier(backbone, num_classes=4)
    weighted = ChipClassifier(
        backbone,
        num_classes=4,
        class_weights=[1, 1, 1, 5],
        weight_penalty=('l2', 1e-3),
    )
    weighted.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 8, 8)
    base = plain(x, samples, mode='loss')
    losses = weighted(x, samples, mode='loss')
    kernels = sum(
        (m.weight**2).sum()
        for m in plain.modules()
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))
    )
    # float32 sums of ~10^4 squares in another order: sqrt(n) ulps < 1e-5
    assert losses['loss_weight_penalty'].item() == pytest.approx(
        1e-3 * kernels.item(), rel=1e-5
    )
    assert losses['loss_cls'].item() != pytest.approx(base['loss_cls'].item())
    predicted = plain(x, samples, mode='predict')
    assert predicted[0].pred_score.shape == (4,)
    # softmax of 4 classes in float32: a few ulps of 1, within rel 1e-6
    assert predicted[0].pred_score.sum().item() == pytest.approx(1.0)
    with pytest.raises(ValueError):
        ChipClassifier(backbone, weight_penalty=('l3', 1.0))


def test_keras_initializers():
    torch.manual_seed(0)
    fan_in, fan_out = 3 * 3 * 128, 3 * 3 * 64  # the second conv of model 3
    limits = {
        'glorot_uniform': (6 / (fan_in + fan_out)) ** 0.5,
        'he_uniform': (6 / fan_in) ** 0.5,
    }
    for init, limit in limits.items():
        net = RecognitionCNN(model=3, input_size=(16, 16, 3), init=init)
        weight = [m for m in net.features if isinstance(m, torch.nn.Conv2d)][1]
        assert weight.weight.abs().max() <= limit
        assert weight.weight.abs().max() > 0.95 * limit  # uniform, full range
        # std of 73,728 draws: standard error 1/sqrt(2n) = 0.26 %; 5 % is
        # 19 of them
        assert weight.weight.std().item() == pytest.approx(
            limit / 3**0.5, rel=0.05
        )
        assert not weight.bias.any()
    # Keras' HeNormal: normal truncated at 2 std, std sqrt(2 / fan_in) / 0.8796
    net = RecognitionCNN(model=3, input_size=(16, 16, 3), init='he_normal')
    weight = [m for m in net.features if isinstance(m, torch.nn.Conv2d)][1]
    std = (2 / fan_in) ** 0.5 / 0.87962566103423978
    assert weight.weight.abs().max() <= 2 * std
    # as above: 19 standard errors of the estimated std
    assert weight.weight.std().item() == pytest.approx(
        (2 / fan_in) ** 0.5, rel=0.05
    )


def test_cnn_dropout_is_in_the_convolutional_part():
    net = RecognitionCNN(model=5, input_size=(32, 32, 3), dropout=0.2)
    assert sum(isinstance(m, torch.nn.Dropout) for m in net.features) == 3
    assert not any(isinstance(m, torch.nn.Dropout) for m in net.classifier)
    ffnn = RecognitionFFNN(model=2, input_size=(8, 8, 3), dropout=0.2)
    assert sum(isinstance(m, torch.nn.Dropout) for m in ffnn.layers) == 4


def test_configs_with_the_old_backbone_names_still_build():
    from mmdet.registry import MODELS

    for old, new in (
        ('SeedFFNN', RecognitionFFNN),
        ('SeedCNN', RecognitionCNN),
    ):
        built = MODELS.build(dict(type=old, model=1, input_size=(8, 8, 3)))
        assert type(built) is new
