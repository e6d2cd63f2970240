"""Official YOLOv7 weights converted to ours, pickled models refused."""

import subprocess
import sys

import pytest
import torch

import xview_plugins  # noqa: F401
from tests.conftest import ROOT


def test_weights_tool_converts_and_refuses_pickled_models(
    reference_dir, tmp_path
):
    fixture = torch.load(
        reference_dir / 'yolov7-tiny_official_reference.pt', weights_only=True
    )
    torch.save(fixture['state_dict'], tmp_path / 'official.pt')
    out = tmp_path / 'converted.pth'
    tool = [sys.executable, str(ROOT / 'tools' / 'convert_yolov7_weights.py')]
    config = str(ROOT / 'configs' / 'yolov7-tiny_xview.py')
    result = subprocess.run(
        tool + [str(tmp_path / 'official.pt'), str(out), '--config', config],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert (
        'kept initialization (shape differs): model.77.m.0.weight'
        in result.stdout
    )  # 12 vs 80
    checkpoint = torch.load(out, weights_only=True)
    key = 'backbone.layers.0.conv.weight'
    assert torch.equal(
        checkpoint['state_dict'][key],
        fixture['state_dict']['model.0.conv.weight'],
    )

    torch.save(
        {'model': torch.nn.Linear(2, 2)}, tmp_path / 'yolov7.pt'
    )  # a pickled module
    result = subprocess.run(
        tool + [str(tmp_path / 'yolov7.pt'), str(out), '--config', config],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2 and 'state_dict()' in result.stderr


def official_state(reference_dir, layout):
    """An official-shaped state_dict (random values) from a layout file."""
    import json

    generator = torch.Generator().manual_seed(0)
    official = json.loads((reference_dir / layout).read_text())
    state = {
        key: torch.rand(shape, generator=generator)
        for key, shape in official['state_dict_keys']
    }
    # the head's anchors as the official model holds them (pixels, strides)
    pixels = torch.tensor(official['anchors'], dtype=torch.float32)
    strides = torch.tensor(official['strides'])
    for key in state:
        if key.endswith('.anchor_grid'):
            state[key] = pixels.view(state[key].shape)
        elif key.endswith('.anchors'):
            state[key] = pixels.view(state[key].shape) / strides.view(-1, 1, 1)
    return state


def test_yolov7x_weights_convert_and_another_architecture_is_refused(
    reference_dir, tmp_path
):
    """Every yolov7x tensor lands in the yolov7x config's model (only the
    80-class detection convs keep their initialization); the yolov7 config
    refuses them, naming the first tensor that differs."""
    from xview_plugins.apis.convert_weights import convert_official_weights
    from xview_plugins.utils import CheckpointError

    state = official_state(reference_dir, 'yolov7x_official_layout.json')
    src = tmp_path / 'yolov7x.pt'
    torch.save(state, src)
    out = tmp_path / 'x.pth'
    x = str(ROOT / 'configs' / 'yolov7x_xview.py')
    report = convert_official_weights(str(src), str(out), x)
    assert report['missing'] == []
    # the class-dependent head tensors: detection convs and ImplicitM
    assert sorted(report['mismatched']) == sorted(
        [f'model.121.m.{k}.{p}' for k in range(3) for p in ('bias', 'weight')]
        + [f'model.121.im.{k}.implicit' for k in range(3)]
    )
    saved = torch.load(out, weights_only=True)['state_dict']
    assert torch.equal(
        saved['neck.layers.61.conv.weight'], state['model.120.conv.weight']
    )
    with pytest.raises(CheckpointError, match='model.0.conv.weight'):
        convert_official_weights(
            str(src),
            str(tmp_path / 'l.pth'),
            str(ROOT / 'configs' / 'yolov7_xview.py'),
        )
    assert not (tmp_path / 'l.pth').exists()


@pytest.mark.parametrize(
    'arch, first, head_index, other',
    [
        ('w6', 47, 122, 'e6'),
        ('e6', 57, 144, 'e6e'),
        ('d6', 67, 166, 'e6'),
        ('e6e', 112, 265, 'd6'),
    ],
)
def test_p6_weights_convert_and_another_p6_config_is_refused(
    reference_dir, tmp_path, arch, first, head_index, other
):
    """Every tensor of an official P6 model, auxiliary head included, lands
    in its config's model (only the 80-class detection convs of the lead and
    auxiliary heads keep their initialization); another P6 config refuses
    the weights."""
    from xview_plugins.apis.convert_weights import convert_official_weights
    from xview_plugins.utils import CheckpointError

    state = official_state(
        reference_dir, f'yolov7-{arch}_official_layout.json'
    )
    src = tmp_path / f'{arch}.pt'
    torch.save(state, src)
    out = tmp_path / 'converted.pth'
    config = str(ROOT / 'configs' / f'yolov7-{arch}_xview.py')
    report = convert_official_weights(str(src), str(out), config)
    assert report['missing'] == []
    head = f'model.{head_index}'
    assert sorted(report['mismatched']) == sorted(
        [
            f'{head}.{conv}.{k}.{p}'
            for conv in ('m', 'm2')
            for k in range(4)
            for p in ('bias', 'weight')
        ]
        + [f'{head}.im.{k}.implicit' for k in range(4)]
    )
    saved = torch.load(out, weights_only=True)['state_dict']
    # the last auxiliary conv: official layer head_index - 1 of the neck
    # that starts at layer ``first``
    last = head_index - 1
    assert torch.equal(
        saved[f'neck.layers.{last - first}.conv.weight'],
        state[f'model.{last}.conv.weight'],
    )
    with pytest.raises(CheckpointError, match=r'model\.\d+\.'):
        convert_official_weights(
            str(src),
            str(tmp_path / 'other.pth'),
            str(ROOT / 'configs' / f'yolov7-{other}_xview.py'),
        )
    assert not (tmp_path / 'other.pth').exists()
