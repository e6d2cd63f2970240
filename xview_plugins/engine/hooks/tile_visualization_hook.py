from __future__ import annotations

import os.path as osp
from typing import Optional

import numpy as np
from mmdet.engine.hooks import DetVisualizationHook
from mmdet.registry import HOOKS
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import BaseBoxes
from mmengine.utils import mkdir_or_exist

from ...datasets.transforms.loading import LoadGeoTIFFFromFile


@HOOKS.register_module()
class TileVisualizationHook(DetVisualizationHook):
    """``DetVisualizationHook`` for GeoTIFF scenes served as tiles.

    mmdet's hook decodes ``img_path`` with OpenCV: for a tile of a scene it
    would draw the tile's boxes on the whole scene, write every tile of a scene
    to one file, and OpenCV's TIFF reader warns about every GeoTIFF tag. This
    hook reads the pixels the model saw with the loop's own
    ``LoadGeoTIFFFromFile`` (its bands and stretch), only the tile's ``window``
    (packed into the sample's meta), draws boxes clipped to the tile, and names
    each drawing ``<scene>_x<X>_y<Y>.png``. Same arguments as
    ``DetVisualizationHook``.
    """

    def before_val(self, runner) -> None:
        self._loader = _pipeline_loader(runner.val_dataloader.dataset)

    def before_test(self, runner) -> None:
        self._loader = _pipeline_loader(runner.test_dataloader.dataset)

    def after_val_iter(self, runner, batch_idx, data_batch, outputs) -> None:
        step = runner.iter + batch_idx
        if self.draw and step % self.interval == 0:
            self.draw_sample(outputs[0], 'val_img', step)

    def after_test_iter(self, runner, batch_idx, data_batch, outputs) -> None:
        if not self.draw:
            return
        if self.test_out_dir is not None:
            # mmdet's convention: the folder is given relative to the run's log
            # folder
            self.test_out_dir = osp.join(
                runner.work_dir, runner.timestamp, self.test_out_dir
            )
            mkdir_or_exist(self.test_out_dir)
        for data_sample in outputs:
            self._test_index += 1
            self.draw_sample(data_sample, 'test_img', self._test_index)

    def draw_sample(
        self, data_sample: DetDataSample, tag: str, step: int
    ) -> None:
        """Draw one sample on its tile: shown under its drawing name, written
        to the test output folder when there is one, else logged as
        ``tag``."""
        name = self.drawing_name(data_sample)
        img = self.read_tile(data_sample)
        self._visualizer.add_datasample(
            name if self.show else tag,
            img,
            data_sample=clipped_to(data_sample, img.shape[:2]),
            show=self.show,
            wait_time=self.wait_time,
            pred_score_thr=self.score_thr,
            out_file=(
                osp.join(self.test_out_dir, name)
                if tag == 'test_img' and self.test_out_dir
                else None
            ),
            step=step,
        )

    def read_tile(self, data_sample: DetDataSample) -> np.ndarray:
        """The sample's pixels (its window of the scene) as RGB uint8."""
        loader = getattr(self, '_loader', None) or LoadGeoTIFFFromFile()
        results = loader.transform(
            dict(
                img_path=data_sample.img_path,
                window=data_sample.metainfo.get('window'),
            )
        )
        img = results['img'].astype(np.uint8, copy=False)
        return (
            img
            if loader.channel_order == 'rgb'
            else np.ascontiguousarray(img[..., ::-1])
        )

    @staticmethod
    def drawing_name(data_sample: DetDataSample) -> str:
        stem = osp.splitext(osp.basename(data_sample.img_path))[0]
        window = data_sample.metainfo.get('window')
        return (
            f'{stem}.png'
            if window is None
            else f'{stem}_x{window[0]}_y{window[1]}.png'
        )


def clipped_to(data_sample: DetDataSample, shape: tuple) -> DetDataSample:
    """A copy whose boxes are clipped to the drawn image: boxes of objects cut
    by the tile border reach past it, and mmengine's visualizer warns once per
    box otherwise. The sample itself is left alone: ``clone()`` is shallow and
    metrics hold views of its tensors.
    """
    sample = data_sample.clone()
    height, width = shape
    for field in ('gt_instances', 'pred_instances', 'ignored_instances'):
        instances = sample.get(field)
        if instances is None or 'bboxes' not in instances:
            continue
        instances = instances.clone()
        boxes = instances.bboxes.clone()
        if isinstance(boxes, BaseBoxes):
            boxes.clip_((height, width))
        else:
            boxes[:, 0::2] = boxes[:, 0::2].clamp(0, width)
            boxes[:, 1::2] = boxes[:, 1::2].clamp(0, height)
        instances.bboxes = boxes
        sample.set_field(instances, field)
    return sample


def _pipeline_loader(dataset) -> Optional[LoadGeoTIFFFromFile]:
    """The ``LoadGeoTIFFFromFile`` of a dataset's pipeline (looking through
    wrappers)."""
    while dataset is not None:
        for transform in getattr(
            getattr(dataset, 'pipeline', None), 'transforms', []
        ):
            if isinstance(transform, LoadGeoTIFFFromFile):
                return transform
        dataset = getattr(dataset, 'dataset', None)
    return None
