def test_importing_the_package_registers_every_module():
    from mmdet.registry import DATASETS, TRANSFORMS
    from mmengine.registry import HOOKS, MODEL_WRAPPERS

    import xview_plugins  # noqa: F401

    assert DATASETS.get('XViewDataset') and DATASETS.get('XViewTxtDataset')
    assert TRANSFORMS.get('LoadGeoTIFFFromFile')
    assert HOOKS.get('PlainCheckpointHook')
    assert MODEL_WRAPPERS.get('DeviceAwareDDP')
