"""Survey test data: a small corpus of abstracts in three themes, LaTeX sources, an arXiv API answer."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def abstracts_path() -> Path:
    """18 papers, 6 each on radiance fields, diffusion and emotion control (theme in field 'theme')."""
    return DATA / "abstracts.jsonl"
