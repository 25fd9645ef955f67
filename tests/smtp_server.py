"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, with the failures delivery must survive.

``SmtpTestServer`` runs in a thread of the test process and records every message
it accepts. It can be told to refuse a recipient (``refuse``: address → reply,
4xx or 5xx), to drop the connection right after the DATA without answering
(``close_after_data``), to be slow before answering the DATA (``delay``), to hold
its answer until the test releases it (``hold``: lets a test kill the sending
process while the server has the message but the sender has no reply yet), to
refuse every MAIL FROM (``refuse_mail``), to announce a small SIZE
(``data_size_limit``: larger messages get 552 at MAIL FROM), to
speak STARTTLS or implicit TLS, and to require a login. ``down_url()`` points at a
port where nothing listens and ``HungServer`` one that never answers. Every wait
is bounded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
HOLD_LIMIT = 30.0  # seconds a held reply waits at most for release()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def down_url(scheme: str = "smtp") -> str:
    """An SMTP URL on a loopback port where nothing listens (connection refused)."""
    return f"{scheme}://{HOST}:{free_port()}"


class HungServer:
    """A port that takes the TCP connection but never says hello: a server that hangs."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((HOST, 0))
        self._sock.listen(8)  # never accept(): connections wait in the backlog, silent
        self.port = self._sock.getsockname()[1]
        self.url = f"smtp://{HOST}:{self.port}"

    def __enter__(self) -> HungServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)  # type: ignore[return-value]


@dataclass
class Behaviour:
    refuse: dict[str, str] = field(default_factory=dict)  # recipient → reply such as "550 5.1.1 no such user"
    close_after_data: bool = False
    delay: float = 0.0
    hold: bool = False
    refuse_mail: str | None = None  # a reply to MAIL FROM, such as "552 5.3.4 message too big" ...
    refuse_mail_over: int = 0  # ... given when the SIZE the client declares is over this (0: always)


class _Handler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    async def handle_MAIL(self, smtp, session, envelope, address, mail_options):
        behaviour = self.server.behaviour
        declared = next((int(o[5:]) for o in mail_options if o.upper().startswith("SIZE=") and o[5:].isdigit()), 0)
        if behaviour.refuse_mail and declared >= behaviour.refuse_mail_over:
            self.server.mail_refused.append(declared)
            return behaviour.refuse_mail
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, smtp, session, envelope, address, rcpt_options):
        reply = self.server.behaviour.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp, session, envelope):
        server = self.server
        server.data_started += 1
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content or envelope.content)
        )
        if server.behaviour.close_after_data:
            server._record(received, dropped=True)
            smtp.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        if server.behaviour.delay:
            await asyncio.sleep(server.behaviour.delay)
        server._record(received)
        if server.behaviour.hold:
            server.data_received.set()
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, server._release.wait, HOLD_LIMIT)
        return "250 Message accepted for delivery"


class SmtpTestServer:
    """Start with ``start()`` (or as a context manager); ``url`` is the smtp:// URL to configure."""

    def __init__(
        self,
        *,
        tls: str | None = None,  # None | "starttls" | "implicit"
        certificate: tuple[Path, Path] | None = None,  # (cert.pem, key.pem) for TLS
        login: tuple[str, str] | None = None,  # (user, password) required to send
        behaviour: Behaviour | None = None,
        data_size_limit: int | None = None,  # announced as SIZE; larger messages get 552
    ) -> None:
        self.tls = tls
        self.login = login
        self.behaviour = behaviour or Behaviour()
        self.port = free_port()
        self.messages: list[Received] = []
        self.dropped: list[Received] = []
        self.auth_attempts: list[tuple[str, bool]] = []
        self.mail_refused: list[int] = []  # the SIZE declared by each MAIL FROM refused
        self.data_started = 0  # DATA commands received, answered or not
        self.data_received = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Condition()
        kwargs: dict[str, object] = {"ready_timeout": 10.0}
        if data_size_limit is not None:
            kwargs["data_size_limit"] = data_size_limit
        context = None
        if tls:
            if certificate is None:
                raise ValueError("a TLS server needs a certificate")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        if tls == "starttls":
            kwargs["tls_context"] = context
        elif tls == "implicit":
            kwargs["ssl_context"] = context
            kwargs["server_hostname"] = HOST
        if login:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            kwargs["auth_require_tls"] = True
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.port, **kwargs)

    @property
    def url(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = f"{self.login[0]}@" if self.login else ""
        return f"{scheme}://{user}{HOST}:{self.port}"

    def _authenticate(self, smtp, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.login is not None
            and auth_data.login.decode() == self.login[0]
            and auth_data.password.decode() == self.login[1]
        )
        self.auth_attempts.append((mechanism, ok))
        return AuthResult(success=ok, handled=False)

    def _record(self, received: Received, dropped: bool = False) -> None:
        with self._lock:
            (self.dropped if dropped else self.messages).append(received)
            self._lock.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        with self._lock:
            return self._lock.wait_for(lambda: len(self.messages) >= count, timeout)

    def release(self) -> None:
        """Let a held DATA reply go out."""
        self._release.set()

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def start(self) -> SmtpTestServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._controller.stop()

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "planwatch test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def client_context(cert_path: Path) -> ssl.SSLContext:
    """What a client must trust to talk to the test server."""
    return ssl.create_default_context(cafile=str(cert_path))
