"""Whole-scene inference of files and folders into an output folder: the
xView submission, lon/lat GeoJSON, COCO results and drawings."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

import numpy as np

from xview_data.errors import InputError, MissingInputError


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


def infer_files(
    config: str,
    checkpoint: str,
    inputs: list[str],
    out_dir: str,
    score_thr: float = 0.3,
    device: str = 'cpu',
    progress: bool = True,
    cfg_options: Optional[dict] = None,
    overwrite: bool = False,
    onnx_file: Optional[str] = None,
    **slicing,
) -> dict:
    """Detect objects in whole GeoTIFF scenes (files or folders) with
    :class:`SceneInferencer` (``slicing``: its ``tile_size``, ``overlap``,
    ``batch_size``, ``merge``, ``full_scene``). Writes under ``out_dir``:
    ``submission/<scene>.txt`` (xView format, type ids),
    ``geojson/<scene>.geojson`` (lon/lat polygons), ``detections_coco.json``
    (COCO results, image ids listed in ``images.json``) and
    ``drawn/<scene>.png`` (detections above ``score_thr`` on the downscaled
    scene, by the config's visualizer).

    The output folder is written as the converter's is: staged and renamed at
    the end (a failed or killed run leaves no output), a non-empty one only
    replaced with ``overwrite``."""
    from tqdm import tqdm

    from xview_data.formats import (
        coco_detection_results,
        write_coco_images,
        write_coco_results,
        write_detections_geojson,
        write_submission_file,
    )
    from xview_data.imagery import geotransform
    from xview_data.io import WRITE_CHUNK, ensure_not_input, staged_directory

    from .scene_inferencer import SceneInferencer

    files = collect_scenes(inputs)
    # the scenes and every file the run reads: a replaced OUT holds none
    ensure_not_input(out_dir, *files, config, checkpoint, onnx_file)
    inferencer = SceneInferencer(
        config, checkpoint, device, cfg_options, onnx_file, **slicing
    )
    class_map = inferencer.class_map
    type_ids = np.asarray(class_map.type_ids)
    images = []

    # the bar counts tiles, so that one huge scene shows it is working
    bar = tqdm(
        total=sum(inferencer.tile_count(path) for path in files),
        desc='tiles',
        unit='tile',
        disable=not progress,
    )

    def scenes(out: Path) -> Iterator[list[dict]]:
        """Each scene's files, then its COCO results a chunk at a time (a
        scene can hold hundreds of thousands of detections)."""
        for image_id, path in enumerate(files, 1):
            bar.set_postfix_str(f'scene {image_id}/{len(files)} {path.name}')
            sample = inferencer(path, bar.update)
            found = sample.pred_instances
            boxes = found.bboxes.cpu().numpy().astype(np.float64)
            scores = found.scores.cpu().numpy().astype(np.float64)
            labels = found.labels.cpu().numpy().astype(np.int64)
            write_submission_file(
                out / 'submission' / f'{path.name}.txt',
                boxes.clip(0),
                type_ids[labels],
                scores.clip(0, 1),
            )
            transform, crs = geotransform(path)
            write_detections_geojson(
                out / 'geojson' / f'{path.stem}.geojson',
                path.name,
                boxes,
                type_ids[labels],
                scores,
                [class_map.names[k] for k in labels],
                (transform, crs) if transform is not None else None,
            )
            inferencer.draw(
                path, sample, out / 'drawn' / f'{path.stem}.png', score_thr
            )
            height, width = sample.ori_shape
            images.append(
                dict(
                    id=image_id,
                    file_name=str(path),
                    width=width,
                    height=height,
                )
            )
            for start in range(0, len(boxes), WRITE_CHUNK):
                part = slice(start, start + WRITE_CHUNK)
                yield coco_detection_results(
                    image_id, boxes[part], labels[part], scores[part]
                )

    with bar, staged_directory(out_dir, overwrite) as out:
        detections = write_coco_results(
            out / 'detections_coco.json', scenes(out)
        )
        write_coco_images(out / 'images.json', images, class_map)
    return dict(
        scenes=len(files), detections=detections, out_dir=Path(out_dir)
    )
