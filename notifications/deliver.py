"""Delivery through apprise. Nothing here decides anything; nothing secret leaves this module."""

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

import apprise
from apprise.attachment.file import AttachFile


logging.getLogger("apprise").setLevel(logging.INFO)  # its DEBUG log prints header values

_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@\s]*)@", re.I)


def redact(text: str) -> str:
    """Any `scheme://user:password@` in a text, with the password masked."""
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message, under the name the recipient sees."""

    path: Path
    name: str
    mimetype: str


def send(urls: list[str], subject: str, body: str,
         attachment: Attachment | None = None) -> tuple[bool, str | None]:
    """Send one message to every URL; (True, None) when all accepted it, else (False, reason).
    An attachment goes to every service that takes files (e-mail, JSON webhooks...); the others
    get the message without it."""
    sender = apprise.Apprise()
    bad = [n for n, url in enumerate(urls, start=1) if not sender.add(url)]
    if bad:
        return False, f"address {bad[0]} of {len(urls)} is not a valid apprise URL"
    attach = None
    if attachment is not None:
        attach = apprise.AppriseAttachment()
        attach.add(AttachFile(str(attachment.path), name=attachment.name, mimetype=attachment.mimetype))
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:  # the reason; its time is the attempt's
        # the body is plain text: apprise keeps its lines in the text part and makes the HTML part
        # from it (escaped, line breaks as <br/>); without saying so, both parts lose every line break
        ok = sender.notify(title=subject, body=body, attach=attach, body_format=apprise.NotifyFormat.TEXT)
        captured = log.getvalue()
    if ok:
        return True, None
    lines = [line.strip() for line in captured.splitlines() if line.strip()]
    return False, redact(lines[-1] if lines else "the service did not accept the message")[:500]


def send_with_retries(urls: list[str], subject: str, body: str, attempts: int, backoff: float,
                      sleep=time.sleep, attachment: Attachment | None = None) -> tuple[bool, str | None, int]:  # noqa: ANN001
    """Try up to `attempts` times, waiting `backoff`, 2x`backoff`, ... between tries."""
    error = None
    for n in range(1, attempts + 1):
        ok, error = send(urls, subject, body, attachment)
        if ok:
            return True, None, n
        if n < attempts:
            sleep(backoff * 2 ** (n - 1))
    return False, error, attempts
