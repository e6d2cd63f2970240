"""A detector exported to ONNX and run by ONNX Runtime gives the torch path's
detections; what does not export is refused."""

import runpy

import pytest
import torch

from tests.conftest import (
    ROOT,
    TINY,
    build_config_model,
    distinct_outputs_state,
    narrowed_yolov7,
    network_tolerance,
    noise_scene,
)
from xview_data.structures import BENCHMARK12

pytest.importorskip('onnxruntime')  # the deploy extra, installed by setup


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    from xview_plugins.apis.onnx_export import export_onnx

    folder = tmp_path_factory.mktemp('onnx')
    checkpoint = folder / 'tiny.pth'
    state = distinct_outputs_state()
    meta = dict(classes=BENCHMARK12.names, xview_type_ids=BENCHMARK12.type_ids)
    torch.save(
        dict(state_dict=state, meta=dict(dataset_meta=meta)), checkpoint
    )
    done = export_onnx(TINY, str(checkpoint), str(folder / 'tiny.onnx'), 64, 3)
    # ONNX Runtime's kernels sum in other orders than torch's: the raw
    # outputs' bound, sized by the unfused network
    bound = network_tolerance(build_config_model(TINY), done['max_abs_value'])
    return checkpoint, done, bound


def test_the_export_is_the_deploy_network_up_to_the_raw_outputs(exported):
    _, done, bound = exported
    assert done['out'].is_file()
    assert done['input'] == (3, 3, 64, 64)
    assert done['outputs'] == [
        (3, 3, 8, 8, 17),
        (3, 3, 4, 4, 17),
        (3, 3, 2, 2, 17),
    ]
    assert done['max_abs_difference'] <= bound


def test_onnx_runtime_detections_equal_the_torch_ones(exported, tmp_path):
    """Whole-scene inference by tiles (7 tiles: batches of 3, 3 and a padded
    1) through both backends."""
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    checkpoint, done, bound = exported
    scene = noise_scene(tmp_path / 'scene.tif', 150, 100)
    options = dict(tile_size=64, tile_overlap=16, batch_size=3)
    torch_path = SceneInferencer(TINY, str(checkpoint), **options)
    onnx_path = SceneInferencer(
        TINY, str(checkpoint), onnx_file=str(done['out']), **options
    )
    assert type(onnx_path.model.detector).__name__ == 'ONNXRuntimeDetector'
    assert_same_detections(torch_path(scene), onnx_path(scene), bound)


def assert_same_detections(ours, theirs, raw_bound: float):
    """The same detections, in the order of their scores up to round-off,
    when the two backends' raw head outputs differ by up to ``raw_bound``:
    a box side moves by at most (its size + the stride of 32) x
    ``raw_bound`` (YOLOv7: xy by stride / 2, wh relative 2 per unit of the
    raw output; RTMDet: distances x stride), a score by ``raw_bound`` / 2
    (sigmoid slopes of at most 1/4)."""
    a, b = ours.pred_instances, theirs.pred_instances
    assert len(a) == len(b) > 0
    # each torch box has one ONNX Runtime box of its class within the bound
    distance = (a.bboxes[:, None] - b.bboxes[None]).abs().amax(-1)
    distance[a.labels[:, None] != b.labels[None]] = float('inf')
    nearest = distance.argmin(1)
    sides = (a.bboxes[:, 2:] - a.bboxes[:, :2]).amax(-1)
    assert (distance.min(1).values <= (sides + 32) * raw_bound).all()
    assert len(set(nearest.tolist())) == len(a)  # one to one
    assert (a.scores - b.scores[nearest]).abs().max() <= raw_bound / 2


def test_a_detector_without_a_dense_head_is_refused(tmp_path):
    from xview_plugins.apis.onnx_export import export_onnx
    from xview_plugins.utils.config import ConfigError

    config = str(
        ROOT
        / 'configs'
        / 'sliding_window'
        / 'sliding-window_cnn-model6_synthetic-xview.py'
    )
    with pytest.raises(ConfigError, match='cannot be exported'):
        export_onnx(config, 'unused.pth', str(tmp_path / 'x.onnx'))
    assert not list(tmp_path.iterdir())


def test_infer_runs_the_onnx_file_and_needs_both_options(
    exported, tmp_path, capsys
):
    checkpoint, done, _ = exported
    scene = noise_scene(tmp_path / 'in' / 'scene.tif', 96, 96)
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    common = [TINY, checkpoint, scene, '--tile-size', 64, '--tile-overlap', 16]
    common += ['--batch-size', 3, '--no-progress']
    runs = {}
    for name, extra in (
        ('torch', []),
        ('onnx', ['--backend', 'onnxruntime', '--onnx', done['out']]),
    ):
        argv = [*common, *extra, '--out', tmp_path / name]
        assert main([str(a) for a in argv]) == 0
        # the checkpoint's network weights are in the ONNX file: not listed
        # as unexpected keys
        assert 'unexpected key' not in ''.join(capsys.readouterr())
        runs[name] = (
            tmp_path / name / 'submission' / 'scene.tif.txt'
        ).read_text()
    assert len(runs['torch'].splitlines()) == len(runs['onnx'].splitlines())
    with pytest.raises(SystemExit):
        main(
            [
                str(a)
                for a in [
                    *common,
                    '--onnx',
                    done['out'],
                    '--out',
                    tmp_path / 'x',
                ]
            ]
        )
    assert 'go together' in capsys.readouterr().err


def test_tiles_of_another_size_than_the_export_are_refused(
    exported, tmp_path, capsys
):
    """A model exported for 64-px inputs with --tile-size 96: one line naming
    the file and both sizes, before any scene is read."""
    checkpoint, done, _ = exported
    scene = noise_scene(tmp_path / 'in' / 'scene.tif', 96, 96)
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    argv = [TINY, checkpoint, scene, '--tile-size', 96, '--tile-overlap', 16]
    argv += ['--backend', 'onnxruntime', '--onnx', done['out']]
    argv += ['--no-progress', '--out', tmp_path / 'out']
    assert main([str(a) for a in argv]) == 2
    error = capsys.readouterr().err
    assert 'tiny.onnx' in error and '64' in error and '96' in error
    assert not (tmp_path / 'out').exists()


def test_any_dense_head_detector_exports_with_all_its_outputs(tmp_path):
    """RTMDet's head gives two groups of outputs (class scores, boxes per
    level): both are exported and decoded by its own predict_by_feat, with
    the torch model's detections."""

    from xview_plugins.apis.onnx_export import export_onnx
    from xview_plugins.apis.scene_inferencer import SceneInferencer

    config = str(ROOT / 'configs' / 'rtmdet-tiny_synthetic-xview.py')
    torch.manual_seed(0)
    model = build_config_model(config)
    checkpoint = tmp_path / 'rtmdet.pth'
    meta = dict(classes=BENCHMARK12.names, xview_type_ids=BENCHMARK12.type_ids)
    torch.save(
        dict(state_dict=model.state_dict(), meta=dict(dataset_meta=meta)),
        checkpoint,
    )
    done = export_onnx(
        config, str(checkpoint), str(tmp_path / 'r.onnx'), 64, 2
    )
    assert len(done['outputs']) == 6  # 3 levels x (scores, boxes)
    scene = noise_scene(tmp_path / 'scene.tif', 100, 90)
    options = dict(
        tile_size=64,
        tile_overlap=16,
        batch_size=2,
        cfg_options={'model.test_cfg.score_thr': 0.0},
    )
    assert_same_detections(
        SceneInferencer(config, str(checkpoint), **options)(scene),
        SceneInferencer(
            config, str(checkpoint), onnx_file=str(done['out']), **options
        )(scene),
        network_tolerance(model, done['max_abs_value']),
    )


def test_yolov7_exports_in_its_deploy_form(tmp_path):
    """RepConv merged and BatchNorm folded: ONNX Runtime gives torch's raw
    outputs."""

    from xview_plugins.apis.onnx_export import export_onnx

    config = str(ROOT / 'configs' / 'yolov7_xview.py')
    model = build_config_model(config)
    checkpoint = tmp_path / 'yolov7.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    done = export_onnx(
        config, str(checkpoint), str(tmp_path / 'l.onnx'), 64, 1
    )
    assert len(done['outputs']) == 3
    bound = network_tolerance(model, done['max_abs_value'])
    assert done['max_abs_difference'] <= bound


def test_a_p6_model_exports_its_lead_head_only(tmp_path):
    """yolov7-e6e (DownC, summed E-ELAN pairs, IAuxDetect) at width 0.25:
    the export holds the four lead outputs (strides 8 to 64) and no
    auxiliary ones, with torch's values."""
    from mmengine.config import Config

    from xview_plugins.apis.onnx_export import export_onnx

    cfg = Config.fromfile(str(ROOT / 'configs' / 'yolov7-e6e_xview.py'))
    cfg.merge_from_dict(narrowed_yolov7(cfg, 0.25))
    config = tmp_path / 'e6e.py'
    cfg.dump(config)
    torch.manual_seed(0)
    model = build_config_model(cfg)
    assert len(model.bbox_head.m2) == 4
    checkpoint = tmp_path / 'e6e.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    done = export_onnx(
        str(config), str(checkpoint), str(tmp_path / 'e6e.onnx'), 128, 1
    )
    assert done['outputs'] == [
        (1, 3, size, size, 17) for size in (16, 8, 4, 2)
    ]
    bound = network_tolerance(model, done['max_abs_value'])
    assert done['max_abs_difference'] <= bound


def run_infer(argv, capsys):
    main = runpy.run_path(str(ROOT / 'tools' / 'infer.py'))['main']
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().err


def test_an_export_of_another_class_count_is_refused(tmp_path, capsys):
    """A 13-class export with the 12-class config and checkpoint: one line
    naming the file and both counts, before any scene is read."""
    from xview_data.structures import load_class_map
    from xview_plugins.apis.onnx_export import export_onnx

    thirteen = tmp_path / 'thirteen.py'
    thirteen.write_text(
        f"_base_ = ['{TINY}']\nmodel = dict(bbox_head=dict(num_classes=13))\n"
    )
    classes = load_class_map('xview60')
    meta = dict(
        classes=classes.names[:13], xview_type_ids=classes.type_ids[:13]
    )
    checkpoint = tmp_path / 'thirteen.pth'
    state = build_config_model(str(thirteen)).state_dict()
    torch.save(
        dict(state_dict=state, meta=dict(dataset_meta=meta)), checkpoint
    )
    onnx_file = export_onnx(
        str(thirteen), str(checkpoint), str(tmp_path / 'm.onnx'), 64, 1
    )['out']
    twelve = tmp_path / 'twelve.pth'
    meta12 = dict(
        classes=BENCHMARK12.names, xview_type_ids=BENCHMARK12.type_ids
    )
    torch.save(
        dict(
            state_dict=build_config_model(TINY).state_dict(),
            meta=dict(dataset_meta=meta12),
        ),
        twelve,
    )
    scene = noise_scene(tmp_path / 'in' / 'scene.tif', 96, 96)
    code, err = run_infer(
        [TINY, twelve, scene, '--tile-size', 64, '--tile-overlap', 16,
         '--backend', 'onnxruntime', '--onnx', onnx_file, '--no-progress',
         '--out', tmp_path / 'out'],
        capsys,
    )  # fmt: skip
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith('error:')]
    assert len(lines) == 1 and 'Traceback' not in err, err
    assert (
        'm.onnx' in lines[0] and '13 classes' in lines[0] and '12' in lines[0]
    )
    assert not (tmp_path / 'out').exists()


def test_an_export_with_other_class_names_is_refused(
    exported, tmp_path, capsys
):
    checkpoint, done, _ = exported
    renamed = tmp_path / 'renamed.pth'
    saved = torch.load(checkpoint, weights_only=True)
    names = list(saved['meta']['dataset_meta']['classes'])
    saved['meta']['dataset_meta']['classes'] = names[::-1]
    torch.save(saved, renamed)
    scene = noise_scene(tmp_path / 'in' / 'scene.tif', 96, 96)
    code, err = run_infer(
        [TINY, renamed, scene, '--tile-size', 64, '--tile-overlap', 16,
         '--backend', 'onnxruntime', '--onnx', done['out'], '--no-progress',
         '--out', tmp_path / 'out'],
        capsys,
    )  # fmt: skip
    assert code == 2 and 'exported with the classes' in err, err


def test_a_tile_size_the_network_cannot_take_is_refused_at_export(
    exported, tmp_path, capsys
):
    checkpoint, _, _ = exported
    main = runpy.run_path(str(ROOT / 'tools' / 'deploy' / 'export_onnx.py'))[
        'main'
    ]
    out = tmp_path / 'm.onnx'
    code = main([str(a) for a in [TINY, checkpoint, out, '--tile-size', 100]])
    err = capsys.readouterr().err
    assert code == 2 and '--tile-size 100' in err and '96 or 128' in err, err
    assert not out.exists()
