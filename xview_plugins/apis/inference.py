"""Whole-scene inference by tiles, and pictures of the detections."""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from mmengine.structures import InstanceData

from xview_data.errors import InputError, MissingInputError
from xview_data.imagery import read_image


def sliced_model_config(
    cfg,
    tile_size: int = 640,
    overlap: int = 64,
    batch_size: int = 8,
    merge: str = 'nms',
    full_scene: bool = False,
) -> dict:
    """``cfg.model`` wrapped in ``SlicedInference`` (kept as it is if already
    wrapped); the tiles are padded with the value the test pipeline pads
    with."""
    if cfg.model.get('type') == 'SlicedInference':
        return cfg.model
    pad_value = 0
    for step in (
        cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
        or []
    ):
        if step.get('type') in ('Pad', 'mmdet.Pad'):
            value = step.get('pad_val', 0)
            value = value.get('img', 0) if isinstance(value, dict) else value
            pad_value = value[0] if isinstance(value, (list, tuple)) else value
    return dict(
        type='SlicedInference',
        detector=cfg.model,
        tile_size=tile_size,
        overlap=overlap,
        batch_size=batch_size,
        merge=merge,
        full_scene=full_scene,
        pad_value=float(pad_value),
    )


def scene_tensor(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 scene -> (3, H, W) float tensor, unnormalized."""
    return torch.from_numpy(
        np.ascontiguousarray(image.transpose(2, 0, 1))
    ).float()


def lonlat_polygons(
    boxes: np.ndarray, path: Union[str, Path]
) -> Optional[list]:
    """Box corners as lon/lat rings through the GeoTIFF's geotransform
    (reprojected to WGS84 when the file is in another CRS); None for a file
    without georeference.
    """
    from rasterio.warp import transform as reproject

    from xview_data.imagery import geotransform

    affine, crs = geotransform(path)
    if affine is None:
        return None
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    cols = np.stack([x1, x1, x2, x2, x1], 1).ravel()
    rows = np.stack([y1, y2, y2, y1, y1], 1).ravel()
    xs, ys = affine * (cols, rows)
    if not crs.is_geographic or crs.to_epsg() != 4326:
        xs, ys = reproject(
            crs, 'EPSG:4326', list(np.atleast_1d(xs)), list(np.atleast_1d(ys))
        )
    points = np.stack([np.asarray(xs), np.asarray(ys)], 1).reshape(-1, 5, 2)
    return [
        [[round(float(x), 8), round(float(y), 8)] for x, y in ring]
        for ring in points
    ]


def write_scene_outputs(
    path: Path,
    detections: InstanceData,
    class_map,
    classes: tuple,
    out_dir: Path,
) -> dict:
    """The xView submission file (``submission/<scene>.txt`` with type ids) and
    a GeoJSON of lon/lat polygons (``geojson/<scene>.geojson``) for one
    scene."""
    import json

    from xview_data.converters.paths import atomic_write
    from xview_data.evaluation import write_submission_file

    boxes = detections.bboxes.cpu().numpy().astype(np.float64).reshape(-1, 4)
    scores = detections.scores.cpu().numpy().astype(np.float64)
    labels = detections.labels.cpu().numpy().astype(np.int64)
    type_ids = (
        np.asarray(class_map.type_ids)[labels] if len(labels) else labels
    )
    write_submission_file(
        out_dir / 'submission' / f'{path.name}.txt',
        boxes.clip(0),
        type_ids,
        scores.clip(0, 1),
    )
    rings = lonlat_polygons(boxes, path)
    features = []
    for k, (box, score, label) in enumerate(
        zip(boxes.tolist(), scores.tolist(), labels.tolist())
    ):
        features.append(
            dict(
                type='Feature',
                geometry=(
                    None
                    if rings is None
                    else dict(type='Polygon', coordinates=[rings[k]])
                ),
                properties=dict(
                    image_id=path.name,
                    type_id=int(type_ids[k]),
                    class_name=classes[label],
                    score=round(score, 5),
                    bounds_imcoords=','.join(f'{v:.1f}' for v in box),
                ),
            )
        )
    with atomic_write(out_dir / 'geojson' / f'{path.stem}.geojson') as f:
        json.dump(dict(type='FeatureCollection', features=features), f)
    return dict(boxes=boxes, scores=scores, labels=labels)


def draw_detections(
    image_bgr: np.ndarray,
    detections: InstanceData,
    dataset_meta: dict,
    out_file: Union[str, Path],
    score_thr: float = 0.3,
    max_side: Optional[int] = 2048,
) -> Path:
    """Write a PNG of the scene with the detections above ``score_thr`` drawn
    on it (one colour per class, ``name score`` labels), downscaled so that its
    longer side is at most ``max_side``."""
    import cv2

    from ..datasets.xview_dataset import class_palette

    scale = 1.0
    if max_side and max(image_bgr.shape[:2]) > max_side:
        scale = max_side / max(image_bgr.shape[:2])
        image_bgr = cv2.resize(
            image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA
        )
    canvas = np.ascontiguousarray(image_bgr)
    classes = dataset_meta.get('classes', ())
    palette = dataset_meta.get('palette') or class_palette(
        max(len(classes), 1)
    )
    keep = detections.scores >= score_thr
    order = detections.scores[keep].argsort()  # strongest drawn last, on top
    boxes = (detections.bboxes[keep][order] * scale).round().int().tolist()
    for (x1, y1, x2, y2), score, label in zip(
        boxes,
        detections.scores[keep][order].tolist(),
        detections.labels[keep][order].tolist(),
    ):
        r, g, b = palette[label % len(palette)]
        cv2.rectangle(canvas, (x1, y1), (x2, y2), (b, g, r), 1, cv2.LINE_AA)
        name = classes[label] if label < len(classes) else str(label)
        cv2.putText(
            canvas,
            f'{name} {score:.2f}',
            (x1, max(y1 - 3, 8)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.35,
            (b, g, r),
            1,
            cv2.LINE_AA,
        )
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(out_file), canvas):
        raise OSError(f'{out_file}: could not write the image')
    return out_file


def collect_scenes(inputs: list[str]) -> list[Path]:
    """GeoTIFF files and the ``.tif``/``.tiff`` files of folders; refuses a
    path that does not exist, a folder without GeoTIFFs and two scenes with the
    same file name (their outputs would overwrite each other)."""
    files = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix.lower() in ('.tif', '.tiff')
            )
            if not found:
                raise InputError(
                    f'{path}: no .tif or .tiff scenes in this folder'
                )
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise MissingInputError(f'{path}: no such GeoTIFF file or folder')
    seen = {}
    # outputs are named after the stem (geojson, drawing) and the name
    for path in files:
        if path.stem in seen and seen[path.stem] != path.resolve():
            raise InputError(
                f'{path} and {seen[path.stem]}: two scenes named {path.stem}; '
                'their outputs would overwrite each other (rename one)'
            )
        seen[path.stem] = path.resolve()
    return list(dict.fromkeys(files))


def scene_class_map(dataset_meta: dict, dataset_cfg: dict):
    """Class names and xView type ids of a model: the checkpoint's
    ``dataset_meta`` (``classes``, ``xview_type_ids``); a class-map name stored
    as ``classes`` (``'seed12'``) or a checkpoint without type ids falls back
    to the config's dataset classes.
    """
    from xview_data.structures import ClassMap, load_class_map

    classes = dataset_meta.get('classes')
    if isinstance(classes, str):
        return load_class_map(classes)
    default = (
        dataset_cfg.get('classes', 'seed12')
        if dataset_cfg.get('type') != 'CocoDataset'
        else 'seed12'
    )
    class_map = load_class_map(default)
    type_ids = dataset_meta.get('xview_type_ids') or class_map.type_ids
    if classes is not None and len(classes) != len(type_ids):
        raise InputError(
            f'the checkpoint names {len(classes)} classes but the class map '
            f'has {len(type_ids)} xView type ids'
        )
    return ClassMap(tuple(type_ids), tuple(classes or class_map.names))


def infer_files(
    config: str,
    checkpoint: str,
    inputs: list[str],
    out_dir: str,
    tile_size: int = 640,
    overlap: int = 64,
    batch_size: int = 8,
    merge: str = 'nms',
    full_scene: bool = False,
    score_thr: float = 0.3,
    device: str = 'cpu',
    progress: bool = True,
    cfg_options: Optional[dict] = None,
    overwrite: bool = False,
) -> dict:
    """Detect objects in whole GeoTIFF scenes (files or folders) with the
    config's detector run by tiles (``SlicedInference``). Writes under
    ``out_dir``: ``submission/<scene>.txt`` (xView format, type ids),
    ``geojson/<scene>.geojson`` (lon/lat polygons), ``detections_coco.json``
    (COCO results, image ids listed in ``images.json``) and
    ``drawn/<scene>.png`` (detections above ``score_thr`` on the downscaled
    scene).

    The output folder is written as the converter's is: staged and renamed at
    the end (a failed or killed run leaves no output), a non-empty one only
    replaced with ``overwrite``."""
    import json

    from mmdet.registry import MODELS
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from tqdm import tqdm

    from xview_data.converters.paths import (
        atomic_write,
        ensure_not_input,
        staged_directory,
    )

    from ..utils import load_detector_checkpoint
    from .runner_config import read_config

    cfg = read_config(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.model = sliced_model_config(
        cfg, tile_size, overlap, batch_size, merge, full_scene
    )
    files = collect_scenes(inputs)
    ensure_not_input(out_dir, *files)
    # mmdet's init_detector without a checkpoint would warn, switch the
    # process's warning filters to 'once' and set COCO's classes; the
    # checkpoint, loaded next through the safe loader (and refused if it does
    # not fit), brings the classes.
    init_default_scope(cfg.get('default_scope', 'mmdet'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    model.cfg, model.dataset_meta = cfg, {}
    load_detector_checkpoint(model, checkpoint)
    model.to(device).eval()
    dataset_cfg = cfg.get('test_dataloader', {}).get('dataset', {})
    class_map = scene_class_map(model.dataset_meta, dataset_cfg)
    model.dataset_meta.update(
        classes=tuple(class_map.names),
        xview_type_ids=tuple(class_map.type_ids),
    )
    classes = tuple(class_map.names)
    coco_results, images = [], []
    with staged_directory(out_dir, overwrite) as out:
        for image_id, path in enumerate(
            tqdm(files, desc='scenes', unit='scene', disable=not progress), 1
        ):
            image = read_image(path)
            with torch.no_grad():
                detections = model.predict_scene(
                    scene_tensor(image).to(device)
                )
            found = write_scene_outputs(
                path, detections, class_map, classes, out
            )
            draw_detections(
                image,
                detections,
                model.dataset_meta,
                out / 'drawn' / f'{path.stem}.png',
                score_thr,
            )
            images.append(
                dict(
                    id=image_id,
                    file_name=str(path),
                    width=image.shape[1],
                    height=image.shape[0],
                )
            )
            for box, score, label in zip(
                found['boxes'].tolist(),
                found['scores'].tolist(),
                found['labels'].tolist(),
            ):
                coco_results.append(
                    dict(
                        image_id=image_id,
                        category_id=label + 1,
                        score=round(score, 5),
                        bbox=[
                            round(box[0], 2),
                            round(box[1], 2),
                            round(box[2] - box[0], 2),
                            round(box[3] - box[1], 2),
                        ],
                    )
                )
        with atomic_write(out / 'detections_coco.json') as f:
            json.dump(coco_results, f)
        with atomic_write(out / 'images.json') as f:
            json.dump(
                dict(
                    images=images,
                    categories=[
                        dict(id=i + 1, name=n) for i, n in enumerate(classes)
                    ],
                ),
                f,
            )
    return dict(
        scenes=len(files), detections=len(coco_results), out_dir=Path(out_dir)
    )
