"""Numbers in annotation text, read strictly: Python's ``int('1_00')`` and
``float('1_00')`` give 100, which no annotation writer means."""

from __future__ import annotations


def parse_float(text: str) -> float:
    """``float(text)`` without Python's digit separators; ``ValueError``
    otherwise."""
    if '_' in text:
        raise ValueError(f'not a number: {text!r}')
    return float(text)


def parse_int(text: str) -> int:
    """A decimal integer (optional sign, digits only); ``ValueError``
    otherwise."""
    digits = text.strip()
    if not digits.lstrip('+-').isdigit() or not digits.lstrip('+-').isascii():
        raise ValueError(f'not an integer: {text!r}')
    return int(digits)
