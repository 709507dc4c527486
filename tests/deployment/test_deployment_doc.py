"""docs/DEPLOYMENT.md and the Procfile agree; every setting the doc names exists and is
exercised by a test; the README links the doc and lists the settings."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from config.settings import Settings
from tests.cli.test_procfile import procfile

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "DEPLOYMENT.md"
# Named in the doc, read by something other than Settings.
NOT_SETTINGS = {"BENCH_DATABASE_URL", "BENCH_REDIS_URL"}
NEW_SETTINGS = (
    "EXPORT_FOLDER", "EXPORT_RETENTION_DAYS", "DATABASE_PREPARED_STATEMENTS",
    "DATABASE_STATEMENT_TIMEOUT_MS", "REDIS_SENTINELS", "REDIS_SENTINEL_MASTER",
)  # fmt: skip


def doc_settings() -> set[str]:
    """Every NAME_LIKE_THIS written in backticks in the doc (code blocks aside)."""
    prose = re.sub(r"```.*?```", "", DOC.read_text(), flags=re.S)
    quoted = " ".join(re.findall(r"`([^`]+)`", prose))
    return set(re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", quoted))


def test_the_doc_shows_the_procfile_as_it_is():
    block = DOC.read_text().split("## The Procfile")[1].split("```")[1]
    assert {line for line in block.splitlines() if line} == {
        f"{kind}: {command}" for kind, command in procfile().items()
    }


def test_every_setting_the_doc_names_exists():
    known = {f.name for f in fields(Settings)} | NOT_SETTINGS
    assert sorted(doc_settings() - known) == []


def test_every_setting_the_doc_names_is_used_by_a_test():
    own = Path(__file__).resolve()
    tests = "\n".join(
        path.read_text() for path in (ROOT / "tests").rglob("*.py") if path.resolve() != own
    )
    untested = sorted(name for name in doc_settings() - NOT_SETTINGS if name not in tests)
    assert untested == []


def test_the_readme_links_the_doc_and_lists_its_new_settings():
    readme = (ROOT / "README.md").read_text()
    assert "docs/DEPLOYMENT.md" in readme
    table = readme.split("## Configuration")[1].split("\n## ")[0]
    assert [name for name in NEW_SETTINGS if f"`{name}`" not in table] == []
