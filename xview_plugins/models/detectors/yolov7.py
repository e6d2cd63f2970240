from __future__ import annotations

import copy

import torch.nn as nn
from mmdet.models.detectors import SingleStageDetector
from mmdet.registry import MODELS


@MODELS.register_module()
class YOLOv7(SingleStageDetector):
    """YOLOv7 in mmdet: ``YOLOv7Backbone`` + ``YOLOv7Neck`` + ``YOLOv7Head``.

    ``deploy=True`` predicts with a copy in which every BatchNorm is folded
    into its conv and every RepConv into one 3x3 conv (outputs equal up to
    float round-off). The copy is rebuilt whenever the weights change, so hooks
    that swap weights (EMA) keep working; :meth:`switch_to_deploy` fuses this
    model itself, for export.
    """

    def __init__(self, *args, deploy: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deploy = deploy
        self._fused_copy = (
            None  # (weights fingerprint, ModuleList); not a submodule
        )

    def switch_to_deploy(self) -> None:
        """BatchNorm folded, RepConv merged, auxiliary head parts (P6
        models) dropped."""
        deploy_form(nn.ModuleList([self.backbone, self.neck, self.bbox_head]))

    def _fused_parts(self) -> nn.ModuleList:
        fingerprint = tuple(
            (p.data_ptr(), p._version) for p in self.parameters()
        )
        if self._fused_copy is None or self._fused_copy[0] != fingerprint:
            parts = copy.deepcopy(
                nn.ModuleList([self.backbone, self.neck, self.bbox_head])
            )
            deploy_form(parts)
            self._fused_copy = (fingerprint, parts.eval())
        return self._fused_copy[1]

    def predict(self, batch_inputs, batch_data_samples, rescale: bool = True):
        if not self.deploy:
            return super().predict(batch_inputs, batch_data_samples, rescale)
        backbone, neck, head = self._fused_parts()
        results = head.predict(
            neck(backbone(batch_inputs)), batch_data_samples, rescale=rescale
        )
        return self.add_pred_to_datasample(batch_data_samples, results)


def deploy_form(parts: nn.Module) -> None:
    """Fold BatchNorm and merge RepConv in ``parts`` and drop what only the
    auxiliary head needs."""
    for module in list(parts.modules()):
        if hasattr(module, 'fuse'):
            module.fuse()
        if hasattr(module, 'drop_auxiliary'):
            module.drop_auxiliary()
