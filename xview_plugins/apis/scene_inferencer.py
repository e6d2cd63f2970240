"""Whole-scene inference on a config's own parts: mmdet's
``inference_detector`` idiom (the config's test pipeline, then
``model.test_step``) with the detector wrapped in ``SlicedInference``, and
drawing through the config's visualizer."""

from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Callable, Optional, Union

import numpy as np
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.structures import InstanceData

from xview_data.structures import ClassMap

from ..utils.checkpoint import CheckpointError
from ..utils.config import ConfigError, check_model_test_cfg, read_config

# SlicedInference options a caller may set; None keeps the config's (or the
# wrapper's default)
SLICING_OPTIONS = (
    'tile_size',
    'overlap',
    'batch_size',
    'merge',
    'full_scene',
    'max_per_img',
)
SCENE_META_KEYS = ('img_id', 'img_path', 'ori_shape', 'img_shape')
# the largest scene read whole (a scene-wide percentile stretch, the
# full-scene pass): 2**28 pixels, a 16,384-px square, some 10 GB at the
# 30-40 bytes a pixel the read, stretch and tensor take; streamed scenes have
# no limit
MAX_WHOLE_SCENE_PIXELS = 2**28
# pixels of the picture drawn at a time (matplotlib: some 110 MB)
DRAW_BAND_PIXELS = 1 << 20
# how far below a box's top its label can reach, in picture pixels
LABEL_REACH = 32


def sliced_model_config(model_cfg: dict, **options) -> dict:
    """``model_cfg`` wrapped in ``SlicedInference`` (or, when it already is
    one, a copy), with the given slicing ``options`` (None: unchanged)."""
    unknown = set(options) - set(SLICING_OPTIONS)
    if unknown:
        raise TypeError(f'unknown slicing options {sorted(unknown)}')
    model_cfg = copy.deepcopy(dict(model_cfg))
    if model_cfg.get('type') != 'SlicedInference':
        model_cfg = dict(type='SlicedInference', detector=model_cfg)
    model_cfg.update({k: v for k, v in options.items() if v is not None})
    return model_cfg


def scene_pipeline_cfg(cfg: Config) -> list[dict]:
    """The config's test pipeline as it applies to a whole scene: its image
    loading (with every option: bands, stretch, channel order) and packing;
    annotation loading and the tile-level geometry (resize, pad) are left
    out, ``SlicedInference`` cuts and pads the tiles."""
    from mmdet.utils import get_test_pipeline_cfg

    try:
        pipeline = get_test_pipeline_cfg(cfg)
    except (AttributeError, KeyError) as err:
        raise ConfigError(
            f'{cfg.filename}: no test_dataloader.dataset.pipeline to read '
            'scenes with'
        ) from err
    loading = [
        dict(step)
        for step in pipeline
        if str(step['type']).split('.')[-1].startswith('Load')
        and str(step['type']).split('.')[-1] != 'LoadAnnotations'
    ]
    if not loading:
        raise ConfigError(
            f'{cfg.filename}: the test pipeline loads no image'
            f' ({[s["type"] for s in pipeline]})'
        )
    return [*loading, dict(type='PackDetInputs', meta_keys=SCENE_META_KEYS)]


class SceneInferencer:
    """Detect objects in whole scenes with a config's detector.

    The scene is read by the config's own test pipeline (its loading steps,
    see :func:`scene_pipeline_cfg`), the detector runs by tiles inside
    ``SlicedInference`` (``tile_size``, ``overlap``, ``batch_size``,
    ``merge``, ``full_scene``, ``max_per_img``; None keeps the config's), run
    by torch or, with ``onnx_file`` (``tools/deploy/export_onnx.py``), by ONNX
    Runtime, and the checkpoint's ``dataset_meta`` (stored by the runner from
    the training dataset) names the classes and their xView type ids.

    Example::

        inferencer = SceneInferencer(CONFIG, CHECKPOINT, tile_size=640)
        sample = inferencer('scene.tif')        # a DetDataSample
        inferencer.draw(sample, 'scene.png')
    """

    def __init__(
        self,
        config: Union[str, Path, Config],
        checkpoint: str,
        device: str = 'cpu',
        cfg_options: Optional[dict] = None,
        onnx_file: Optional[str] = None,
        stream: bool = True,
        **slicing,
    ) -> None:
        from mmdet.registry import MODELS, VISUALIZERS
        from mmengine.model import revert_sync_batchnorm
        from mmengine.registry import init_default_scope

        from ..utils import load_detector_checkpoint

        cfg = (
            copy.deepcopy(config)
            if isinstance(config, Config)
            else read_config(config)
        )
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        check_model_test_cfg(cfg)
        cfg.model = sliced_model_config(cfg.model, **slicing)
        if onnx_file is not None:
            from .onnx_export import onnxruntime_model_config

            cfg.model = onnxruntime_model_config(cfg.model, onnx_file)
        self.cfg = cfg
        self.stream = stream
        init_default_scope(cfg.get('default_scope', 'mmdet'))
        self.pipeline = Compose(scene_pipeline_cfg(cfg))
        device = self._device(device)
        try:
            model = revert_sync_batchnorm(MODELS.build(cfg.model))
        except ValueError as err:
            # a setting the model refuses (e.g. overlap >= tile_size)
            raise ConfigError(f'{cfg.filename}: {err}') from err
        model.cfg, model.dataset_meta = cfg, {}
        load_detector_checkpoint(model, checkpoint)
        self.class_map = self._class_map(model.dataset_meta, checkpoint)
        backend = getattr(model, 'detector', model)
        if hasattr(backend, 'check_classes'):  # an ONNX export
            backend.check_classes(self.class_map.names, checkpoint)
        self.model = model.to(device).eval()
        self.visualizer = VISUALIZERS.build(
            dict(
                cfg.get('visualizer', dict(type='DetLocalVisualizer')),
                name=f'scene_inferencer_{id(self)}',
                vis_backends=None,
                save_dir=None,
            )
        )
        self.visualizer.dataset_meta = model.dataset_meta

    @staticmethod
    def _device(device: str) -> torch.device:
        """``device`` as torch names it, refused when torch cannot run
        there."""
        try:
            found = torch.device(device)
        except RuntimeError as err:
            raise ConfigError(
                f'--device {device!r}: not a device name (cpu, cuda, cuda:1)'
            ) from err
        if found.type == 'cuda' and not torch.cuda.is_available():
            raise ConfigError(
                f'--device {device}: torch sees no CUDA device here (use cpu)'
            )
        return found

    @staticmethod
    def _class_map(dataset_meta: dict, checkpoint: str) -> ClassMap:
        classes = dataset_meta.get('classes')
        type_ids = dataset_meta.get('xview_type_ids')
        if not classes or not type_ids or len(classes) != len(type_ids):
            raise CheckpointError(
                f'{checkpoint}: its meta.dataset_meta does not name the'
                " classes and their xView type ids ('classes',"
                " 'xview_type_ids' of equal length); checkpoints of"
                ' tools/train.py on an xView dataset and of'
                ' tools/convert_yolov7_weights.py carry them'
            )
        return ClassMap(tuple(type_ids), tuple(classes))

    def load(self, path: Union[str, Path]) -> dict:
        """The scene packed by the config's pipeline: ``inputs`` (C, H, W)
        uint8 as loaded, ``data_samples`` with its metainfo."""
        return self.pipeline(dict(img_path=str(path), img_id=0))

    def streams(self, path: Union[str, Path]) -> bool:
        """Whether ``path`` is read tile by tile (``SlicedInference.
        predict_file``): unless ``stream=False``, with the config's
        ``LoadGeoTIFFFromFile``, no full-scene pass, and pixels that need no
        scene-wide stretch (uint8, or ``stretch='dtype'``: a percentile
        stretch of a window would differ from the scene's)."""
        from xview_data.imagery import image_dtype

        from ..datasets.transforms import LoadGeoTIFFFromFile

        loader = self.pipeline.transforms[0]
        return (
            self.stream
            and isinstance(loader, LoadGeoTIFFFromFile)
            and not self.model.full_scene
            and (loader.stretch == 'dtype' or image_dtype(path) == 'uint8')
        )

    def tile_count(self, path: Union[str, Path]) -> int:
        """The number of tiles the scene is cut into (from its header)."""
        from xview_data.imagery import image_size

        width, height = image_size(path)
        return len(self.model.tiles(height, width))

    def __call__(
        self,
        path: Union[str, Path],
        progress: Optional[Callable[[int], None]] = None,
    ) -> DetDataSample:
        """Detections of one scene (``pred_instances`` in scene pixels),
        streamed tile by tile when :meth:`streams`, else read whole (up to
        :data:`MAX_WHOLE_SCENE_PIXELS`); ``progress`` is called with the
        number of tiles of each batch done."""
        self.model.progress = progress
        try:
            return self._detect(path)
        finally:
            self.model.progress = None

    def _detect(self, path: Union[str, Path]) -> DetDataSample:
        from xview_data.errors import InputError
        from xview_data.imagery import image_size

        width, height = image_size(path)
        if not self.streams(path):
            if width * height > MAX_WHOLE_SCENE_PIXELS:
                raise InputError(
                    f'{path}: {width} x {height} px is above the'
                    f' {MAX_WHOLE_SCENE_PIXELS / 1e6:.0f} Mpx read whole (a'
                    ' percentile stretch of its dtype, or --full-scene, needs'
                    " the whole scene): set the loader's stretch='dtype' to"
                    ' stream it tile by tile, or cut the scene'
                )
            return self.predict(self.load(path))
        sample = DetDataSample(
            metainfo=dict(
                img_path=str(path),
                ori_shape=(height, width),
                img_shape=(height, width),
            )
        )
        with torch.no_grad():
            sample.pred_instances = self.model.predict_file(
                path, self.pipeline.transforms[0]
            )
        return sample

    def predict(self, packed: dict) -> DetDataSample:
        with torch.no_grad():
            return self.model.test_step(pseudo_collate([packed]))[0]

    def picture(
        self, path: Union[str, Path], max_side: Optional[int] = 2048
    ) -> tuple[np.ndarray, float]:
        """The scene as RGB uint8, downscaled so that its longer side is at
        most ``max_side`` (read at that size: never whole), and the scale."""
        import cv2

        from xview_data.imagery import image_size, read_image

        from ..datasets.transforms import LoadGeoTIFFFromFile

        width, height = image_size(path)
        scale = 1.0
        if max_side and max(width, height) > max_side:
            scale = max_side / max(width, height)
        loader = self.pipeline.transforms[0]
        if isinstance(loader, LoadGeoTIFFFromFile):
            size = (round(width * scale), round(height * scale))
            image = read_image(
                path,
                bands=loader.bands,
                stretch=loader.stretch,
                channel_order='rgb',
                out_size=size if scale != 1.0 else None,
            )
            return image, scale
        image = self.load(path)['inputs'].permute(1, 2, 0).numpy()
        if getattr(loader, 'channel_order', 'bgr') == 'bgr':
            image = image[..., ::-1]
        if scale != 1.0:
            image = cv2.resize(
                image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
            )
        return np.ascontiguousarray(image), scale

    def draw(
        self,
        path: Union[str, Path],
        sample: DetDataSample,
        out_file: Union[str, Path],
        score_thr: float = 0.3,
        max_side: Optional[int] = 2048,
        max_labels: Optional[int] = 1000,
    ) -> Path:
        """Write a PNG of the scene with its detections above ``score_thr``,
        drawn by the config's visualizer on the scene downscaled so that its
        longer side is at most ``max_side``.

        The picture is drawn in bands of rows (matplotlib renders an image
        with some 110 bytes a pixel: 460 MB for a 2048-px picture at once),
        each with the boxes and labels that reach it. Above ``max_labels``
        boxes (a huge scene: each label is a matplotlib text of some 25 kB,
        unreadable at that scale) the boxes are drawn in their class colours
        without labels (None: always labelled)."""
        import mmcv

        image, scale = self.picture(path, max_side)
        found = sample.pred_instances
        found = found[found.scores > score_thr]
        # scaled copies: the caller's boxes stay as they are
        boxes = found.bboxes.cpu() * scale
        labelled = max_labels is None or len(found) <= max_labels
        height, width = image.shape[:2]
        rows = max(1, DRAW_BAND_PIXELS // width)
        drawn = np.empty_like(image)
        tops, bottoms = boxes[:, 1], boxes[:, 3]
        for top in range(0, height, rows):
            bottom = min(height, top + rows)
            # drawn with LABEL_REACH rows above (labels of boxes starting
            # there reach into the band) and below it the whole of every
            # box whose label shows in the band (a clipped box would get a
            # smaller label); what passes these rows is clipped (matplotlib
            # would otherwise widen the view), out of sight once cropped
            upper = max(0, top - LABEL_REACH)
            shown = (tops >= upper) & (tops < bottom)
            lower = min(
                height,
                max(
                    [bottom + LABEL_REACH]
                    + [int(np.ceil(y)) for y in bottoms[shown].tolist()]
                ),
            )
            near = (tops < bottom) & (bottoms > upper)
            part = boxes[near].clone()
            part[:, 1::2] = part[:, 1::2].clamp(upper, lower) - upper
            with warnings.catch_warnings():
                # mmengine warns of a box on the last column or row (its
                # bound is exclusive); matplotlib draws it as it should
                warnings.filterwarnings('ignore', message='.*out of bounds')
                band = self._draw_band(
                    np.ascontiguousarray(image[upper:lower]),
                    InstanceData(
                        bboxes=part,
                        scores=found.scores[near].cpu(),
                        labels=found.labels[near].cpu(),
                    ),
                    labelled,
                    score_thr,
                )
            drawn[top:bottom] = band[top - upper : bottom - upper]
        out_file = Path(out_file)
        out_file.parent.mkdir(parents=True, exist_ok=True)
        mmcv.imwrite(drawn[..., ::-1], str(out_file))
        return out_file

    def _draw_band(
        self,
        band: np.ndarray,
        found: InstanceData,
        labelled: bool,
        score_thr: float,
    ) -> np.ndarray:
        """One band of the picture (RGB) with its boxes drawn by the
        config's visualizer: as ``add_datasample`` draws them, or boxes in
        their class colours only."""
        from mmdet.visualization.palette import get_palette

        visualizer = self.visualizer
        if labelled:
            sample = DetDataSample()
            sample.pred_instances = found
            visualizer.add_datasample(
                'band', band, sample, draw_gt=False, pred_score_thr=score_thr
            )
            return visualizer.get_image()
        visualizer.set_image(band)
        if len(found):
            # the colours add_datasample gives each class
            palette = get_palette(
                visualizer.bbox_color
                or visualizer.dataset_meta.get('palette'),
                len(self.class_map.names),
            )
            visualizer.draw_bboxes(
                found.bboxes,
                edge_colors=[palette[k] for k in found.labels.tolist()],
                line_widths=1,
            )
        return visualizer.get_image()
