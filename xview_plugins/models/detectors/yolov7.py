from __future__ import annotations

from mmdet.models.detectors import SingleStageDetector
from mmdet.registry import MODELS


@MODELS.register_module()
class YOLOv7(SingleStageDetector):
    """YOLOv7 in mmdet: ``YOLOv7Backbone`` + ``YOLOv7Neck`` + ``YOLOv7Head``.

    ``deploy=True`` folds every BatchNorm into its conv and every RepConv into one 3x3
    conv before the first prediction (after the checkpoint is loaded); outputs are
    unchanged up to float round-off.
    """

    def __init__(self, *args, deploy: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deploy = deploy
        self._fused = False

    def switch_to_deploy(self) -> None:
        for module in self.modules():
            if module is not self and hasattr(module, 'fuse'):
                module.fuse()
        self._fused = True

    def predict(self, batch_inputs, batch_data_samples, rescale: bool = True):
        if self.deploy and not self._fused:
            self.switch_to_deploy()
        return super().predict(batch_inputs, batch_data_samples, rescale)
