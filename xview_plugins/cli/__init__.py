"""Command lines that need the model stack, installed as console entry points
(``xview-infer``) and called by the scripts under ``tools/``. Not imported by
the package: importing ``xview_plugins`` only registers modules."""
