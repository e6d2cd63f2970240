"""Whole-scene inference on a config's own parts, in the shape of mmdet's
``DetInferencer``: the config's image loading, the detector wrapped in
``SlicedInference``, drawing through the config's visualizer, and the files
GIS tools and the xView scorer read."""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
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


def image_loaders() -> tuple[type, ...]:
    """The transforms that load an image, as the first step of a test
    pipeline (mmdet's convention, which its ``DetInferencer`` reads the same
    way)."""
    from mmcv.transforms import LoadImageFromFile

    from ..datasets.transforms import LoadGeoTIFFFromFile

    return (LoadGeoTIFFFromFile, LoadImageFromFile)


def sliced_model_config(
    model_cfg: dict,
    tile_size: Optional[int] = None,
    tile_overlap: Optional[int] = None,
    batch_size: Optional[int] = None,
    merge: Optional[str] = None,
    full_scene: Optional[bool] = None,
    max_per_img: Optional[int] = None,
) -> dict:
    """``model_cfg`` wrapped in ``SlicedInference`` (or, when it already is
    one, a copy), with the given settings (None: the config's, or the
    wrapper's default; ``max_per_img`` caps the detections of a scene, in its
    ``test_cfg``)."""
    model_cfg = copy.deepcopy(dict(model_cfg))
    if model_cfg.get('type') != 'SlicedInference':
        model_cfg = dict(type='SlicedInference', detector=model_cfg)
    given = dict(
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        batch_size=batch_size,
        merge=merge,
        full_scene=full_scene,
    )
    model_cfg.update({k: v for k, v in given.items() if v is not None})
    if max_per_img is not None:
        model_cfg['test_cfg'] = dict(
            model_cfg.get('test_cfg') or {}, max_per_img=max_per_img
        )
    return model_cfg


def scene_pipeline_cfg(cfg: Config) -> list[dict]:
    """How a whole scene is read: the config's ``scene_pipeline`` when it
    declares one; else its test pipeline's first step, the image loading (with
    every option: bands, stretch, channel order), then packing. The tile
    geometry (resize, pad) is ``SlicedInference``'s, the annotations are the
    dataset's."""
    from mmdet.registry import TRANSFORMS
    from mmdet.utils import get_test_pipeline_cfg

    if cfg.get('scene_pipeline'):
        return [dict(step) for step in cfg.scene_pipeline]
    try:
        first = dict(get_test_pipeline_cfg(cfg)[0])
    except (AttributeError, KeyError, IndexError) as err:
        raise ConfigError(
            f'{cfg.filename}: no test_dataloader.dataset.pipeline to read '
            'scenes with'
        ) from err
    loader = TRANSFORMS.get(first['type'])
    if not (isinstance(loader, type) and issubclass(loader, image_loaders())):
        raise ConfigError(
            f'{cfg.filename}: the test pipeline starts with {first["type"]},'
            ' not an image loader (LoadGeoTIFFFromFile, LoadImageFromFile);'
            ' declare how scenes are read in scene_pipeline'
        )
    return [first, dict(type='PackDetInputs', meta_keys=SCENE_META_KEYS)]


@dataclass
class SceneInput:
    """A scene as :meth:`SceneInferencer.preprocess` gives it: its size, and
    the scene read whole and packed (None: it is streamed tile by tile)."""

    path: Path
    height: int
    width: int
    packed: Optional[dict] = None


class SceneInferencer:
    """Detect objects in whole scenes with a config's detector, in the stages
    of mmdet's ``DetInferencer`` (each a method a subclass can override):
    :meth:`preprocess` reads the scene (by :func:`scene_pipeline_cfg`; tile by
    tile when :meth:`streams`), :meth:`forward` runs the detector by tiles
    inside ``SlicedInference`` (by torch or, with ``onnx_file`` from
    ``tools/deploy/export_onnx.py``, by ONNX Runtime), :meth:`visualize`
    draws the detections through the config's visualizer and
    :meth:`postprocess` writes the xView submission and the GeoJSON. The
    checkpoint's ``dataset_meta`` (stored by the runner from the training
    dataset) names the classes and their xView type ids.

    The slicing settings (``tile_size``, ``tile_overlap``, ``batch_size``,
    ``merge``, ``full_scene``; ``max_per_img`` per scene) default to the
    config's (None); ``overlap`` is the deprecated name of ``tile_overlap``.

    Example::

        inferencer = SceneInferencer(CONFIG, CHECKPOINT, tile_size=640)
        sample = inferencer('scene.tif')        # a DetDataSample
        inferencer('scene.tif', out_dir='out')  # and the files of the scene
    """

    def __init__(
        self,
        config: Union[str, Path, Config],
        checkpoint: str,
        device: str = 'cpu',
        cfg_options: Optional[dict] = None,
        onnx_file: Optional[str] = None,
        stream: bool = True,
        tile_size: Optional[int] = None,
        tile_overlap: Optional[int] = None,
        batch_size: Optional[int] = None,
        merge: Optional[str] = None,
        full_scene: Optional[bool] = None,
        max_per_img: Optional[int] = None,
        overlap: Optional[int] = None,
    ) -> None:
        from mmdet.registry import MODELS, VISUALIZERS
        from mmengine.model import revert_sync_batchnorm
        from mmengine.registry import init_default_scope

        from xview_data.deprecation import renamed_setting

        from ..utils import load_detector_checkpoint

        tile_overlap = renamed_setting(
            type(self).__name__,
            'overlap',
            'tile_overlap',
            overlap,
            tile_overlap,
        )
        cfg = (
            copy.deepcopy(config)
            if isinstance(config, Config)
            else read_config(config)
        )
        if cfg_options:
            cfg.merge_from_dict(cfg_options)
        check_model_test_cfg(cfg)
        cfg.model = sliced_model_config(
            cfg.model,
            tile_size,
            tile_overlap,
            batch_size,
            merge,
            full_scene,
            max_per_img,
        )
        if onnx_file is not None:
            from .onnx_export import onnxruntime_model_config

            cfg.model = onnxruntime_model_config(cfg.model, onnx_file)
        self.cfg = cfg
        self.config_file = cfg.filename
        self.checkpoint = checkpoint
        self.onnx_file = onnx_file
        self.stream = stream
        init_default_scope(cfg.get('default_scope', 'mmdet'))
        self.pipeline = Compose(scene_pipeline_cfg(cfg))
        device = self._device(device)
        try:
            model = revert_sync_batchnorm(MODELS.build(cfg.model))
        except ValueError as err:
            # a setting the model refuses (e.g. tile_overlap >= tile_size)
            raise ConfigError(f'{cfg.filename}: {err}') from err
        model.cfg, model.dataset_meta = cfg, {}
        load_detector_checkpoint(model, checkpoint)
        self.class_map = self._class_map(model.dataset_meta, checkpoint)
        backend = model.detector
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
        """The scene packed by the scene pipeline: ``inputs`` (C, H, W)
        uint8 as loaded, ``data_samples`` with its metainfo."""
        return self.pipeline(dict(img_path=str(path), img_id=0))

    @property
    def loader(self):
        """The scene pipeline's image loader."""
        return self.pipeline.transforms[0]

    def streams(self, path: Union[str, Path]) -> bool:
        """Whether ``path`` is read tile by tile (``SlicedInference.
        predict_file``): unless ``stream=False`` or a full-scene pass, when
        the loader reads windows (a ``read`` method) that are exactly those
        of the scene read whole (``reads_windows_exactly``: uint8 pixels, or
        no scene-wide stretch)."""
        loader = self.loader
        return (
            self.stream
            and not self.model.full_scene
            and callable(getattr(loader, 'read', None))
            and loader.reads_windows_exactly(str(path))
        )

    def tile_count(self, path: Union[str, Path]) -> int:
        """The number of tiles the scene is cut into (from its header)."""
        from xview_data.imagery import image_size

        width, height = image_size(path)
        return len(self.model.tiles(height, width))

    def __call__(
        self,
        path: Union[str, Path],
        out_dir: Union[str, Path, None] = None,
        pred_score_thr: float = 0.3,
        progress: Optional[Callable[[int], None]] = None,
        draw: bool = True,
    ) -> DetDataSample:
        """Detections of one scene (``pred_instances`` in scene pixels);
        with ``out_dir``, also its drawing (detections above
        ``pred_score_thr``; not with ``draw=False``), submission and GeoJSON
        written there (:meth:`visualize`, :meth:`postprocess`). ``progress``
        is called with the number of tiles of each batch done."""
        inputs = self.preprocess(path)
        sample = self.forward(inputs, progress)
        if out_dir is not None:
            out_dir = Path(out_dir)
            if draw:
                self.visualize(
                    inputs.path,
                    sample,
                    out_dir / 'drawn' / f'{inputs.path.stem}.png',
                    pred_score_thr,
                )
            self.postprocess(inputs.path, sample, out_dir)
        return sample

    def preprocess(self, path: Union[str, Path]) -> SceneInput:
        """The scene's size from its header and, unless it :meth:`streams`,
        the scene read whole (up to :data:`MAX_WHOLE_SCENE_PIXELS`)."""
        from xview_data.errors import InputError
        from xview_data.imagery import image_size

        path = Path(path)
        width, height = image_size(path)
        if self.streams(path):
            return SceneInput(path, height, width)
        if width * height > MAX_WHOLE_SCENE_PIXELS:
            raise InputError(
                f'{path}: {width} x {height} px is above the'
                f' {MAX_WHOLE_SCENE_PIXELS / 1e6:.0f} Mpx read whole (a'
                ' percentile stretch of its dtype, or --full-scene, needs'
                " the whole scene): set the loader's stretch='dtype' to"
                ' stream it tile by tile, or cut the scene'
            )
        return SceneInput(path, height, width, self.load(path))

    def forward(
        self,
        inputs: SceneInput,
        progress: Optional[Callable[[int], None]] = None,
    ) -> DetDataSample:
        """The detector over the scene, by tiles: streamed from the file, or
        on the scene read whole (``model.test_step``, mmdet's inference
        idiom)."""
        self.model.progress = progress
        try:
            with torch.no_grad():
                if inputs.packed is not None:
                    return self.model.test_step(
                        pseudo_collate([inputs.packed])
                    )[0]
                sample = DetDataSample(
                    metainfo=dict(
                        img_path=str(inputs.path),
                        ori_shape=(inputs.height, inputs.width),
                        img_shape=(inputs.height, inputs.width),
                    )
                )
                sample.pred_instances = self.model.predict_file(
                    inputs.path, self.loader
                )
                return sample
        finally:
            self.model.progress = None

    def postprocess(
        self,
        path: Union[str, Path],
        sample: DetDataSample,
        out_dir: Union[str, Path],
    ) -> dict:
        """Write the scene's xView submission (``submission/<scene>.txt``,
        type ids, pixel boxes) and its detections in lon/lat
        (``geojson/<scene stem>.geojson``, from the GeoTIFF's geotransform)
        under ``out_dir``; returns the detections as numpy arrays
        (``bboxes``, ``scores``, ``labels``)."""
        from xview_data.formats import (
            write_detections_geojson,
            write_submission_file,
        )
        from xview_data.imagery import geotransform

        path, out_dir = Path(path), Path(out_dir)
        found = sample.pred_instances
        boxes = found.bboxes.cpu().numpy().astype(np.float64)
        scores = found.scores.cpu().numpy().astype(np.float64)
        labels = found.labels.cpu().numpy().astype(np.int64)
        type_ids = np.asarray(self.class_map.type_ids)[labels]
        write_submission_file(
            out_dir / 'submission' / f'{path.name}.txt',
            boxes.clip(0),
            type_ids,
            scores.clip(0, 1),
        )
        transform, crs = geotransform(path)
        write_detections_geojson(
            out_dir / 'geojson' / f'{path.stem}.geojson',
            path.name,
            boxes,
            type_ids,
            scores,
            [self.class_map.names[k] for k in labels],
            (transform, crs) if transform is not None else None,
        )
        return dict(bboxes=boxes, scores=scores, labels=labels)

    def picture(
        self, path: Union[str, Path], max_side: Optional[int] = 2048
    ) -> tuple[np.ndarray, float]:
        """The scene as RGB uint8, downscaled so that its longer side is at
        most ``max_side`` (read at that size: never whole), and the scale."""
        import cv2

        from xview_data.imagery import image_size

        width, height = image_size(path)
        scale = 1.0
        if max_side and max(width, height) > max_side:
            scale = max_side / max(width, height)
        loader = self.loader
        if callable(getattr(loader, 'read', None)):
            size = (round(width * scale), round(height * scale))
            image = loader.read(
                str(path),
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

    def visualize(
        self,
        path: Union[str, Path],
        sample: DetDataSample,
        out_file: Union[str, Path],
        pred_score_thr: float = 0.3,
        max_side: Optional[int] = 2048,
        max_labels: Optional[int] = 1000,
    ) -> Path:
        """Write a PNG of the scene with its detections above
        ``pred_score_thr`` (mmdet's name of the drawing threshold),
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
        found = found[found.scores > pred_score_thr]
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
                    pred_score_thr,
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
        pred_score_thr: float,
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
                'band',
                band,
                sample,
                draw_gt=False,
                pred_score_thr=pred_score_thr,
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
