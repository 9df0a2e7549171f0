"""docs/templates.md documents every filter, every template variable, every bundled template and the digest keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.messages.context import MISSING_KEYS, build_context
from monitor.messages.filters import FILTERS
from monitor.messages.samples import sample_notification

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
TEMPLATES = sorted(p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.j2"))


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_every_filter_is_documented(name):
    assert f"| `{name}" in DOC


@pytest.mark.parametrize("name", sorted(build_context(sample_notification("firing"))))
def test_every_template_variable_is_documented(name):
    assert f"`{name}`" in DOC


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_bundled_template_is_named_in_the_docs(name):
    folder, file = name.split("/", 1)
    generic = file.replace(file.split(".")[0], "<kind>", 1) if file.split(".")[0] in (
        "firing", "resolved", "reminder", "digest") else file
    assert f"{folder}/{file}" in DOC or f"{folder}/{generic}" in DOC, name


@pytest.mark.parametrize("key", ["as_of", "counts", "worst", "missing", *MISSING_KEYS])
def test_every_key_the_digest_reads_from_extra_is_documented(key):
    assert f"`{key}`" in DOC or f"{key}," in DOC or f"{key}}}" in DOC
