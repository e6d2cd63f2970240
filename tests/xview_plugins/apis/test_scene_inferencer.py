"""Whole-scene inference reads scenes with the config's own loading step, runs
the detector by tiles and draws through the config's visualizer."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from tests.conftest import (
    TINY,
    distinct_outputs_state,
    noise_scene,
    write_tif,
    yolov7_tiny_state,
)
from xview_data.imagery import read_image
from xview_data.structures import BENCHMARK12


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'tiny.pth'
    meta = dict(classes=BENCHMARK12.names, xview_type_ids=BENCHMARK12.type_ids)
    torch.save(
        dict(
            state_dict=distinct_outputs_state(), meta=dict(dataset_meta=meta)
        ),
        path,
    )
    return path


def loader_of(cfg):
    return next(
        step
        for step in cfg.test_dataloader.dataset.pipeline
        if step['type'] == 'LoadGeoTIFFFromFile'
    )


def test_the_configs_loader_options_reach_whole_scene_inference(
    checkpoint, tmp_path, monkeypatch
):
    """A 16-bit scene needs the scene-wide percentile stretch: it is read
    whole, by the config's loader with its options."""
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    scene = write_tif(tmp_path / 'scene.tif', 80, 72, bands=4, dtype='uint16')
    cfg = Config.fromfile(TINY)
    loader_of(cfg).update(bands=(4, 2, 1))
    inferencer = SceneInferencer(
        cfg, str(checkpoint), tile_size=64, tile_overlap=16
    )
    assert not inferencer.streams(scene)
    expected = read_image(scene, bands=(4, 2, 1))
    assert not np.array_equal(expected, read_image(scene))
    seen = []
    predict_scene = inferencer.model.predict_scene
    monkeypatch.setattr(
        inferencer.model,
        'predict_scene',
        lambda image: seen.append(image.clone()) or predict_scene(image),
    )
    sample = inferencer(scene)
    assert len(seen) == 1
    assert torch.equal(
        seen[0], torch.from_numpy(expected.transpose(2, 0, 1)).float()
    )
    assert sample.ori_shape == (72, 80)
    # the wrapper got the slicing options and the detector's pad value
    assert inferencer.model.tile_size == 64
    assert inferencer.model.pad_value == 114.0


def test_uint8_scenes_stream_by_tile_windows_with_the_loaders_options(
    checkpoint, tmp_path, monkeypatch
):
    """Tiles are read as windows (never the whole scene), on the network's
    thread beside torch on the CPU (``SlicedInference.reads_ahead``), with
    the loader's options, and the detections are those of the scene read
    whole."""
    import threading

    from xview_plugins.apis.scene_inferencer import SceneInferencer
    from xview_plugins.datasets.transforms import LoadGeoTIFFFromFile

    scene = noise_scene(tmp_path / 'scene.tif', 150, 100, bands=4)
    cfg = Config.fromfile(TINY)
    loader_of(cfg).update(bands=(4, 2, 1))
    inferencer = SceneInferencer(
        cfg,
        str(checkpoint),
        tile_size=64,
        tile_overlap=16,
        batch_size=2,
        cfg_options={'model.test_cfg.score_thr': 0.0},
    )
    assert inferencer.streams(scene)
    reads = []
    read = LoadGeoTIFFFromFile.read
    monkeypatch.setattr(
        LoadGeoTIFFFromFile,
        'read',
        lambda self, path, window=None, *args, **kwargs: (
            reads.append((window, threading.current_thread()))
            or read(self, path, window, *args, **kwargs)
        ),
    )
    streamed = inferencer(scene).pred_instances
    windows = [w for w, _ in reads]
    assert len(windows) == 6 and all(w[2:] == (64, 64) for w in windows)
    assert not inferencer.model.reads_ahead()
    assert all(t is threading.main_thread() for _, t in reads)
    whole = torch.from_numpy(
        read_image(scene, bands=(4, 2, 1)).transpose(2, 0, 1).copy()
    ).float()
    with torch.no_grad():
        expected = inferencer.model.predict_scene(whole)
    assert len(streamed) == len(expected) > 0

    def rows(found):
        return sorted(
            zip(
                found.labels.tolist(),
                found.scores.tolist(),
                found.bboxes.tolist(),
            )
        )

    assert rows(streamed) == rows(expected)
    # asked not to, it reads the scene whole
    inferencer.stream = False
    assert not inferencer.streams(scene)
    reads.clear()
    assert rows(inferencer(scene).pred_instances) == rows(expected)
    assert [w for w, _ in reads] == [None]


def test_drawing_goes_through_the_configs_visualizer(
    checkpoint, tmp_path, monkeypatch
):
    import cv2
    from mmdet.visualization import DetLocalVisualizer

    from xview_plugins.apis import scene_inferencer
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    scene = write_tif(tmp_path / 'scene.tif', 300, 200)
    inferencer = SceneInferencer(
        TINY,
        str(checkpoint),
        tile_size=64,
        tile_overlap=16,
        cfg_options={'model.test_cfg.score_thr': 0.0},
    )
    assert isinstance(inferencer.visualizer, DetLocalVisualizer)
    assert inferencer.visualizer.dataset_meta['classes'] == BENCHMARK12.names
    sample = inferencer(scene)
    assert len(sample.pred_instances) > 0  # untrained, threshold 0
    boxes = sample.pred_instances.bboxes.clone()
    with warnings.catch_warnings():
        warnings.simplefilter('error', UserWarning)  # no out-of-bounds flood
        out = inferencer.visualize(
            scene,
            sample,
            tmp_path / 'drawn.png',
            pred_score_thr=0.0,
            max_side=150,
        )
    assert cv2.imread(str(out)).shape == (100, 150, 3)
    assert torch.equal(sample.pred_instances.bboxes, boxes)  # not rescaled
    # drawn in bands of 40 rows (matplotlib's memory), the picture of one
    # piece: boxes and labels continue across the bands (up to anti-aliasing)
    strongest = sample.pred_instances.scores.sort(descending=True).values
    labelled = dict(pred_score_thr=float(strongest[20]), max_side=None)
    whole = cv2.imread(
        str(
            inferencer.visualize(
                scene, sample, tmp_path / 'one.png', **labelled
            )
        )
    )
    monkeypatch.setattr(scene_inferencer, 'DRAW_BAND_PIXELS', 300 * 40)
    banded = cv2.imread(
        str(
            inferencer.visualize(
                scene, sample, tmp_path / 'bands.png', **labelled
            )
        )
    )
    assert (whole != banded).any(-1).mean() < 0.02
    assert (whole != cv2.imread(str(scene))).any(-1).mean() > 0.05
    # more boxes than labels a picture can hold (a huge scene): boxes in
    # their class colours, no labels (matplotlib's text artists took 1.1 GB
    # and 69 s for the 42,000 boxes of a 20,000-px scene)
    texts = []
    draw_texts = DetLocalVisualizer.draw_texts
    monkeypatch.setattr(
        DetLocalVisualizer,
        'draw_texts',
        lambda self, *a, **k: texts.append(1) or draw_texts(self, *a, **k),
    )
    inferencer.visualize(
        scene,
        sample,
        tmp_path / 'few.png',
        pred_score_thr=0.0,
        max_labels=None,
    )
    assert len(texts) > 0
    texts.clear()
    crowded = inferencer.visualize(
        scene,
        sample,
        tmp_path / 'crowded.png',
        pred_score_thr=0.0,
        max_labels=len(sample.pred_instances) - 1,
    )
    assert texts == []
    picture = cv2.imread(str(crowded))
    assert picture.shape == (200, 300, 3)
    assert not np.array_equal(picture, cv2.imread(str(scene)))


def test_a_checkpoint_without_type_ids_is_refused(tmp_path):
    from xview_plugins.apis.scene_inferencer import SceneInferencer
    from xview_plugins.utils.checkpoint import CheckpointError

    path = tmp_path / 'no_meta.pth'
    torch.save(dict(state_dict=yolov7_tiny_state(12)), path)
    with pytest.raises(CheckpointError, match='xview_type_ids'):
        SceneInferencer(TINY, str(path))


@pytest.mark.parametrize('dtype', ['uint8', 'uint16'])
def test_progress_counts_the_tiles_of_a_scene(checkpoint, tmp_path, dtype):
    """Streamed or read whole, every tile is counted as its batch ends: a
    huge scene shows it is working long before it is done."""
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    scene = write_tif(tmp_path / 'scene.tif', 200, 130, dtype=dtype)
    inferencer = SceneInferencer(
        TINY, str(checkpoint), tile_size=64, tile_overlap=16, batch_size=3
    )
    done = []
    inferencer(scene, progress=done.append)
    # 4 x 3 tiles of 64 px with a stride of 48, in batches of 3
    assert inferencer.tile_count(scene) == 12
    assert done == [3, 3, 3, 3]
    assert inferencer.model.progress is None  # the callback does not stay


def test_memory_is_refused_before_it_is_taken(checkpoint, tmp_path):
    """A 20,000-px tile on a 1,024-px scene; a declared 200,000-px square
    uint16 scene (a percentile stretch reads it whole): one error each,
    before any pixel is read."""
    import rasterio

    from xview_data.errors import InputError
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    small = write_tif(tmp_path / 'small.tif', 1024, 1024)
    huge_tiles = SceneInferencer(TINY, str(checkpoint), tile_size=20000)
    with pytest.raises(InputError, match='tile-size 5792 or less'):
        huge_tiles(small)
    huge = tmp_path / 'huge.tif'
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(
        huge, 'w', driver='GTiff', width=200_000, height=200_000, count=3,
        dtype='uint16', tiled=True, sparse_ok=True, bigtiff='YES',
    ):  # fmt: skip
        pass  # declared, never written: its tile index only (7 MB)
    inferencer = SceneInferencer(TINY, str(checkpoint), tile_size=640)
    assert inferencer.tile_count(huge) == 348**2  # stride 576, last flush
    with pytest.raises(
        InputError, match="huge.tif: 200000 x 200000.*stretch='dtype'"
    ):
        inferencer(huge)


def test_the_library_entry_points_are_exported_from_apis():
    """The README names them as `xview_plugins.apis`'s."""
    from xview_plugins import apis
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    assert apis.SceneInferencer is SceneInferencer
    for name in ('infer_files', 'export_onnx', 'convert_official_weights'):
        assert callable(getattr(apis, name)) and name in apis.__all__


def test_the_scene_pipeline_is_declared_or_the_test_pipeline_s_loader():
    """The rule: the config's scene_pipeline, else the test pipeline's first
    step when it is an image loader (mmdet's convention), then packing."""
    from xview_plugins.apis.scene_inferencer import scene_pipeline_cfg
    from xview_plugins.utils.config import ConfigError

    init_default_scope('mmdet')
    cfg = Config.fromfile(TINY)
    steps = scene_pipeline_cfg(cfg)
    assert [s['type'] for s in steps] == [
        'LoadGeoTIFFFromFile',
        'PackDetInputs',
    ]
    cfg.scene_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='PackDetInputs'),
    ]
    assert scene_pipeline_cfg(cfg)[0]['type'] == 'LoadImageFromFile'
    cfg = Config.fromfile(TINY)
    cfg.test_dataloader.dataset.pipeline.insert(0, dict(type='LetterboxTile'))
    with pytest.raises(ConfigError, match='starts with LetterboxTile'):
        scene_pipeline_cfg(cfg)


def test_a_subclass_overrides_a_stage(checkpoint, tmp_path):
    """The stages of mmdet's DetInferencer: __call__ runs preprocess,
    forward, visualize and postprocess, each a method of its own."""
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    class Counting(SceneInferencer):
        written = []

        def postprocess(self, path, sample, out_dir):
            self.written.append(Path(path).name)
            return super().postprocess(path, sample, out_dir)

    scene = write_tif(tmp_path / 'scene.tif', 80, 72)
    inferencer = Counting(TINY, str(checkpoint), tile_size=64, tile_overlap=8)
    inferencer(scene, out_dir=tmp_path / 'out')
    assert Counting.written == ['scene.tif']
    for part in ('submission/scene.tif.txt', 'geojson/scene.geojson',
                 'drawn/scene.png'):  # fmt: skip
        assert (tmp_path / 'out' / part).is_file()
