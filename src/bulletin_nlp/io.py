"""Read bulletin files into text, detecting the encoding and naming the file on failure.

The formats themselves (text encodings, HTML, PDF) live in :mod:`bulletin_nlp.formats`.
"""

from __future__ import annotations

from pathlib import Path

from .formats import FORMATS, decode_text, read_source

SUFFIXES = tuple(FORMATS)


def decode(data: bytes, path: str = "<bytes>") -> tuple[str, str]:
    """Decode bytes as UTF-8 (BOM allowed), UTF-16, GB18030 or a detected encoding."""
    return decode_text(data, path)


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a bulletin file (any supported format); raise :class:`InputError` naming the
    file and the reason. Returns (text, encoding)."""
    source = read_source(path)
    return source.text, source.encoding


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files named directly, plus bulletin files found (recursively) in named folders."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
            )
        else:
            out.append(p)
    return out
