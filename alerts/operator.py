"""The operator's mail: which sources fail or went silent, in Korean and English.

Source health never goes into subscribers' digests (a reader cannot fix a crawl);
it goes to ``[alerts] operator`` (and to every ``[[channel]]`` with ``operator = true``)
when it changes: a source starts failing or goes
silent, or gets well again. Each sent state is recorded as a ``source_runs`` row
(job ``operator_mail``) holding the state's key, so the same state is mailed once;
a mail that could not be handed over is not recorded and is tried again next run.
``planwatch status`` shows the same notes at any time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlalchemy import select

from alerts.channels import ChannelTransport
from alerts.identity import MailIdentity
from alerts.mime import build_message, recipient_address
from alerts.source_health import SourceNote, source_notes
from alerts.transport import DeliveryError, OutgoingEnvelope, Transport
from planwatch.config import Config
from storage.models import SourceRun

log = logging.getLogger(__name__)

OPERATOR_JOB = "operator_mail"
OPERATOR_SOURCE = "sources"
ALL_WELL = ""


@dataclass
class OperatorAlert:
    notes: list[SourceNote]
    recovered: list[str]  # sources named in the last mail that are well now
    key: str  # what is recorded once it was sent

    def subject(self) -> str:
        failed = sum(n.state == "failed" for n in self.notes)
        silent = sum(n.state == "silent" for n in self.notes)
        if not self.notes:
            return "[planwatch] 수집 상태: 모두 정상 / sources: all well again"
        ko = " · ".join(p for p in (f"실패 {failed}" if failed else "", f"새 기사 없음 {silent}" if silent else "") if p)
        en = ", ".join(p for p in (f"{failed} failing" if failed else "", f"{silent} silent" if silent else "") if p)
        return f"[planwatch] 수집 상태: {ko} / sources: {en}"

    def text(self, zone: ZoneInfo) -> str:
        lines = ["planwatch — 수집 상태", ""]
        lines += [f"- {n.text('ko', zone)}" for n in self.notes] or ["모든 소스가 정상입니다."]
        lines += [f"- {name}: 다시 정상" for name in self.recovered]
        lines += ["", "planwatch — source health", ""]
        lines += [f"- {n.text('en', zone)}" for n in self.notes] or ["Every source is well."]
        lines += [f"- {name}: well again" for name in self.recovered]
        details = [f"  {n.source}: {n.message}" for n in self.notes if n.message]
        if details:
            lines += ["", "크롤러 메시지 / crawler messages:", *details]
        lines += ["", "planwatch status 로 언제든 확인할 수 있습니다. / Run `planwatch status` for the full view."]
        return "\n".join(lines) + "\n"

    def html(self, zone: ZoneInfo) -> str:
        def items(language: str, well: str, again: str) -> str:
            rows = [f"<li>{escape(n.text(language, zone))}</li>" for n in self.notes] or [f"<li>{well}</li>"]
            rows += [f"<li>{escape(name)}: {again}</li>" for name in self.recovered]
            return "<ul>" + "".join(rows) + "</ul>"

        details = "".join(
            f"<li><code>{escape(n.source)}</code>: {escape(n.message)}</li>" for n in self.notes if n.message
        )
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>planwatch</title></head>'
            '<body style="font-family: sans-serif; font-size: 14px; color: #1f2933;">'
            "<h2>수집 상태</h2>" + items("ko", "모든 소스가 정상입니다.", "다시 정상")
            + '<h2 lang="en">Source health</h2>' + items("en", "Every source is well.", "well again")
            + (f"<h3>크롤러 메시지 / crawler messages</h3><ul>{details}</ul>" if details else "")
            + "</body></html>"
        )


def _last_key(session) -> str | None:
    row = session.scalars(
        select(SourceRun)
        .where(SourceRun.source == OPERATOR_SOURCE, SourceRun.job == OPERATOR_JOB, SourceRun.outcome == "ok")
        .order_by(SourceRun.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.message or ALL_WELL)


def operator_alert_due(db, config: Config, now: datetime) -> OperatorAlert | None:
    """The alert to send now, or None: no operator, or nothing changed since the last one."""
    if config.alerts.operator is None and not any(c.operator for c in config.channel):
        return None
    with db.session() as session:
        notes = source_notes(session, config, now=now)
        last = _last_key(session)
    key = ",".join(n.key() for n in notes)
    if key == (last if last is not None else ALL_WELL):
        return None
    before = {part.split("=", 1)[0] for part in (last or "").split(",") if part}
    recovered = sorted(before - {n.source for n in notes})
    return OperatorAlert(notes, recovered, key)


def send_operator_alert(
    db, config: Config, transport: Transport, identity: MailIdentity, alert: OperatorAlert, now: datetime
) -> tuple[int, list[str]]:
    """Hand the alert to the operator's address and operator channels; record it once one took it.

    Returns how many targets took it and one line per target that did not.
    """
    problems: list[str] = []
    delivered = 0
    zone = ZoneInfo(config.digest.timezone)
    if config.alerts.operator is not None:
        problem = _mail_operator(config.alerts.operator, transport, identity, alert, now, zone)
        if problem:
            problems.append(problem)
        else:
            delivered += 1
    channels = [c for c in config.channel if c.operator]
    if channels:
        sender = ChannelTransport(channels)
        for channel in channels:
            try:
                sender.notify(channel.name, alert.subject(), alert.text(zone))
                delivered += 1
            except DeliveryError as exc:
                problems.append(f"operator {exc}")
    if delivered:
        with db.session() as session:
            session.add(
                SourceRun(
                    source=OPERATOR_SOURCE, job=OPERATOR_JOB, started_at=now, finished_at=now, outcome="ok",
                    message=alert.key,
                )
            )
        log.info("source health sent to %d operator targets: %s", delivered, alert.key or "all well")
    return delivered, problems


def _mail_operator(
    operator: str, transport: Transport, identity: MailIdentity, alert: OperatorAlert, now: datetime, zone: ZoneInfo
) -> str | None:
    message_id = identity.new_message_id()
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    message = build_message(
        sender=identity.sender,
        recipient=recipient_address(operator),
        subject=alert.subject(),
        text=alert.text(zone),
        html=alert.html(zone),
        message_id=message_id,
        date=local,
        language="ko",
        list_headers={"Auto-Submitted": "auto-generated"},
        reply_to=identity.reply_to,
    )
    path = transport.path_for(message_id, operator, local)
    envelope = OutgoingEnvelope(message, alert.html(zone), identity.envelope_sender, operator, message_id, path)
    try:
        transport.send(envelope)
    except DeliveryError as exc:
        return f"operator {operator}: {exc}"
    return None
