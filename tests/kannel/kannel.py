"""Debian's Kannel 1.4.5 (bearerbox + smsbox) run from the configuration in docs/KANNEL.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "KANNEL.md"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"  # kannel-extras
MAIN_BLOCK = "# kannel.conf"
FAKE_SMSC_BLOCK = "# smsc: fakesmsc"
SENDSMS_USER = "gateway"  # the doc's sendsms-user


def box(name: str) -> str | None:
    """A Kannel program on PATH or in /usr/sbin, where Debian puts them."""
    return shutil.which(name) or shutil.which(name, path="/usr/sbin")


def missing_programs() -> list[str]:
    wanted = {"bearerbox": box("bearerbox"), "smsbox": box("smsbox")}
    wanted["fakesmsc"] = FAKESMSC if Path(FAKESMSC).exists() else None
    return [name for name, path in wanted.items() if path is None]


def doc_blocks(text: str) -> dict[str, str]:
    """The fenced blocks of a Markdown text, keyed by their first line."""
    return {block.splitlines()[0]: block for block in re.findall(r"```\n(.*?)```", text, re.S)}


def fill(template: str, values: dict[str, str]) -> str:
    """Replace each placeholder, which must be there (so the doc cannot lose one unseen)."""
    for placeholder, value in values.items():
        assert placeholder in template, f"docs/KANNEL.md no longer has {placeholder!r}"
        template = template.replace(placeholder, value)
    return template


@dataclass(frozen=True)
class KannelSetup:
    """Where this run's Kannel listens and what it is called with."""

    folder: Path
    gateway_url: str  # what the sms-service's get-url calls instead of https://GATEWAY-HOST
    token: str
    sendsms_password: str
    admin_password: str = "admin-secret"
    ports: dict[str, int] = field(
        default_factory=lambda: {
            name: free_port() for name in ("admin", "smsbox", "sendsms", "smsc")
        }
    )

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['sendsms']}/cgi-bin/sendsms"

    @property
    def logs(self) -> list[Path]:
        return sorted(self.folder.glob("*.log"))

    def conf(self) -> str:
        """The doc's kannel.conf and its fakesmsc group, with this run's ports and folders."""
        blocks = doc_blocks(DOC.read_text())
        main = next(block for title, block in blocks.items() if title.startswith(MAIN_BLOCK))
        smsc = next(block for title, block in blocks.items() if title.startswith(FAKE_SMSC_BLOCK))
        folder = f"{self.folder}/"
        return fill(
            main + "\n" + smsc,
            {
                "admin-port = 13000": f"admin-port = {self.ports['admin']}",
                "port = 13001": f"port = {self.ports['smsbox']}",  # smsbox- and bearerbox-port
                "sendsms-port = 13013": f"sendsms-port = {self.ports['sendsms']}",
                "port = 10000": f"port = {self.ports['smsc']}",
                "/var/log/kannel/": folder,
                "/var/spool/kannel/": folder,
                "https://GATEWAY-HOST": self.gateway_url,
                "HTTP-SMS-TOKEN": self.token,
                "SENDSMS-PASSWORD": self.sendsms_password,
                "ADMIN-PASSWORD": self.admin_password,
            },
        )

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.ports['admin']}/status.txt?password={self.admin_password}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return ""


@contextmanager
def running_kannel(setup: KannelSetup):
    """bearerbox then smsbox (as Debian starts them: `-v 4`, the logs in log-file only)."""
    conf = setup.folder / "kannel.conf"
    conf.write_text(setup.conf())
    started = []
    try:
        ready = {
            "bearerbox": lambda: "Status: running" in setup.status(),
            "smsbox": lambda: "smsbox:" in setup.status(),  # it is connected to bearerbox
        }
        for name, is_ready in ready.items():
            with open(setup.folder / f"{name}.stderr", "w") as out:
                command = [box(name), "-v", "4", str(conf)]
                started.append(subprocess.Popen(command, stdout=out, stderr=out))
            wait_until(is_ready, f"{name} did not start")
        yield setup
    finally:
        for proc in reversed(started):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
