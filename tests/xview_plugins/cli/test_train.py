"""What ``tools/train.py`` makes of a config: ``--amp``."""

import contextlib
import copy
from unittest import mock

import pytest
import torch
from mmengine.optim import AmpOptimWrapper, build_optim_wrapper

import xview_plugins  # noqa: F401
from tests.conftest import ROOT
from xview_plugins.cli.errors import exit_code_of
from xview_plugins.cli.train import prepare_train_config, train_arg_parser
from xview_plugins.engine import SumAccumulateAmpOptimWrapper

YOLOV7 = str(ROOT / 'configs' / 'yolov7_xview.py')
CLASSIFIER = str(ROOT / 'configs' / 'classification' / 'exp01_ffnn-m1.py')


@contextlib.contextmanager
def cuda_available(available: bool = True):
    """A machine with one CUDA device, as far as mmengine can tell (the
    tensors stay on the CPU)."""
    with mock.patch('torch.cuda.is_available', return_value=available):
        with mock.patch('torch.cuda.device_count', return_value=available):
            yield


def amp_config(config: str, *options: str, cuda: bool = True):
    argv = [config, '--amp', '--work-dir', 'unused']
    if options:
        argv += ['--cfg-options', *options]
    with cuda_available(cuda):
        return prepare_train_config(train_arg_parser().parse_args(argv))


def test_amp_keeps_the_summed_accumulation_of_the_yolov7_recipe():
    # plain SGD so that the step is -lr x the accumulated gradient
    cfg = amp_config(
        YOLOV7,
        'optim_wrapper.optimizer.lr=0.5',
        'optim_wrapper.optimizer.momentum=0',
        'optim_wrapper.optimizer.nesterov=False',
        'optim_wrapper.optimizer.weight_decay=0',
    )
    assert cfg.optim_wrapper.type == 'SumAccumulateAmpOptimWrapper'
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    with cuda_available():
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    assert type(wrapper) is SumAccumulateAmpOptimWrapper
    assert isinstance(wrapper, AmpOptimWrapper)
    counts = wrapper._accumulative_counts
    assert counts == 4  # the recipe's nominal batch of 64 at batch 16

    inputs = [torch.randn(5, 3) for _ in range(counts)]
    reference = copy.deepcopy(model)
    for x in inputs:  # the official train.py: the batches' losses summed
        (reference(x) ** 2).sum().backward()
    before = [p.detach().clone() for p in model.parameters()]
    for step, x in enumerate(inputs, 1):
        # the forward outside mmengine's autocast (bfloat16 on a CPU): what
        # is checked is the accumulation under the gradient scaler
        wrapper.update_params((model(x) ** 2).sum())
        if step < counts:  # accumulating: no step yet
            for p, b in zip(model.parameters(), before):
                assert torch.equal(p, b)
    for p, b, ref in zip(model.parameters(), before, reference.parameters()):
        # The loss scale is a power of two, so scaling and unscaling are
        # exact; what remains is float32 round-off of a 4-term sum and one
        # update: a few ulps of the gradient's magnitude.
        torch.testing.assert_close(
            p - b, -0.5 * ref.grad, rtol=8 * 2**-23, atol=1e-7
        )


def test_amp_gives_a_plain_wrapper_mmengine_amp():
    cfg = amp_config(CLASSIFIER)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_amp_on_a_machine_without_cuda_trains_in_float32():
    with pytest.warns(UserWarning, match='needs a CUDA device'):
        cfg = amp_config(YOLOV7, cuda=False)
    assert cfg.optim_wrapper.type == 'SumAccumulateOptimWrapper'


def test_amp_refuses_a_wrapper_it_cannot_keep(capsys):
    args = train_arg_parser().parse_args(
        [
            CLASSIFIER,
            '--amp',
            '--work-dir',
            'unused',
            '--cfg-options',
            'optim_wrapper.type=ApexOptimWrapper',
        ]
    )
    with cuda_available():
        code = exit_code_of(lambda: prepare_train_config(args))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith('error: ') and CLASSIFIER in err[0]
    assert 'ApexOptimWrapper' in err[0]


@pytest.mark.parametrize(
    'constructor, expected',
    [
        ('YOLOv7OptimWrapperConstructor', 'SumAccumulateAmpOptimWrapper'),
        ('DefaultOptimWrapperConstructor', 'AmpOptimWrapper'),
    ],
)
def test_amp_reads_the_wrapper_a_config_without_type_gets(
    constructor, expected
):
    from mmengine.config import Config

    from xview_plugins.utils.config import enable_amp

    cfg = Config(dict(optim_wrapper=dict(constructor=constructor)))
    with cuda_available():
        enable_amp(cfg)
    assert cfg.optim_wrapper.type == expected
