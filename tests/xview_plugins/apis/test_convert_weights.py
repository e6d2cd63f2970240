"""Official YOLOv7 weights converted to ours, pickled models refused."""

import subprocess
import sys

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
