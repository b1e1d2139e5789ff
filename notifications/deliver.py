"""Delivery through apprise. Nothing here decides anything; nothing secret leaves this module."""

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import apprise
from apprise.attachment.file import AttachFile


logging.getLogger("apprise").setLevel(logging.INFO)  # its DEBUG log prints header values

MAIL = ("mailto", "mailtos")  # apprise's e-mail through SMTP
_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<secret>[^@\s]*)@", re.I)


def redact(text: str) -> str:
    """Any `scheme://user:password@` in a text, with the password masked."""
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


def plain_mail(url: str) -> str:
    """An e-mail URL (`mailto://`, `mailtos://`) that sets no `format=`, with `format=text`: the
    mail is then the text alone, as written. Apprise's default, an HTML part made from the text,
    has every space as `&nbsp;`, so that its long lines cannot wrap and its links are not links.
    Any other URL, and one that sets its format, is kept as it is."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in MAIL or any(key.lower() == "format" for key, _ in parse_qsl(parts.query)):
        return url
    return urlunsplit(parts._replace(query=f"{parts.query}&format=text" if parts.query else "format=text"))


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a message, under the name the recipient sees."""

    path: Path
    name: str
    mimetype: str


def send(url: str, subject: str, body: str, attachment: Attachment | None = None) -> tuple[bool, str | None]:
    """Send one message to one apprise URL; (True, None) when it accepted it, else (False, reason).
    An attachment goes to every service that takes files (e-mail, JSON webhooks...); the others
    get the message without it."""
    sender = apprise.Apprise()
    if not sender.add(plain_mail(url)):
        return False, "not a valid apprise URL"
    attach = None
    if attachment is not None:
        attach = apprise.AppriseAttachment()
        attach.add(AttachFile(str(attachment.path), name=attachment.name, mimetype=attachment.mimetype))
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:  # the reason; its time is the attempt's
        # the body is plain text: without saying so, apprise's services lose its line breaks
        ok = sender.notify(title=subject, body=body, attach=attach, body_format=apprise.NotifyFormat.TEXT)
        captured = log.getvalue()
    if ok:
        return True, None
    lines = [line.strip() for line in captured.splitlines() if line.strip()]
    return False, redact(lines[-1] if lines else "the service did not accept the message")[:500]


def send_with_retries(channels: dict[str, str], subject: str, body: str, attempts: int, backoff: float,
                      sleep=time.sleep, attachment: Attachment | None = None,  # noqa: ANN001
                      reached: Callable[[str], None] = lambda channel: None) -> tuple[bool, str | None, int]:
    """Send to every channel (name: apprise URL) up to `attempts` times, waiting `backoff`,
    2x`backoff`, ... between tries; each try goes only to the channels that have not accepted the
    message yet, and `reached(name)` is called as soon as one has. (True, None, tries) when every
    channel has it (no channel: nothing to try), else (False, the last try's reasons, each after
    its channel's name, tries)."""
    left, errors, tries = dict(channels), [], 0
    while left and tries < attempts:
        if tries:
            sleep(backoff * 2 ** (tries - 1))
        tries, errors = tries + 1, []
        for name, url in list(left.items()):
            ok, error = send(url, subject, body, attachment)
            if ok:
                del left[name]
                reached(name)
            else:
                errors.append(f"{name}: {error}")
    return not left, "; ".join(errors) if left else None, tries
