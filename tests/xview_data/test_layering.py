import subprocess
import sys

# Every module of the data layer, imported in a fresh interpreter: none may
# pull in torch, the mm stack or the plugin package.
CODE = """
import importlib, pkgutil, sys
import xview_data
names = [m.name for m in pkgutil.walk_packages(
    xview_data.__path__, 'xview_data.')]
for name in names:
    importlib.import_module(name)
heavy = sorted(
    m for m in ('torch', 'mmengine', 'mmcv', 'mmdet', 'xview_plugins')
    if m in sys.modules)
print(len(names), ' '.join(heavy) or 'none')
"""


def test_no_module_of_the_data_layer_imports_torch_or_mm():
    out = subprocess.run(
        [sys.executable, '-c', CODE], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    count, heavy = out.stdout.split(maxsplit=1)
    assert int(count) >= 25  # the walk found the package's modules
    assert heavy.strip() == 'none'
