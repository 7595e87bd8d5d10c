"""Each test starts with an empty registry of user classes and functions."""

from __future__ import annotations

import pytest

from streamad.persist import registry


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTERED", {})
