"""Test-time wrapper: run any detector over whole scenes by tiles, in
batches."""

from __future__ import annotations

import copy
import itertools
import logging
import re
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Optional

import torch
import torch.nn.functional as F
from mmdet.models.detectors.base import BaseDetector
from mmdet.registry import MODELS
from mmdet.structures import DetDataSample
from mmengine.logging import print_log
from mmengine.structures import InstanceData
from torch import Tensor

from xview_data.deprecation import renamed_setting
from xview_data.errors import InputError
from xview_data.geometry import window_starts

from ...utils.checkpoint import revise_state_dict_keys
from ..utils.box_fusion import weighted_box_fusion
from ..utils.incremental_nms import IncrementalNMS
from ..utils.post_processing import (
    classwise_nms,
    detector_test_cfg,
    rescale_boxes,
)
from .onnxruntime_detector import ONNXRuntimeDetector


def with_score_thr(detector: dict, score_thr: float) -> dict:
    """A copy of the ``detector`` config whose innermost detector (wrappers
    name theirs ``detector``) takes ``score_thr`` in its ``test_cfg``."""
    detector = copy.deepcopy(dict(detector))
    node = detector
    while isinstance(node.get('detector'), dict):
        node['detector'] = dict(node['detector'])
        node = node['detector']
    node['test_cfg'] = dict(node.get('test_cfg') or {}, score_thr=score_thr)
    return detector


class _Inline:
    """An executor that runs each task when it is submitted (tiles read on
    the network's thread)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def submit(self, task: Callable, *args) -> Future:
        done = Future()
        done.set_result(task(*args))
        return done


@MODELS.register_module()
class SlicedInference(BaseDetector):
    """Wrap ``detector`` so that it sees whole scenes (e.g. 3000 x 3000 px):
    the scene is cut into ``tile_size`` tiles overlapping by ``tile_overlap``
    (the last tile of a row or column ends at the edge), the tiles go through
    the detector ``batch_size`` at a time, boxes are shifted back to scene
    pixels and merged across tiles by class-wise NMS (``merge='nms'``) or
    weighted box fusion (``'wbf'``), both at ``test_cfg.nms.iou_threshold``.
    ``full_scene=True`` adds a pass over the scene downscaled to one tile, for
    objects larger than a tile. Every merged detection is kept unless
    ``test_cfg.max_per_img`` caps them, and then the number dropped is logged.

    ``test_cfg`` is mmdet's: ``score_thr`` (None: the wrapped detector's;
    a number is set as the wrapped detector's ``test_cfg.score_thr``, the
    model's one threshold, so that ``--cfg-options
    model.test_cfg.score_thr=0.1`` works on a whole-scene config as on any
    other), ``nms=dict(type='nms', iou_threshold=0.5)``, ``max_per_img``
    (None: all). ``overlap``, ``iou_threshold``, ``score_thr`` and
    ``max_per_img`` given as keywords are deprecated names.

    Memory is bounded before anything is allocated: a batch of tiles holds
    at most ``max_batch_pixels`` pixels (by default 2**25, e.g. 8 tiles of
    2048 px; YOLOv7-tiny takes some 220 bytes a pixel), else the scene is
    refused with the tile size that fits. ``progress``, when set, is called
    with the number of tiles of each batch done.

    The scene reaches this wrapper unnormalized (its data preprocessor only
    stacks the pixels); each batch of tiles goes through the wrapped detector's
    own preprocessor. Checkpoints of the wrapped detector load as they are.

    ``read_ahead``: read the next batch of tiles on a thread while the
    network runs the current one. None (default): beside ONNX Runtime or a
    GPU, not beside torch on the CPU, whose threads take every core (a reader
    beside them halved torch's speed at batch 1,
    ``benchmarks/sliced_inference_speed.py``).
    """

    def __init__(
        self,
        detector: dict,
        tile_size: int = 640,
        tile_overlap: Optional[int] = None,
        batch_size: int = 8,
        merge: str = 'nms',
        full_scene: bool = False,
        test_cfg: Optional[dict] = None,
        pad_value: Optional[float] = None,
        max_batch_pixels: int = 2**25,
        read_ahead: Optional[bool] = None,
        data_preprocessor: Optional[dict] = None,
        init_cfg=None,
        overlap: Optional[int] = None,
        iou_threshold: Optional[float] = None,
        score_thr: Optional[float] = None,
        max_per_img: Optional[int] = None,
    ) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor
            or dict(type='mmdet.DetDataPreprocessor', pad_size_divisor=1),
            init_cfg=init_cfg,
        )
        if merge not in ('nms', 'wbf'):
            raise ValueError(f"merge must be 'nms' or 'wbf', not {merge!r}")
        owner = type(self).__name__
        tile_overlap = renamed_setting(
            owner, 'overlap', 'tile_overlap', overlap, tile_overlap
        )
        tile_overlap = 64 if tile_overlap is None else tile_overlap
        if not 0 <= tile_overlap < tile_size:
            raise ValueError(
                f'tile_overlap must be in [0, tile_size), got {tile_overlap}'
            )
        self.test_cfg = detector_test_cfg(
            owner,
            test_cfg,
            dict(
                score_thr=None,
                nms=dict(type='nms', iou_threshold=0.5),
                max_per_img=None,
            ),
            iou_threshold=iou_threshold,
            score_thr=score_thr,
            max_per_img=max_per_img,
        )
        # class by class (mmcv's offset trick rounds coordinates by how far the
        # boxes reach, which would make a merge by parts differ from one of
        # everything)
        self.test_cfg.nms.split_thr = 0
        if self.test_cfg.score_thr is not None:
            detector = with_score_thr(detector, self.test_cfg.score_thr)
        self.detector = MODELS.build(detector)
        if not isinstance(self.detector, BaseDetector):
            raise ValueError(
                f'{type(self.detector).__name__} is not a detector (an mmdet'
                ' BaseDetector): whole scenes need a detection config'
            )
        self.tile_size = tile_size
        # a network of fixed input size (an ONNX export) takes only its tiles
        if hasattr(self.detector, 'check_input_size'):
            self.detector.check_input_size(tile_size, tile_size)
        self.tile_overlap = tile_overlap
        self.batch_size = batch_size
        self.max_batch_pixels = max_batch_pixels
        self.read_ahead = read_ahead
        self.progress: Optional[Callable[[int], None]] = None
        self.merge = merge
        self.full_scene = full_scene
        # by default tiles past the scene's edge are padded as the wrapped
        # detector's preprocessor pads its batches
        self.pad_value = float(
            getattr(self.detector.data_preprocessor, 'pad_value', 0)
            if pad_value is None
            else pad_value
        )
        self.register_load_state_dict_pre_hook(self._accept_plain_keys)

    @staticmethod
    def _accept_plain_keys(module, state_dict, prefix, *args) -> None:
        """A checkpoint of the wrapped detector has no ``detector.`` in its
        keys."""
        revised = revise_state_dict_keys(
            state_dict,
            [(f'^{re.escape(prefix)}(?!detector\\.)', f'{prefix}detector.')],
        )
        state_dict.clear()
        state_dict.update(revised)

    @property
    def dataset_meta(self):
        return getattr(self.detector, 'dataset_meta', None)

    @dataset_meta.setter
    def dataset_meta(self, value) -> None:
        self.detector.dataset_meta = value

    def loss(self, batch_inputs: Tensor, batch_data_samples) -> dict:
        raise NotImplementedError(
            'SlicedInference is a test-time wrapper: train the wrapped '
            'detector on tiles with its own config'
        )

    def _forward(self, batch_inputs: Tensor, batch_data_samples=None):
        raise NotImplementedError(
            'SlicedInference has no tensor mode; use predict'
        )

    def extract_feat(self, batch_inputs: Tensor):
        raise NotImplementedError('SlicedInference has no features of its own')

    def reads_ahead(self) -> bool:
        """Whether tiles are read on a thread beside the network (see
        ``read_ahead``)."""
        if self.read_ahead is not None:
            return self.read_ahead
        if isinstance(self.detector, ONNXRuntimeDetector):
            return True
        weight = next(self.detector.parameters(), None)
        return weight is not None and weight.device.type != 'cpu'

    def tiles(self, height: int, width: int) -> list[tuple[int, int]]:
        stride = self.tile_size - self.tile_overlap
        return [
            (x, y)
            for y in window_starts(height, self.tile_size, stride)
            for x in window_starts(width, self.tile_size, stride)
        ]

    def _run(self, images: list[Tensor]) -> list[InstanceData]:
        """The wrapped detector on same-size unnormalized (C, H, W) images."""
        samples = []
        for image in images:
            shape = tuple(image.shape[-2:])
            samples.append(
                DetDataSample(
                    metainfo=dict(
                        img_shape=shape,
                        ori_shape=shape,
                        scale_factor=(1.0, 1.0),
                        pad_shape=shape,
                    )
                )
            )
        data = self.detector.data_preprocessor(
            dict(inputs=list(images), data_samples=samples), False
        )
        results = self.detector.predict(
            data['inputs'], data['data_samples'], rescale=True
        )
        return [r.pred_instances for r in results]

    def _in_scene(
        self,
        found: InstanceData,
        window: tuple[float, float, float, float],
        scale: float = 1.0,
    ) -> InstanceData:
        """Detections (above ``test_cfg.score_thr``) of an image covering
        ``window``
        ``(x1, y1, x2, y2)`` of the scene (a tile; or the whole scene, at
        ``scale``), in scene pixels, clipped to the window: a tile sees nothing
        beyond itself, nor past the scene's edge. A box left without area (one
        found in the padding past the edge, clamped onto it) is dropped: it
        shows nothing of the scene, NMS cannot merge it and a scorer counts it
        as a false positive."""
        if self.test_cfg.score_thr is not None:
            found = found[found.scores >= self.test_cfg.score_thr]
        x1, y1, x2, y2 = window
        boxes = found.bboxes / scale + found.bboxes.new_tensor(
            (x1, y1)
        ).repeat(2)
        boxes[:, 0::2] = boxes[:, 0::2].clamp(x1, x2)
        boxes[:, 1::2] = boxes[:, 1::2].clamp(y1, y2)
        kept = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        return InstanceData(
            bboxes=boxes[kept],
            scores=found.scores[kept],
            labels=found.labels[kept],
        )

    def _pad(self, crop: Tensor) -> Tensor:
        size = self.tile_size
        return F.pad(
            crop,
            (0, size - crop.shape[-1], 0, size - crop.shape[-2]),
            value=self.pad_value,
        )

    def _window(self, corner, width: int, height: int) -> tuple:
        x, y = corner
        size = self.tile_size
        return (x, y, min(x + size, width), min(y + size, height))

    def predict_scene(
        self, scene: Tensor, batch_size: Optional[int] = None
    ) -> InstanceData:
        """Detections of one unnormalized (C, H, W) scene in scene pixels."""
        _, height, width = scene.shape
        size = self.tile_size

        def crops(batch) -> list[Tensor]:
            return [
                self._pad(scene[:, y : y + size, x : x + size])
                for x, y in batch
            ]

        parts = self._tile_detections(width, height, crops, batch_size)
        if self.full_scene:
            parts = itertools.chain(parts, [self._full_scene(scene)])
        return self._merge_parts(parts)

    def _full_scene(self, scene: Tensor) -> tuple[InstanceData, float]:
        """Detections of the scene downscaled to one tile (no boundary: they
        may reach anywhere)."""
        _, height, width = scene.shape
        scale = self.tile_size / max(height, width)
        small = F.interpolate(
            scene[None].float(),
            scale_factor=scale,
            mode='bilinear',
            align_corners=False,
            recompute_scale_factor=False,
        )[0]
        found = self._run([self._pad(small)])[0]
        return self._in_scene(found, (0, 0, width, height), scale), -1.0

    def predict_file(
        self, path: str, loader, batch_size: Optional[int] = None
    ) -> InstanceData:
        """Detections of a whole raster read tile by tile, never whole: each
        tile is read as a window by ``loader.read(path, window)`` (the
        config's ``LoadGeoTIFFFromFile``, with its options). The boxes are the
        ones
        :meth:`predict_scene` gives on the scene read whole. ``full_scene``
        needs the whole scene and is refused."""
        from xview_data.imagery import image_size

        if self.full_scene:
            raise ValueError(
                'full_scene=True reads the scene whole: use predict_scene'
            )
        width, height = image_size(path)

        def crops(batch) -> list[Tensor]:
            out = []
            for corner in batch:
                x1, y1, x2, y2 = self._window(corner, width, height)
                image = loader.read(str(path), (x1, y1, x2 - x1, y2 - y1))
                out.append(
                    self._pad(
                        torch.from_numpy(
                            image.transpose(2, 0, 1).copy()
                        ).float()
                    )
                )
            return out

        return self._merge_parts(
            self._tile_detections(width, height, crops, batch_size)
        )

    def _tile_detections(
        self,
        width: int,
        height: int,
        crops: Callable[[list], list[Tensor]],
        batch_size: Optional[int] = None,
    ) -> Iterator[tuple[InstanceData, float]]:
        """The detections of each batch of tiles (``crops`` gives a batch's
        padded tile images) in scene pixels, with the top of the next batch's
        first tile: no tile still to come reaches above it. With
        :meth:`reads_ahead`, a reader thread prepares the next batch while
        the network runs."""
        batch_size = batch_size or self.batch_size
        corners = self.tiles(height, width)
        self._check_memory(width, height, min(batch_size, len(corners)))
        batches = [
            corners[start : start + batch_size]
            for start in range(0, len(corners), batch_size)
        ]
        with (
            ThreadPoolExecutor(max_workers=1)
            if self.reads_ahead()
            else _Inline()
        ) as reader:
            coming = reader.submit(crops, batches[0])
            for number, batch in enumerate(batches):
                images = coming.result()
                later = number + 1 < len(batches)
                if later:
                    coming = reader.submit(crops, batches[number + 1])
                found = [
                    self._in_scene(tile, self._window(c, width, height))
                    for c, tile in zip(batch, self._run(images))
                ]
                if self.progress is not None:
                    self.progress(len(batch))
                boundary = batches[number + 1][0][1] if later else -1.0
                yield InstanceData.cat(found), boundary

    def _check_memory(self, width: int, height: int, tiles: int) -> None:
        """Refuse, before any allocation, a batch of ``tiles`` tiles above
        ``max_batch_pixels`` (e.g. a 20,000-px tile padding a 1,024-px
        scene)."""
        pixels = tiles * self.tile_size**2
        if pixels > self.max_batch_pixels:
            fits = int((self.max_batch_pixels / tiles) ** 0.5)
            raise InputError(
                f'{tiles} tile(s) of {self.tile_size} px for this'
                f' {width} x {height} scene make {pixels / 1e6:.0f} Mpx a'
                f' batch, above the {self.max_batch_pixels / 1e6:.0f} Mpx'
                f' limit (max_batch_pixels): use --tile-size {fits} or less,'
                ' a smaller --batch-size, or raise the limit in the config'
            )

    def _merge_parts(
        self, parts: Iterable[tuple[InstanceData, float]]
    ) -> InstanceData:
        """Merge detections given in parts with the boundary above which no
        later part reaches (negative: anywhere). By NMS the boxes are settled
        as the parts pass (:class:`IncrementalNMS`, exactly the boxes of one
        NMS of everything), so only the undecided ones are held; weighted box
        fusion merges them all at the end."""
        if self.merge != 'nms':
            return self._fuse(InstanceData.cat([found for found, _ in parts]))
        merger, settled = IncrementalNMS(self.test_cfg.nms), []
        for found, boundary in parts:
            merger.add(found)
            if boundary >= 0:
                settled.append(merger.settle(boundary))
        settled.append(merger.finish())
        return self._cap(InstanceData.cat(settled))

    def _fuse(self, found: InstanceData) -> InstanceData:
        """Weighted box fusion of all the detections (``merge='wbf'``)."""
        if not len(found):
            return self._cap(found)
        fused = weighted_box_fusion(
            found.bboxes,
            found.scores,
            found.labels,
            self.test_cfg.nms.iou_threshold,
        )
        return self._cap(
            InstanceData(**dict(zip(('bboxes', 'scores', 'labels'), fused)))
        )

    def _cap(self, merged: InstanceData) -> InstanceData:
        """The merged detections strongest first, capped at ``max_per_img``
        (the number dropped is logged)."""
        cap = self.test_cfg.max_per_img
        if cap is not None and len(merged) > cap:
            # a scene holds thousands of objects: a cap never acts unseen
            print_log(
                f'SlicedInference: kept the {cap} strongest of {len(merged)}'
                f' merged detections (max_per_img={cap}),'
                f' {len(merged) - cap} dropped',
                logger='current',
                level=logging.WARNING,
            )
        return classwise_nms(merged, None, cap)

    def predict(
        self, batch_inputs: Tensor, batch_data_samples, rescale: bool = True
    ):
        results = []
        for scene, sample in zip(batch_inputs, batch_data_samples):
            height, width = sample.img_shape
            found = self.predict_scene(scene[:, :height, :width])
            results.append(
                rescale_boxes(
                    found, sample.get('scale_factor') if rescale else None
                )
            )
        return self.add_pred_to_datasample(batch_data_samples, results)
