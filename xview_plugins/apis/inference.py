"""Whole-scene inference by tiles, and pictures of the detections."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from mmcv.ops import batched_nms
from mmengine.structures import InstanceData

from xview_data.converters.chipping import window_starts
from xview_data.imagery import read_image


def inference_pipeline(cfg):
    """The test pipeline for in-memory tiles: no file loading and no annotations."""
    import copy

    from mmcv.transforms import Compose
    steps = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    steps = [s for s in steps if s['type'] not in ('LoadAnnotations', 'mmdet.LoadAnnotations')]
    steps[0] = dict(type='mmdet.LoadImageFromNDArray')
    for step in steps:
        if step['type'] in ('PackDetInputs', 'mmdet.PackDetInputs') and 'meta_keys' in step:
            step['meta_keys'] = tuple(k for k in step['meta_keys'] if k != 'instances')
    return Compose(steps)


def detect_scene(model, image: np.ndarray, tile_size: int = 512, overlap: int = 64,
                 nms_iou: float = 0.5, score_thr: float = 0.05) -> InstanceData:
    """Run ``model`` over ``tile_size`` tiles of a BGR scene, shift the boxes back and
    merge them with class-wise NMS. Returns ``bboxes`` (xyxy, scene pixels), ``scores``,
    ``labels``."""
    from mmdet.apis import inference_detector
    pipeline = inference_pipeline(model.cfg)
    height, width = image.shape[:2]
    stride = max(tile_size - overlap, 1)
    boxes, scores, labels = [], [], []
    for y in window_starts(height, tile_size, stride):
        for x in window_starts(width, tile_size, stride):
            tile = np.ascontiguousarray(image[y:y + tile_size, x:x + tile_size])
            pred = inference_detector(model, tile, test_pipeline=pipeline).pred_instances
            keep = pred.scores >= score_thr
            boxes.append(pred.bboxes[keep] + pred.bboxes.new_tensor([x, y, x, y]))
            scores.append(pred.scores[keep])
            labels.append(pred.labels[keep])
    merged = InstanceData()
    bboxes, all_scores, all_labels = torch.cat(boxes), torch.cat(scores), torch.cat(labels)
    if len(bboxes):
        dets, keep = batched_nms(bboxes, all_scores, all_labels,
                                 dict(type='nms', iou_threshold=nms_iou))
        bboxes, all_scores, all_labels = dets[:, :4], dets[:, 4], all_labels[keep]
    merged.bboxes, merged.scores, merged.labels = bboxes, all_scores, all_labels
    return merged


def draw_detections(image_bgr: np.ndarray, detections: InstanceData, dataset_meta: dict,
                    out_file: Union[str, Path], score_thr: float = 0.3,
                    max_side: Optional[int] = 2048) -> Path:
    """Write a PNG of the scene with the detections above ``score_thr`` drawn on it
    (one colour per class, ``name score`` labels), downscaled so that its longer side is
    at most ``max_side``."""
    import cv2

    from ..datasets.xview_dataset import class_palette
    scale = 1.0
    if max_side and max(image_bgr.shape[:2]) > max_side:
        scale = max_side / max(image_bgr.shape[:2])
        image_bgr = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.ascontiguousarray(image_bgr)
    classes = dataset_meta.get('classes', ())
    palette = dataset_meta.get('palette') or class_palette(max(len(classes), 1))
    keep = detections.scores >= score_thr
    order = detections.scores[keep].argsort()  # strongest drawn last, on top
    boxes = (detections.bboxes[keep][order] * scale).round().int().tolist()
    for (x1, y1, x2, y2), score, label in zip(boxes, detections.scores[keep][order].tolist(),
                                              detections.labels[keep][order].tolist()):
        r, g, b = palette[label % len(palette)]
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (b, g, r), 1, cv2.LINE_AA)
        name = classes[label] if label < len(classes) else str(label)
        cv2.putText(canvas, f'{name} {score:.2f}', (x1, max(y1 - 3, 8)),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.35, (b, g, r), 1, cv2.LINE_AA)
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out_file), canvas):
        raise OSError(f'{out_file}: could not write the image')
    return out_file


def infer_files(config: str, checkpoint: str, inputs: list[str], out_dir: str,
                tile_size: int = 512, overlap: int = 64, score_thr: float = 0.3,
                device: str = 'cpu', progress: bool = True) -> list[Path]:
    """Detect objects in GeoTIFF files (or folders of them); writes ``<stem>.png``
    (drawn) and ``<stem>.json`` (boxes in scene pixels, class names) per scene."""
    import json
    from mmdet.apis import init_detector
    from tqdm import tqdm

    from xview_data.converters.paths import atomic_write
    files = []
    for item in inputs:
        path = Path(item)
        files += sorted(p for p in path.iterdir() if p.suffix.lower() in ('.tif', '.tiff')) \
            if path.is_dir() else [path]
    model = init_detector(config, checkpoint, device=device)
    written = []
    for path in tqdm(files, desc='scenes', unit='img', disable=not progress):
        image = read_image(path)
        detections = detect_scene(model, image, tile_size, overlap, score_thr=0.05)
        png = draw_detections(image, detections, model.dataset_meta,
                              Path(out_dir) / f'{path.stem}.png', score_thr)
        classes = model.dataset_meta['classes']
        records = [dict(bbox=[round(v, 1) for v in box], score=round(score, 4),
                        label=classes[label])
                   for box, score, label in zip(detections.bboxes.tolist(),
                                                detections.scores.tolist(),
                                                detections.labels.tolist())]
        with atomic_write(Path(out_dir) / f'{path.stem}.json') as f:
            json.dump(dict(image=str(path), detections=records), f)
        written.append(png)
    return written
