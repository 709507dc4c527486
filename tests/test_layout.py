"""The architecture as rules the code must keep: what each folder may import, module size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Folder -> the project packages it may import (besides itself).
MAY_IMPORT = {
    "flows": set(),
    "gateway/platform": {"config", "flows"},
    "gateway/store": {"gateway.platform", "flows"},
    "gateway/monitoring": {"gateway.platform", "gateway.store", "flows"},
    "gateway/outbound": {
        "config", "flows", "gateway.platform", "gateway.store", "gateway.monitoring",
    },
    "gateway/programme": {
        "config", "flows", "gateway.platform", "gateway.store", "gateway.monitoring",
        "gateway.outbound",
    },
    "gateway/dialog": {
        "config", "flows", "gateway.platform", "gateway.store", "gateway.monitoring",
        "gateway.programme",
    },
    "gateway/channels": {"config", "gateway.dialog", "gateway.outbound", "gateway.platform"},
    "gateway/console": {"config", "flows", "gateway"},
    "gateway/cli": {"config", "flows", "gateway"},
    "workers": {"gateway"},
}  # fmt: skip
PROJECT = ("flows", "gateway", "workers", "config")
FLOWS_NEVER = ("flask", "sqlalchemy", "redis", "rq", "twilio")
MAX_LINES = 400


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def allowed(name: str, folder: str) -> bool:
    own = folder.replace("/", ".")
    if name == own or name.startswith(own + "."):
        return True
    return any(name == ok or name.startswith(ok + ".") for ok in MAY_IMPORT[folder])


@pytest.mark.parametrize("folder", MAY_IMPORT)
def test_each_folder_imports_only_what_its_rule_allows(folder):
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules(folder)
        for name in imported(path)
        if name.split(".")[0] in PROJECT and not allowed(name, folder)
    ]
    assert wrong == []


def test_flows_stay_pure():
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules("flows")
        for name in imported(path)
        if name.split(".")[0] in FLOWS_NEVER
    ]
    assert wrong == []


def test_the_gateway_never_names_a_worker_module():
    found = [
        str(path.relative_to(ROOT))
        for path in modules("gateway")
        if any(name.split(".")[0] == "workers" for name in imported(path))
    ]
    assert found == []


@pytest.mark.parametrize("folder", ["flows", "gateway", "workers", "config"])
def test_no_module_is_over_400_lines(folder):
    long = [
        f"{path.relative_to(ROOT)}: {n}"
        for path in modules(folder)
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert long == []


def test_every_package_says_what_it_is():
    missing = [
        str(path.relative_to(ROOT))
        for folder in ("flows", "gateway", "workers", "config")
        for path in (ROOT / folder).rglob("__init__.py")
        if "migrations" not in path.parts and ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []
