"""Command lines of the data layer, installed as console entry points
(``xview-convert``, ``xview-score``, ``xview-synth``) and called by the scripts
under ``tools/``.
"""
