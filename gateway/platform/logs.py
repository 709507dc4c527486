"""One log line per event, `event key=value ...`, with personal data masked."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from gateway.platform.masking import mask_digits, mask_name, mask_phone, mask_text

# Fields masked by name; everything else is still passed through mask_text.
_MASKS = {
    "national_id": mask_digits,
    "pension_number": mask_digits,
    "full_name": mask_name,
    "name": mask_name,
    "phone": mask_phone,
    "mobile": mask_phone,
    "to": mask_phone,
    "from_": mask_phone,
}
_HIDDEN = {"text", "body"}
HANDLER_NAME = "smsgw-masked-stderr"  # message bodies hold whatever the pensioner typed


def format_fields(fields: dict) -> str:
    parts = []
    for key, value in fields.items():
        if key in _HIDDEN:
            value = f"<{len(str(value))} chars>"
        elif key in _MASKS:
            value = _MASKS[key](None if value is None else str(value))
        value = str(value)
        parts.append(f"{key}={value!r}" if (" " in value or not value) else f"{key}={value}")
    return " ".join(parts)


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields) -> None:
    """Log `event` with its fields, masked, on one line."""
    if logger.isEnabledFor(level):
        logger.log(level, "%s %s", event, format_fields(fields))


def describe_exception(exc: BaseException) -> str:
    """An exception as one safe line: its type, its message masked and cut, and where it
    was raised (file:line of each frame), never the values a traceback would show."""
    frames = traceback.extract_tb(exc.__traceback__)[-6:]
    where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(frames))
    message = mask_text(" ".join(str(exc).split()))[:300]
    return f"type={type(exc).__name__} message={message!r} at={where or '-'}"


def log_exception(logger: logging.Logger, event: str, exc: BaseException, **fields) -> None:
    """Log an unexpected error on one line: the event, its fields, describe_exception()."""
    logger.error("%s %s %s", event, format_fields(fields), describe_exception(exc))


class MaskingFormatter(logging.Formatter):
    """Formats a record on one line and masks any personal data left in it."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return mask_text(line.replace("\n", " | "))


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger (and so gunicorn's, Flask's and RQ's) through the mask."""
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(
        MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", "%Y-%m-%dT%H:%M:%S")
    )
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME:  # configured before (tests create many apps)
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The format names no source line, thread or process: each record skips looking them
    # up (the logging HOWTO's "Optimization"; the webhook logs a line per message).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.getLogger("alembic").setLevel(logging.WARNING)
