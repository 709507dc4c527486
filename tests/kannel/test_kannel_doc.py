"""The Kannel configuration the README shows is the one docs/KANNEL.md gives, and tested."""

from __future__ import annotations

import re

from tests.kannel.kannel import DOC, MAIN_BLOCK, ROOT, doc_blocks

README = ROOT / "README.md"


def groups(conf: str) -> dict[str, set[str]]:
    """Each `group = NAME` of a kannel.conf with its setting lines."""
    found: dict[str, set[str]] = {}
    current = None
    for line in conf.splitlines():
        line = line.strip()
        if line.startswith("group = "):
            current = found.setdefault(line, set())
        elif line and not line.startswith("#") and current is not None:
            current.add(line)
    return found


def readme_kannel_conf() -> str:
    section = README.read_text().split("### Kannel")[1].split("\n### ")[0]
    [conf] = re.findall(r"```\n(.*?)```", section, re.S)
    return conf


def doc_conf() -> str:
    blocks = doc_blocks(DOC.read_text())
    return next(block for title, block in blocks.items() if title.startswith(MAIN_BLOCK))


def test_every_kannel_line_in_the_readme_is_in_the_tested_group_of_the_doc():
    tested = groups(doc_conf())
    shown = groups(readme_kannel_conf())
    assert shown, "the README's Kannel section shows no kannel.conf"
    missing = {group: lines - tested.get(group, set()) for group, lines in shown.items()}
    assert {group: lines for group, lines in missing.items() if lines} == {}


def test_the_tested_conf_has_every_group_and_line_the_gateway_depends_on():
    tested = groups(doc_conf())
    assert set(tested) == {
        "group = core", "group = smsbox", "group = sendsms-user", "group = sms-service",
    }  # fmt: skip
    assert {
        "accept-x-kannel-headers = true", "max-messages = 2", "concatenation = true",
        "omit-empty = true", "keyword = default", "catch-all = true",
    } <= tested["group = sms-service"]  # fmt: skip
    assert "mo-recode = true" in tested["group = smsbox"]
    assert not [line for line in tested["group = sms-service"] if line.startswith("dlr-")]
