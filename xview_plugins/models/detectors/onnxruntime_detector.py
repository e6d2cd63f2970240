"""A detector exported to ONNX, run by ONNX Runtime with the same contract as
the torch model (mmdeploy's backend-model idea, small)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from mmdet.models.detectors.base import BaseDetector
from mmdet.registry import MODELS
from torch import Tensor

# the metadata tools/deploy/export_onnx.py writes into the file and this
# detector checks: the class count and names of the export
NUM_CLASSES_KEY = 'xview_plugins.num_classes'
CLASSES_KEY = 'xview_plugins.classes'


@MODELS.register_module()
class ONNXRuntimeDetector(BaseDetector):
    """Run ``onnx_file`` (written by ``tools/deploy/export_onnx.py``: the
    network up to the raw head outputs) on the CPU with ONNX Runtime; the
    inputs go through ``detector``'s data preprocessor and the outputs through
    its head's decoding and post-processing, exactly as the torch model's do.

    Args:
        onnx_file: the exported network.
        detector: the config of the exported detector (its
            ``data_preprocessor``, ``bbox_head``, ``test_cfg``); its weights
            are not needed.
        num_threads: ONNX Runtime's intra-op threads (0: its default).
    """

    def __init__(
        self,
        onnx_file: str,
        detector: dict,
        num_threads: int = 0,
        data_preprocessor: Optional[dict] = None,
        init_cfg=None,
    ) -> None:
        detector = copy.deepcopy(dict(detector))
        super().__init__(
            data_preprocessor=data_preprocessor
            or detector.get('data_preprocessor'),
            init_cfg=init_cfg,
        )
        head = dict(detector['bbox_head'])
        head.update(
            train_cfg=detector.get('train_cfg'),
            test_cfg=detector.get('test_cfg'),
        )
        # the head decodes and post-processes; its weights stay unused
        self.bbox_head = MODELS.build(head)
        self.onnx_file = str(onnx_file)
        self.num_threads = num_threads
        self._session = None
        shape = [
            size if isinstance(size, int) else None
            for size in self.session.get_inputs()[0].shape
        ]
        self.register_load_state_dict_pre_hook(self._head_weights_only)
        self.output_names = [o.name for o in self.session.get_outputs()]
        # a fixed batch dimension: smaller batches are padded to it
        self.fixed_batch = shape[0]
        # (height, width) the network was exported for (None: any)
        self.fixed_input_size = tuple(shape[2:]) if all(shape[2:]) else None
        self.exported_classes = self._check_class_count()

    def _check_class_count(self) -> list:
        """The class names the export recorded, after refusing a file
        exported for another number of classes than the config's head (its
        outputs would be decoded as the wrong classes) or one that does not
        say (not written by this package's export)."""
        import json

        from xview_data.errors import InputError

        props = self.session.get_modelmeta().custom_metadata_map
        recorded = props.get(NUM_CLASSES_KEY)
        if recorded is None:
            raise InputError(
                f'{self.onnx_file}: the file does not record the classes it'
                ' was exported for: export it again with'
                ' tools/deploy/export_onnx.py'
            )
        if int(recorded) != self.bbox_head.num_classes:
            raise InputError(
                f'{self.onnx_file}: exported for {recorded} classes, but the'
                f" config's head has {self.bbox_head.num_classes}: run it"
                ' with the config (and checkpoint) it was exported from'
            )
        return json.loads(props.get(CLASSES_KEY, '[]'))

    def check_classes(self, classes, source: str) -> None:
        """Refuse a checkpoint whose class names (its ``dataset_meta``)
        differ from those the ONNX file was exported with."""
        from xview_data.errors import InputError

        if self.exported_classes and list(classes) != list(
            self.exported_classes
        ):
            raise InputError(
                f'{self.onnx_file}: exported with the classes'
                f' {self.exported_classes[:3]}..., but {source} names'
                f' {list(classes)[:3]}...: use the checkpoint it was'
                ' exported from'
            )

    @staticmethod
    def _head_weights_only(module, state_dict, prefix, *args) -> None:
        """A checkpoint of the torch detector loads without a list of its
        network weights as unexpected keys: they are in the ONNX file."""
        for key in list(state_dict):
            if key.startswith(prefix) and not key.startswith(
                (f'{prefix}bbox_head.', f'{prefix}data_preprocessor.')
            ):
                del state_dict[key]

    @property
    def session(self):
        """The ONNX Runtime session, opened on first use (and again in a
        copy: hooks such as EMA deep-copy the model, sessions do not
        pickle)."""
        if self._session is None:
            import onnxruntime as ort

            from xview_data.errors import InputError, MissingInputError

            if not Path(self.onnx_file).is_file():
                raise MissingInputError(
                    f'{self.onnx_file}: no such ONNX file (write one with'
                    ' tools/deploy/export_onnx.py)'
                )
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.num_threads
            try:
                self._session = ort.InferenceSession(
                    self.onnx_file, options, providers=['CPUExecutionProvider']
                )
            except Exception as err:  # onnxruntime's own error types
                raise InputError(
                    f'{self.onnx_file}: ONNX Runtime cannot load it'
                    f' ({str(err).splitlines()[0][:200]})'
                ) from err
        return self._session

    def __getstate__(self) -> dict:
        return dict(super().__getstate__(), _session=None)

    def check_input_size(self, height: int, width: int) -> None:
        """Refuse inputs of another size than the exported one (a file
        exported with a fixed size): at build time for the tiles of
        ``SlicedInference``, and for every batch."""
        if self.fixed_input_size and (height, width) != self.fixed_input_size:
            fixed_height, fixed_width = self.fixed_input_size
            raise ValueError(
                f'{self.onnx_file}: exported for {fixed_width} x'
                f' {fixed_height}-px inputs, got {width} x {height}: run with'
                f' --tile-size {fixed_width} or export again with --tile-size'
                f' {width}'
            )

    def run(self, batch_inputs: Tensor) -> list[Tensor]:
        """The raw head outputs of a preprocessed batch."""
        inputs = batch_inputs.detach().cpu().float().numpy()
        self.check_input_size(*inputs.shape[2:])
        count = len(inputs)
        chunks = []
        step = self.fixed_batch or count
        for start in range(0, count, step):
            part = inputs[start : start + step]
            if self.fixed_batch and len(part) < self.fixed_batch:
                pad = np.zeros(
                    (self.fixed_batch - len(part), *part.shape[1:]), part.dtype
                )
                part = np.concatenate([part, pad])
            outputs = self.session.run(
                None, {self.session.get_inputs()[0].name: part}
            )
            chunks.append([o[: min(step, count - start)] for o in outputs])
        return [
            torch.from_numpy(np.concatenate(level)).to(batch_inputs.device)
            for level in zip(*chunks)
        ]

    def head_outputs(self, batch_inputs: Tensor) -> tuple[list[Tensor]]:
        """The raw head outputs grouped as the head's ``forward`` groups
        them (e.g. class scores and boxes, each per level), by their ONNX
        names ``head<g>_level<k>`` (an export without them: one group)."""
        groups = {}
        for name, output in zip(self.output_names, self.run(batch_inputs)):
            found = re.fullmatch(r'head(\d+)_level\d+', name)
            groups.setdefault(int(found[1]) if found else 0, []).append(output)
        return tuple(groups[g] for g in sorted(groups))

    def predict(
        self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True
    ):
        results = self.bbox_head.predict_by_feat(
            *self.head_outputs(batch_inputs),
            batch_img_metas=[s.metainfo for s in batch_data_samples],
            rescale=rescale,
        )
        return self.add_pred_to_datasample(batch_data_samples, results)

    def _forward(self, batch_inputs: Tensor, batch_data_samples=None):
        return self.head_outputs(batch_inputs)

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        raise NotImplementedError(
            'ONNXRuntimeDetector runs an exported network: train the torch'
            ' model'
        )

    def extract_feat(self, batch_inputs: Tensor):
        raise NotImplementedError(
            'the exported network returns the head outputs only'
        )
