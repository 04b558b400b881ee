"""Provenance tests sign with a per-session identity, never the user's own."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _local_c2pa_identity(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("THG_C2PA_DIR", str(tmp_path_factory.getbasetemp() / "c2pa-identity"))
    monkeypatch.delenv("THG_C2PA_CERT", raising=False)
    monkeypatch.delenv("THG_C2PA_KEY", raising=False)
