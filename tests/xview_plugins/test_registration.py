def test_importing_the_package_registers_every_module():
    from mmdet.registry import DATASETS, TRANSFORMS
    from mmengine.registry import HOOKS, MODEL_WRAPPERS

    import xview_plugins  # noqa: F401

    assert DATASETS.get('XViewDataset') and DATASETS.get('XViewTxtDataset')
    assert TRANSFORMS.get('LoadGeoTIFFFromFile')
    assert HOOKS.get('PlainCheckpointHook')
    assert MODEL_WRAPPERS.get('DeviceAwareDDP')


def test_data_layer_does_not_import_torch():
    import subprocess
    import sys

    code = (
        'import sys, xview_data.converters, xview_data.synthetic; '
        'print("torch" in sys.modules, "mmengine" in sys.modules)'
    )
    out = subprocess.run(
        [sys.executable, '-c', code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ['False', 'False']
