"""Logging for perpdex: stdlib ``logging`` with context, Rich console, JSON lines, redaction.

* ``get_logger("order_manager", venue="lighter")`` returns a ``LoggerAdapter`` whose records
  carry ``component`` and ``venue`` (shown by the console handler, fields in JSON lines).
* ``setup_logging(level="INFO", json_path=None)`` installs a Rich console handler and,
  optionally, a JSON-lines file handler. Both carry :class:`RedactingFilter`.
* ``redact(text)`` removes anything that looks like a secret: hex private keys, JWTs, bearer
  and Lighter auth tokens, base64 ED25519 keys, ``key=value`` pairs whose key names a secret,
  and every exact value registered with :func:`register_secret` (clients register the
  secrets of their config at construction, so even an oddly shaped secret is caught).

Redaction happens on the fully formatted message and on every ``extra`` field, so a secret
passed as an argument (``log.info("key %s", key)``) is caught as well as one in the text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterable, Mapping, MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler

__all__ = [
    "get_logger", "setup_logging", "redact", "register_secret", "RedactingFilter",
    "JsonLinesFormatter", "REDACTED",
]

REDACTED = "***REDACTED***"
_MIN_REGISTERED_LEN = 8

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # key=value / "key": "value" where the key names a secret
    re.compile(
        r"""(?ix)
        (?P<key>["']?(?:[\w-]*(?:secret|private[_-]?key|priv[_-]?key|api[_-]?key|password|passphrase
        |mnemonic|seed|jwt|token|authorization|signature|x-signature|x-api-key|bearer|sig)[\w-]*)["']?
        \s*(?:=|:)\s*)
        (?P<quote>["']?)(?P<val>(?:Bearer\s+)?[^\s"',&}\]]{6,})
        """
    ),
    # JWTs
    re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    # Lighter auth token  expiry:account:key:signature
    re.compile(r"\b\d{9,}:\d+:\d+:[0-9a-fA-F]{32,}\b"),
    # hex private keys / signatures: 32 bytes and longer (addresses are 20 bytes, kept)
    re.compile(r"\b(?:0x)?[0-9a-fA-F]{64,}\b"),
    # base64 of 32..64 bytes (ED25519 seeds/keys, HMAC secrets)
    re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])"),
    re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])"),
)

_registered: set[str] = set()
_registered_lock = threading.Lock()
_registered_re: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Redact this exact value wherever it appears in future log output and error messages."""
    global _registered_re
    if not value or len(value) < _MIN_REGISTERED_LEN:
        return
    variants = {value, value.removeprefix("0x")}
    with _registered_lock:
        if variants <= _registered:
            return
        _registered.update(v for v in variants if len(v) >= _MIN_REGISTERED_LEN)
        ordered = sorted(_registered, key=len, reverse=True)
        _registered_re = re.compile("|".join(re.escape(v) for v in ordered))


def redact(text: str) -> str:
    """Return ``text`` with secrets replaced by ``***REDACTED***``."""
    if not text:
        return text
    pattern = _registered_re
    if pattern is not None:
        text = pattern.sub(REDACTED, text)
    text = _PATTERNS[0].sub(lambda m: f"{m.group('key')}{m.group('quote')}{REDACTED}", text)
    for pat in _PATTERNS[1:]:
        text = pat.sub(REDACTED, text)
    return text


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    return value


_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Formats the message once, redacts it and every extra attribute in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception as exc:  # noqa: BLE001 — a bad format string must not lose the record
            message = f"{record.msg!r} (format error: {exc})"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS:
                record.__dict__[key] = _redact_value(value)
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time (UTC ISO-8601), level, logger, message, context, extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_text:
            payload["exception"] = record.exc_text
        return json.dumps(payload, default=str)


class _ContextAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """Adds context and redacts at the source, so any handler (pytest's, a user's) sees only
    redacted text, not just the handlers ``setup_logging`` installs."""

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = f"{text} {args!r}"
        exc_info = kwargs.pop("exc_info", None)
        if exc_info:
            # format the traceback here so that no handler ever formats it unredacted
            if exc_info is True:
                exc_info = sys.exc_info()
            elif isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            if exc_info[0] is not None:
                text = f"{text}\n{logging.Formatter().formatException(exc_info)}"
        context: dict[str, Any] = dict(self.extra or {})
        context.update(kwargs.pop("extra", None) or {})
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, redact(text), extra=_redact_value(context), **kwargs)

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        extra: dict[str, Any] = dict(self.extra or {})
        extra.update(kwargs.get("extra") or {})
        kwargs["extra"] = extra
        return msg, kwargs


def get_logger(component: str, venue: str | None = None, **context: Any) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """A logger named ``perpdex.<venue>.<component>`` carrying ``component``/``venue`` context."""
    name = "perpdex." + ".".join(p for p in (venue, component) if p)
    extra = {"component": component, "venue": venue or "-", **context}
    return _ContextAdapter(logging.getLogger(name), extra)


class _ContextConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        venue = getattr(record, "venue", "-")
        component = getattr(record, "component", record.name)
        prefix = f"[{venue}] " if venue and venue != "-" else ""
        base = f"{prefix}{component}: {record.getMessage()}"
        if record.exc_text:
            base += "\n" + record.exc_text
        return base


def setup_logging(level: str | int = "INFO", *, json_path: str | Path | None = None,
                  console: bool = True, stream: Any = None,
                  quiet_libraries: Iterable[str] = ("websockets", "aiohttp.access", "urllib3")) -> None:
    """Configure the ``perpdex`` logger tree. Safe to call more than once (handlers replaced)."""
    root = logging.getLogger("perpdex")
    root.setLevel(level)
    root.propagate = False
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    redactor = RedactingFilter()
    if console:
        handler = RichHandler(console=Console(file=stream or sys.stderr), show_path=False,
                              rich_tracebacks=False, markup=False)
        handler.setFormatter(_ContextConsoleFormatter())
        handler.addFilter(redactor)
        root.addHandler(handler)
    if json_path is not None:
        file_handler = logging.FileHandler(json_path, encoding="utf-8")
        file_handler.setFormatter(JsonLinesFormatter())
        file_handler.addFilter(redactor)
        root.addHandler(file_handler)
    for name in quiet_libraries:
        logging.getLogger(name).setLevel(logging.WARNING)
