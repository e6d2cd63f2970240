"""YOLOv7's layer runner lets each output go after the last layer that reads
it: while layer i runs, exactly the outputs still to be read (or returned) are
alive."""

import weakref

import pytest
import torch

import xview_plugins  # noqa: F401
from xview_plugins.models import YOLOv7Backbone, YOLOv7Neck


@pytest.mark.parametrize('part', ['backbone', 'neck'])
def test_outputs_live_until_their_last_reader(part):
    backbone = YOLOv7Backbone('tiny').eval()
    neck = YOLOv7Neck(backbone.out_channels, 'tiny')
    module = backbone if part == 'backbone' else neck.eval()
    first = 0 if part == 'backbone' else module.first
    # the official layer numbers of the outputs
    outputs = backbone.out_layers if part == 'backbone' else neck.out_indices
    last_read = {
        s: first + offset
        for offset, srcs in enumerate(module.sources)
        for s in srcs
    }
    refs, problems = {}, []

    def hook(index):
        def check(layer, args, output):
            alive = {j for j, ref in refs.items() if ref() is not None}
            expected = {
                j
                for j in refs
                if last_read.get(j, -1) >= index or j in outputs
            }
            if alive != expected:
                problems.append((index, sorted(alive ^ expected)))
            refs[index] = weakref.ref(output)

        return check

    for offset, layer in enumerate(module.layers):
        layer.register_forward_hook(hook(first + offset))
    with torch.no_grad():
        feats = backbone(torch.rand(1, 3, 64, 64))
        if part == 'neck':
            module(feats)
    assert problems == []
    assert len(refs) == len(module.layers)
