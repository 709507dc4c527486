"""Export files on the folder every node shares (EXPORT_FOLDER): their names and retention.

Files are written whole under a hidden temporary name in the same folder and renamed
(bank_export), so a node never serves half a file; the reconciler's tick, which runs
once a minute for the whole deployment, deletes them after EXPORT_RETENTION_DAYS.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

from gateway.platform.logs import log_event
from gateway.platform.services import Services
from gateway.store.audit import add_audit_event

RECONCILER_ACTOR = "system:reconciler"
log = logging.getLogger("smsgw.exports")
# Only what the gateway writes there is ever deleted: the folder may be shared with more.
_EXPORT_FILE = re.compile(r"^\.?registrations-[0-9A-Za-z-]+\.(csv|xlsx)(\.[0-9A-Za-z_]+\.part)?$")


def export_folder(services: Services) -> Path:
    return services.settings.export_folder


def delete_expired_exports(services: Services, now: datetime) -> list[str]:
    """Delete export files last written before now - EXPORT_RETENTION_DAYS; the names deleted.

    Each deletion is audited in its own transaction, the file unlinked inside it, so a
    file is never gone without its audit row (a file that another node deleted first is
    skipped and its row rolled back; one that cannot be deleted is logged and left).
    """
    days = services.settings.EXPORT_RETENTION_DAYS
    cutoff = (now - timedelta(days=days)).timestamp()
    deleted = []
    for path in _expired_files(export_folder(services), cutoff):
        try:
            with services.database.session() as session:
                add_audit_event(
                    session, RECONCILER_ACTOR, "export.deleted", path.name, retention_days=days
                )
                session.flush()
                path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:  # say so, and leave the rest of the tick alone
            log_event(log, "export_not_deleted", logging.WARNING, file=path.name,
                      error=type(exc).__name__)  # fmt: skip
            continue
        deleted.append(path.name)
    return deleted


def _expired_files(folder: Path, cutoff: float) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return [
                Path(entry.path)
                for entry in entries
                if _EXPORT_FILE.match(entry.name)
                and entry.is_file(follow_symlinks=False)
                and entry.stat(follow_symlinks=False).st_mtime < cutoff
            ]
    except FileNotFoundError:  # nothing exported yet
        return []
