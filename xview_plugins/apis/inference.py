"""Whole-scene inference of files and folders into an output folder: the
xView submission, lon/lat GeoJSON, COCO results and drawings."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Optional

from xview_data.errors import InputError, MissingInputError

from .scene_inferencer import SceneInferencer


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


def scenes_to_infer(
    inputs: list[str], out_dir: str, *read_files: Optional[str]
) -> list[Path]:
    """The scenes of ``inputs`` (:func:`collect_scenes`), refused when
    ``out_dir`` would replace one of them or of ``read_files`` (the config,
    checkpoint, ONNX file): checked before anything is loaded."""
    from xview_data.io import ensure_not_input

    files = collect_scenes(inputs)
    # the scenes and every file the run reads: a replaced OUT holds none
    ensure_not_input(out_dir, *files, *read_files)
    return files


def infer_files(
    inferencer: SceneInferencer,
    inputs: list[str],
    out_dir: str,
    pred_score_thr: float = 0.3,
    progress: bool = True,
    overwrite: bool = False,
    draw: bool = True,
) -> dict:
    """Detect objects in whole GeoTIFF scenes (files or folders) with
    ``inferencer`` (a :class:`SceneInferencer`). Writes under ``out_dir``,
    per scene through the inferencer's ``visualize`` and ``postprocess``:
    ``submission/<scene>.txt`` (xView format, type ids),
    ``geojson/<scene>.geojson`` (lon/lat polygons), ``drawn/<scene>.png``
    (detections above ``pred_score_thr`` on the downscaled scene, by the
    config's visualizer; not with ``draw=False``); and for all of them
    ``detections_coco.json`` (COCO results, image ids listed in
    ``images.json``).

    The output folder is written as the converter's is: staged and renamed at
    the end (a failed or killed run leaves no output), a non-empty one only
    replaced with ``overwrite``."""
    from tqdm import tqdm

    from xview_data.formats import (
        coco_detection_results,
        write_coco_images,
        write_coco_results,
    )
    from xview_data.io import WRITE_CHUNK, staged_directory

    files = scenes_to_infer(
        inputs,
        out_dir,
        inferencer.config_file,
        inferencer.checkpoint,
        inferencer.onnx_file,
    )
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
            inputs = inferencer.preprocess(path)
            sample = inferencer.forward(inputs, bar.update)
            if draw:
                inferencer.visualize(
                    path,
                    sample,
                    out / 'drawn' / f'{path.stem}.png',
                    pred_score_thr,
                )
            found = inferencer.postprocess(path, sample, out)
            images.append(
                dict(
                    id=image_id,
                    file_name=str(path),
                    width=inputs.width,
                    height=inputs.height,
                )
            )
            boxes, scores, labels = (
                found['bboxes'],
                found['scores'],
                found['labels'],
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
        write_coco_images(out / 'images.json', images, inferencer.class_map)
    return dict(
        scenes=len(files), detections=detections, out_dir=Path(out_dir)
    )
