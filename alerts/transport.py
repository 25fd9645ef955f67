"""Handing a built message over: to an SMTP server, or as an .eml file into the outbox directory.

``transport_from_config`` picks one: SMTP when ``smtp.url`` or ``PLANWATCH_SMTP_URL`` is
set (``smtp://`` upgrades with STARTTLS when the server offers it, ``smtps://`` is
TLS from the first byte; the password comes only from ``PLANWATCH_SMTP_PASSWORD``),
otherwise files. Every failure is sorted into what the outbox must do with it:

- ``PermanentFailure`` — a 5xx for this message or address: stop trying it; a size
  or policy refusal (552, 554), even at MAIL FROM, concerns this message only
  (``MessageTooLarge`` when it is about its size);
- ``TemporaryFailure`` — a 4xx, a dropped connection: keep it queued;
- ``TransportUnavailable`` — nothing can be sent in this run (server down, TLS or
  login refused, the sender refused, no reply within ``smtp.timeout``, outbox not
  writable): keep everything queued, stop the run.

``SmtpTransport.abort`` may be called from another thread: it cuts the connection,
so a send waiting on a stalled server ends at once (as a lost connection).

The password is kept out of every message, log line and repr.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from alerts.mime import message_bytes
from planwatch.config import Config

log = logging.getLogger(__name__)

ENV_URL = "PLANWATCH_SMTP_URL"
ENV_PASSWORD = "PLANWATCH_SMTP_PASSWORD"
DEFAULT_PORTS: dict[str, int] = {"smtp": 25, "smtps": 465}
RESPONSE_CHARS = 200
# Replies to MAIL FROM or DATA about this message, not the sender or the server:
# 552 exceeded storage (the SIZE limit), 554 transaction failed (policy, content).
MESSAGE_REFUSAL_CODES = frozenset({552, 554})
SIZE_STATUS = ("5.3.4", "5.2.3")  # enhanced status codes: message too big
FILE_MODE = 0o600
DIR_MODE = 0o700


class DeliveryError(Exception):
    """A message was not accepted; ``code`` is the SMTP reply code when there was one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryError):
    """Try again later: a 4xx reply, a dropped connection, a timeout."""


class PermanentFailure(DeliveryError):
    """A 5xx reply for this message; ``address_refused`` when it was the recipient's address."""

    def __init__(self, message: str, code: int | None = None, *, address_refused: bool = False) -> None:
        super().__init__(message, code)
        self.address_refused = address_refused


class MessageTooLarge(PermanentFailure):
    """This message is over a size limit (ours or the server's); a smaller one may pass."""


class TransportUnavailable(TemporaryFailure):
    """Nothing can be delivered in this run: keep everything queued and stop."""


class SmtpConfigError(ValueError):
    """The SMTP URL is unusable; the message never contains the password."""


@dataclass(frozen=True)
class SmtpEndpoint:
    scheme: str  # smtp | smtps
    host: str
    port: int
    username: str | None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    def describe(self) -> str:
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


@dataclass
class OutgoingEnvelope:
    """What a transport needs to deliver one message."""

    message: EmailMessage
    html: str
    sender: str  # envelope sender (bare address)
    recipient: str  # envelope recipient (bare address)
    message_id: str
    path: Path | None = None  # where the file transport writes it


class Transport(Protocol):
    name: str

    def path_for(self, message_id: str, recipient: str, now: datetime) -> Path | None: ...

    def send(self, envelope: OutgoingEnvelope) -> None: ...

    def close(self) -> None: ...


# --- configuration ---------------------------------------------------------------


def parse_smtp_url(url: str, password: str | None = None, timeout: float = 30.0) -> SmtpEndpoint:
    """``smtp://user@host:587`` → SmtpEndpoint; a password inside the URL is refused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise SmtpConfigError(
            "the SMTP URL is not valid (expected smtp://user@host:587 or smtps://user@host:465)"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SmtpConfigError("the SMTP URL must look like smtp://user@host:587 or smtps://user@host:465")
    if parts.password is not None:
        raise SmtpConfigError(
            f"the SMTP URL must not contain a password: set {ENV_PASSWORD} in the environment"
        )
    return SmtpEndpoint(
        scheme=scheme,
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=password or None,
        timeout=timeout,
    )


def smtp_endpoint(config: Config, env: Mapping[str, str] | None = None) -> SmtpEndpoint | None:
    """The configured SMTP server (environment first), or None for the file transport."""
    env = os.environ if env is None else env
    url = env.get(ENV_URL) or config.smtp.url
    if not url:
        return None
    return parse_smtp_url(url, env.get(ENV_PASSWORD), config.smtp.timeout)


def transport_from_config(
    config: Config,
    outbox_dir: Path | str,
    env: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Transport:
    endpoint = smtp_endpoint(config, env)
    if endpoint is None:
        return FileTransport(Path(outbox_dir))
    return SmtpTransport(endpoint, ssl_context=ssl_context)


# --- files -----------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9@._-]+")


class FileTransport:
    """Writes ``<time><zone>-<recipient>-<id>.eml`` and an ``.html`` preview beside it, mode 0600.

    The time is the configured zone's with its offset (``20261122-093000+0900``).

    The .eml is written last and moved into place in one rename, so its existence is
    the proof the message was delivered: that is what recovery checks.
    """

    name = "file"

    def __init__(self, outbox_dir: Path) -> None:
        self.outbox_dir = Path(outbox_dir)

    def path_for(self, message_id: str, recipient: str, now: datetime) -> Path:
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:10]
        who = _UNSAFE_NAME.sub("_", recipient)[:80]
        stamp = f"{now:%Y%m%d-%H%M%S%z}" if now.tzinfo else f"{now:%Y%m%d-%H%M%S}Z"  # naive: UTC
        return self.outbox_dir / f"{stamp}-{who}-{digest}.eml"

    def send(self, envelope: OutgoingEnvelope) -> None:
        path = envelope.path or self.path_for(envelope.message_id, envelope.recipient, datetime.now(timezone.utc))
        try:
            self.outbox_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            _write_private(path.with_suffix(".html"), envelope.html.encode("utf-8"))
            _write_private(path, message_bytes(envelope.message))
        except OSError as exc:
            raise TransportUnavailable(
                f"cannot write to the outbox {self.outbox_dir}: {exc.strerror or exc}"
            ) from None

    def close(self) -> None:
        pass


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by the owner only, appearing whole or not at all."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# --- SMTP ------------------------------------------------------------------------


def _reply_text(code: int | None, response: bytes | str | None) -> str:
    if isinstance(response, bytes):
        response = response.decode("utf-8", "replace")
    text = " ".join(str(response or "").split())[:RESPONSE_CHARS]
    return f"{code} {text}".strip() if code else text


class SmtpTransport:
    """One connection per run, opened on the first message and reused for the next ones."""

    name = "smtp"

    def __init__(self, endpoint: SmtpEndpoint, ssl_context: ssl.SSLContext | None = None) -> None:
        self.endpoint = endpoint
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._smtp: smtplib.SMTP | None = None
        self._connecting: smtplib.SMTP | None = None
        self._aborted = False

    def __repr__(self) -> str:
        return f"SmtpTransport({self.endpoint.describe()})"

    def path_for(self, message_id: str, recipient: str, now: datetime) -> None:
        return None

    def _connect(self) -> smtplib.SMTP:
        ep = self.endpoint
        where = ep.describe()
        smtp: smtplib.SMTP | None = None
        try:
            if ep.implicit_tls:
                smtp = smtplib.SMTP_SSL(timeout=ep.timeout, context=self.ssl_context)
            else:
                smtp = smtplib.SMTP(timeout=ep.timeout)
            smtp._host = ep.host  # type: ignore[attr-defined]  # what connect(host) would set: TLS checks it
            self._connecting = smtp
            if self._aborted:
                raise OSError("the sending run is stopping")
            smtp.connect(ep.host, ep.port)
            smtp.ehlo()
            if not ep.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                elif ep.password:
                    raise TransportUnavailable(
                        f"{where} does not offer STARTTLS: the password is not sent over a plain connection"
                    )
            if ep.username and ep.password:
                smtp.login(ep.username, ep.password)
            elif ep.username:
                log.warning("%s: %s is not set, sending without logging in", where, ENV_PASSWORD)
            return smtp
        except TransportUnavailable:
            _quietly_close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _quietly_close(smtp)
            raise TransportUnavailable(
                f"{where}: login refused ({_reply_text(exc.smtp_code, exc.smtp_error)})", exc.smtp_code
            ) from None
        except smtplib.SMTPResponseException as exc:
            _quietly_close(smtp)
            raise TransportUnavailable(
                f"{where}: {_reply_text(exc.smtp_code, exc.smtp_error)}", exc.smtp_code
            ) from None
        except ssl.SSLError as exc:
            _quietly_close(smtp)
            raise TransportUnavailable(f"{where}: TLS failed ({exc.reason or exc})") from None
        except (smtplib.SMTPException, OSError) as exc:
            _quietly_close(smtp)
            reason = (
                "timed out"
                if isinstance(exc, (socket.timeout, TimeoutError))
                else (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
            )
            raise TransportUnavailable(f"{where}: cannot connect ({reason})") from None

    def send(self, envelope: OutgoingEnvelope) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        recipient = envelope.recipient
        data = message_bytes(envelope.message)
        check_server_size(smtp, len(data))
        try:
            smtp.sendmail(envelope.sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, response = exc.recipients.get(recipient, (None, b""))
            text = f"{recipient} refused: {_reply_text(code, response)}"
            if code is not None and 500 <= code < 600:
                raise PermanentFailure(text, code, address_refused=True) from None
            raise TemporaryFailure(text, code) from None
        except smtplib.SMTPSenderRefused as exc:
            if concerns_the_message(exc.smtp_code, exc.smtp_error):
                raise message_refusal(exc.smtp_code, exc.smtp_error, len(data)) from None
            text = f"sender {exc.sender} refused: {_reply_text(exc.smtp_code, exc.smtp_error)}"
            if 500 <= exc.smtp_code < 600:
                raise TransportUnavailable(text, exc.smtp_code) from None
            raise TemporaryFailure(text, exc.smtp_code) from None
        except smtplib.SMTPResponseException as exc:  # SMTPDataError and the rest of the replies
            if 500 <= exc.smtp_code < 600:
                raise message_refusal(exc.smtp_code, exc.smtp_error, len(data)) from None
            text = f"message refused: {_reply_text(exc.smtp_code, exc.smtp_error)}"
            if exc.smtp_code == 421:  # the server is closing the session
                self._drop()
            raise TemporaryFailure(text, exc.smtp_code) from None
        except (smtplib.SMTPException, OSError) as exc:
            # The connection broke, possibly after DATA: the server has not said it
            # accepted, so by SMTP's rules it did not take responsibility.
            self._drop()
            if self._aborted:
                raise TemporaryFailure(
                    "not sent: the sending run was stopped before the server answered; kept for the next run"
                ) from None
            if timed_out(exc):
                # A server that stalls once stalls for the next message too: stop the run
                # instead of waiting smtp.timeout once per message.
                raise TransportUnavailable(
                    f"{self.endpoint.describe()}: no reply within {self.endpoint.timeout:g} s (smtp.timeout)"
                    " while sending"
                ) from None
            reason = str(exc) or type(exc).__name__
            raise TemporaryFailure(
                f"connection lost while sending: {' '.join(reason.split())[:RESPONSE_CHARS]}"
            ) from None

    def abort(self) -> None:
        """Cut the connection from another thread: a send blocked on the server ends now."""
        self._aborted = True
        for smtp in (self._smtp, self._connecting):
            sock = getattr(smtp, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _drop(self) -> None:
        _quietly_close(self._smtp, polite=False)
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            _quietly_close(self._smtp)
            self._smtp = None


def timed_out(exc: BaseException) -> bool:
    """A timeout, also when smtplib reports it as a closed connection (it re-raises OSError so)."""
    return any(isinstance(e, TimeoutError) for e in (exc, exc.__context__, exc.__cause__))


def concerns_the_message(code: int, reply: bytes | str | None) -> bool:
    """A refusal of this message (its size, its content, a policy), not of the sender or the server."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")
    return code in MESSAGE_REFUSAL_CODES or any(status in text for status in SIZE_STATUS)


def message_refusal(code: int, reply: bytes | str | None, size: int) -> PermanentFailure:
    """The permanent failure of one message; a size refusal says how big the message was."""
    text = f"message refused ({size} bytes): {_reply_text(code, reply)}"
    reply_text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply or "")
    if code == 552 or any(status in reply_text for status in SIZE_STATUS):
        return MessageTooLarge(text, code)
    return PermanentFailure(text, code)


def check_server_size(smtp: smtplib.SMTP, size: int) -> None:
    """Refuse before MAIL FROM a message over the SIZE the server announced (RFC 1870)."""
    announced = smtp.esmtp_features.get("size", "").strip()
    limit = int(announced) if announced.isdigit() else 0
    if limit and size > limit:
        raise MessageTooLarge(
            f"message refused ({size} bytes): over the {limit} bytes the server takes (its SIZE)", 552
        )


def _quietly_close(smtp: smtplib.SMTP | None, polite: bool = True) -> None:
    if smtp is None:
        return
    try:
        if polite:
            smtp.quit()
        else:
            smtp.close()
    except (smtplib.SMTPException, OSError):
        try:
            smtp.close()
        except OSError:
            pass


def envelope_address(address: Address) -> str:
    return address.addr_spec
