"""The card's ``setup.py``: OpenMMLab projects keep one at the top level.

The metadata lives in ``pyproject.toml`` only (one source of truth); this file
hands the build to setuptools, which reads it from there, so ``pip install .``,
``pip install -e .``, ``pip wheel .`` and ``python setup.py --version`` agree.
"""

from setuptools import setup

setup()
