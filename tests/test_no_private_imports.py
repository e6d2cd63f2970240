"""No module of the packages imports another module's private names (ours or
the mm stack's): what is shared is public."""

import ast

import pytest

from tests.conftest import ROOT

PACKAGES = ('xview_data', 'xview_plugins')
GUARDED = (*PACKAGES, 'mmengine', 'mmdet', 'mmcv')


def private_imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            source = node.module or ''
        elif isinstance(node, ast.ImportFrom):
            source = 'xview_'  # a relative import stays in our packages
        else:
            continue
        if not source.startswith(GUARDED):
            continue
        for alias in node.names:
            if alias.name.startswith('_') and not alias.name.startswith('__'):
                yield f'{path.relative_to(ROOT)}:{node.lineno} {alias.name}'


@pytest.mark.parametrize('package', PACKAGES)
def test_no_private_names_cross_modules(package):
    found = [
        hit
        for path in sorted((ROOT / package).rglob('*.py'))
        for hit in private_imports(path)
    ]
    assert found == []
