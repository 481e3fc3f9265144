"""Structured logging: one ``key=value`` line per event, with secrets kept out.

Passwords and tokens never reach a log call (views log route names, not paths, because
links carry tokens in their paths); as a second line of defence ``RedactFilter`` masks
e-mail addresses and anything that looks like a signed token in every record.
"""

import logging
import re

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# Signed tokens (django.core.signing: payload, timestamp and signature, the payload as short
# as two characters for a small id) and password-reset style tokens (base36-hex).
_TOKEN = re.compile(
    r"\b[A-Za-z0-9_-]+:[A-Za-z0-9_-]{4,}:[A-Za-z0-9_-]{20,}\b"
    r"|\b[0-9a-z]{1,13}-[0-9a-f]{20,}\b"
)
# Whatever follows a path that carries a secret, whatever its length or shape (Django's own
# warnings, such as a refused CSRF check, log the path).
_SECRET_PATH = re.compile(
    r"(/(?:objection|email-objection|verify|invitation|reset|not-me|email/confirm|email/undo)/)"
    r"[^\s\"'<>]+"
)
_SECRET_KEYS = {"password", "token", "secret", "code"}

STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def redact(text):
    text = _EMAIL.sub(r"\1***@\2", str(text))
    text = _SECRET_PATH.sub(r"\1[token]", text)
    return _TOKEN.sub("[token]", text)


class RedactFilter(logging.Filter):
    def filter(self, record):
        record.msg = redact(record.getMessage())
        record.args = ()
        for key in set(record.__dict__) - STANDARD:
            value = record.__dict__[key]
            if key in _SECRET_KEYS:
                record.__dict__[key] = "[redacted]"
            elif not isinstance(value, (int, float, type(None))):
                # Objects print their secrets too (a request shows its path).
                record.__dict__[key] = redact(str(value))
        return True


class KeyValueFormatter(logging.Formatter):
    """``time level logger event key=value …`` — greppable, and parseable by log shippers."""

    def format(self, record):
        fields = [
            self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            record.levelname.lower(),
            record.name,
            _quote(record.getMessage()),
        ]
        fields += [
            f"{key}={_quote(value)}"
            for key, value in sorted(record.__dict__.items())
            if key not in STANDARD
        ]
        line = " ".join(fields)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def _quote(value):
    text = str(value)
    return f'"{text}"' if (" " in text or not text) else text
