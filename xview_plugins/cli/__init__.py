"""The model layer's command lines (``tools/train.py``, ``test.py``,
``infer.py``, ...; installed as ``xview-train``, ``xview-infer``, ...): each
module parses its options, calls the library (:mod:`xview_plugins.apis`,
:mod:`xview_plugins.utils.config`) and ends in :func:`errors.exit_code_of`.
Not imported by the package: importing ``xview_plugins`` only registers
modules. The data layer's command lines are :mod:`xview_data.cli`."""
