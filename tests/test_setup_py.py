"""The card's top-level setup.py builds from pyproject.toml's metadata, the
one copy of it (the wheel itself: tests/test_wheel_install.py)."""

import ast
import sys
from importlib import metadata

from tests.conftest import ROOT, run_command


def test_setup_py_holds_no_metadata_and_reads_pyproject():
    calls = [
        node
        for node in ast.walk(ast.parse((ROOT / 'setup.py').read_text()))
        if isinstance(node, ast.Call)
        and getattr(node.func, 'id', '') == 'setup'
    ]
    assert len(calls) == 1 and not calls[0].args and not calls[0].keywords
    printed = run_command(
        sys.executable, 'setup.py', '--name', '--version', cwd=ROOT
    )
    # the installed package's metadata came from pyproject.toml
    assert printed.split()[-2:] == [
        'xview-plugins',
        metadata.version('xview-plugins'),
    ]
