"""The YOLOv7 class/objectness loss is the official op to the last bit, in
the loss and in its gradients (round-off differences in gradients alone change
a training run)."""

import torch
import torch.nn as nn

from xview_plugins.models import YOLOv7BCELoss


def test_loss_and_gradients_equal_the_official_bce_bit_for_bit():
    torch.manual_seed(0)
    logits = torch.randn(64, 12) * 3
    target = torch.rand(64, 12).round() * 0.95 + 0.025  # smoothed labels
    for pos_weight in (1.0, 2.5):
        ours_in = logits.clone().requires_grad_()
        ref_in = logits.clone().requires_grad_()
        ours = YOLOv7BCELoss(pos_weight)(ours_in, target)
        official = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([pos_weight]))(
            ref_in, target
        )
        ours.backward()
        official.backward()
        assert torch.equal(ours, official)
        assert torch.equal(ours_in.grad, ref_in.grad)


def test_the_loss_adds_no_state_to_checkpoints():
    assert YOLOv7BCELoss(2.0).state_dict() == {}
