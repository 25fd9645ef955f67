"""The writes the rest of planwatch makes: store an article once, merge it into its plan, queue news.

``store_extraction`` is the heart: it stores an article idempotently, and for a relevant
extraction that names a plan it finds or creates the plan (``storage.identity``) and
the event (``storage.timeline``), links the article as a source, merges the facts
(``storage.merge``), records the changes and queues digest items.

Concurrency: identity is enforced by unique constraints and every insert that may race
is ``INSERT … ON CONFLICT DO NOTHING``, so a lost race means "someone else stored it"
and never an error. Resolving and merging a plan reads before it writes, so it runs
under a lock: on PostgreSQL a transaction-scoped advisory lock per municipality+family
(taken after the article insert, so lock order is always the same) plus
``SELECT … FOR UPDATE`` on the plan row; on SQLite the writer already holds the database
write lock from ``BEGIN IMMEDIATE`` (``storage.db``).

Digest items (``DigestItem.kind``), one per thing worth telling, deduplicated by key:

* ``new_plan`` — a plan seen for the first time (``new:<plan key>``);
* ``updated_plan`` — a known plan got a new event (``update:<plan id>:event:<event id>``),
  or an existing event's new source revised the plan (``update:<plan id>:changes:<ids>``).
  A new event is news even when it changes no field (a steering meeting, an MOU is what
  a subscriber follows); a new event of type ``other``, or one dated before what the
  plan already knew (an archive found late), is told only when it changes something.
  A second outlet reporting the same event adds a source, not an item.
* ``news`` — a relevant article that names no plan (``news:<article id>``), unless a news
  item already tells a near-duplicate text published within a few days (another
  outlet's copy of the same press release).

Article identity: the canonical URL a page declares names the article only while it
does not merge different texts. A canonical already stored with a text that is neither
the same (content hash) nor a near-duplicate is a site's template bug (every article of
a section declaring the section page): the new article is stored under its own URL,
and the log says so once per canonical. An article found again under another URL
(``localhost`` for ``127.0.0.1``, an ``m.`` host, a copy elsewhere) leaves that URL as
an alias (``url_aliases``), and ``known_urls`` knows it from then on.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from extractors import neardup
from planwatch.records import Article, Capture, Committee, Counts, EventFacts, Extraction, article_to_json
from storage import identity, timeline
from storage import models as m
from storage.merge import ChangeRecord, PlanState, counts_from_json, counts_json, merge_plan

log = logging.getLogger("planwatch.storage")

KST = ZoneInfo("Asia/Seoul")
URL_CHUNK = 500  # URLs per IN (...) query: far below every backend's parameter limit
NEWS_CANDIDATES = 200  # recent news items a news article is compared with

__all__ = [
    "ChangeRecord",
    "StoreOutcome",
    "Validators",
    "get_validators",
    "is_known_url",
    "known_urls",
    "record_run_end",
    "record_run_start",
    "save_validators",
    "store_extraction",
]


@dataclass
class StoreOutcome:
    """What storing one article did."""

    article_id: int
    article_new: bool
    plan_id: int | None = None
    plan_new: bool = False
    event_id: int | None = None
    event_new: bool = False
    changes: list[ChangeRecord] = field(default_factory=list)
    digest_item_ids: list[int] = field(default_factory=list)


# --- storing an article -----------------------------------------------------------------------


def store_extraction(
    session: Session, article: Article, extraction: Extraction, *, raw: Capture | None = None, history: bool = False
) -> StoreOutcome:
    """Store ``article`` with its extraction once; merge it into its plan; queue what is new.

    ``history``: the article was found looking back (``planwatch backfill``). Its digest
    items are written as already handed out, so no subscriber is sent years of news
    as if they were new; the plans and timelines are built the same.
    """
    content_hash = article.content_hash or text_hash(article.text)
    article = with_identity_canonical(session, article, extraction, content_hash)
    article_id = insert_ignore(session, m.Article, article_values(article, extraction, content_hash, raw), returning=m.Article.id)
    if article_id is None:
        stored = outcome_of_stored(session, article.canonical_url, content_hash)
        remember_aliases(session, stored.article_id, article)
        return stored
    if raw is not None:
        insert_ignore(session, m.RawPage, raw_page_values(article_id, raw))
    outcome = StoreOutcome(article_id=article_id, article_new=True)
    if not extraction.relevance.relevant:
        return outcome
    if extraction.plan is None:
        if not is_news_told(session, article, article_id, extraction.signature):
            item_id = queue_item(session, "news", f"news:{article_id}", article_id=article_id, history=history)
            outcome.digest_item_ids += [item_id] if item_id is not None else []
        return outcome
    merge_into_plan(session, outcome, article, extraction, history=history)
    return outcome


def merge_into_plan(
    session: Session, outcome: StoreOutcome, article: Article, extraction: Extraction, *, history: bool = False
) -> None:
    extraction = bounded_extraction(extraction)
    assert extraction.plan is not None
    facts = extraction.plan
    event_facts = extraction.event or EventFacts(type="other", date=None)
    published = local_date(article.published)
    on = event_facts.date or published
    wanted = identity.identity_of(facts)

    lock_plan_family(session, wanted)
    plan, plan_new = find_or_create_plan(session, wanted, facts.province, on, event_facts.type)
    plan = lock_plan_row(session, plan.id)

    signature = extraction.signature or neardup.signature(article.text)
    incoming = timeline.EventKey(event_facts.type, event_facts.date, event_facts.precision, published, signature)
    event, event_new = find_or_create_event(session, plan.id, incoming)
    insert_ignore(session, m.EventSource, {"event_id": event.id, "article_id": outcome.article_id})

    known_as_of = plan.facts_as_of
    result = merge_plan(
        plan_state(plan),
        facts,
        event_type=event_facts.type,
        on=on,
        committee=extraction.committee,
        partners=list(extraction.partners),
        plan_is_new=plan_new,
    )
    apply_plan_state(plan, result.state)
    change_rows = [
        m.PlanChange(plan_id=plan.id, event_id=event.id, field=c.field, old=c.old, new=c.new) for c in result.changes
    ]
    session.add_all(change_rows)
    session.flush()

    outcome.plan_id, outcome.plan_new = plan.id, plan_new
    outcome.event_id, outcome.event_new = event.id, event_new
    outcome.changes = list(result.changes)
    change_ids = [row.id for row in change_rows]
    # An event older than what the plan already knew (an archive found late) joins the timeline quietly.
    late = event_new and known_as_of is not None and on is not None and on < known_as_of
    kind_key = digest_kind_and_key(plan, plan_new, event, event_new and not late, change_ids)
    if kind_key is not None:
        kind, key = kind_key
        item_id = queue_item(
            session, kind, key, plan_id=plan.id, event_id=event.id, article_id=outcome.article_id, change_ids=change_ids,
            history=history,
        )
        outcome.digest_item_ids += [item_id] if item_id is not None else []


def digest_kind_and_key(
    plan: m.Plan, plan_new: bool, event: m.PlanEvent, event_new: bool, change_ids: list[int]
) -> tuple[str, str] | None:
    if plan_new:
        return "new_plan", f"new:{plan.key}"
    if event_new and (event.type != "other" or change_ids):
        return "updated_plan", f"update:{plan.id}:event:{event.id}"
    if change_ids:
        return "updated_plan", f"update:{plan.id}:changes:{','.join(map(str, change_ids))}"
    return None


def outcome_of_stored(session: Session, canonical_url: str | None, content_hash: str) -> StoreOutcome:
    """The outcome for an article stored before: nothing new, pointing at what it belongs to."""
    article_id = None
    if canonical_url:
        article_id = session.scalar(select(m.Article.id).where(m.Article.canonical_url == canonical_url))
    if article_id is None:
        article_id = session.scalar(select(m.Article.id).where(m.Article.content_hash == content_hash))
    if article_id is None:
        raise LookupError("the article conflicted with a stored one that cannot be found")
    link = session.execute(
        select(m.PlanEvent.plan_id, m.EventSource.event_id)
        .join(m.PlanEvent, m.PlanEvent.id == m.EventSource.event_id)
        .where(m.EventSource.article_id == article_id)
        .order_by(m.EventSource.event_id)
        .limit(1)
    ).first()
    if link is None:
        return StoreOutcome(article_id=article_id, article_new=False)
    return StoreOutcome(article_id=article_id, article_new=False, plan_id=link[0], event_id=link[1])


# --- article identity: shared canonicals, aliases ------------------------------------------------

_SHARED_CANONICALS_TOLD: set[str] = set()  # canonicals already named in this process's log


def own_canonical(url: str | None) -> str | None:
    """The canonical form of the URL the article was fetched from (None when it has none)."""
    from extractors.urls import canonicalize_url

    if not url:
        return None
    try:
        canonical = canonicalize_url(url)
    except ValueError:
        return None
    return canonical if len(canonical) <= MAX_URL else None


def with_identity_canonical(session: Session, article: Article, extraction: Extraction, content_hash: str) -> Article:
    """``article``, or a copy stored under its own URL when its declared canonical is another text's.

    Near-duplicates (an article corrected after publication) keep the canonical: they
    are the same article. Runs under a lock on the canonical (PostgreSQL; SQLite
    writers hold the database), so two writers of two texts cannot both miss each other.
    """
    canonical = article.canonical_url
    own = own_canonical(article.url)
    if not canonical or own is None or own == canonical:
        return article
    lock_named(session, "canonical:" + canonical)
    stored = session.execute(
        select(m.Article.content_hash, m.Article.text).where(m.Article.canonical_url == canonical)
    ).first()
    if stored is None or stored.content_hash == content_hash:
        return article
    signature = extraction.signature or neardup.signature(article.text)
    if neardup.signature_similarity(signature, news_signature(stored.text)) >= timeline.NEAR_DUP_THRESHOLD:
        return article
    if canonical not in _SHARED_CANONICALS_TOLD:
        _SHARED_CANONICALS_TOLD.add(canonical)
        log.warning(
            "different articles declare one canonical URL %s (a site template bug?): each is stored under "
            "its own URL, starting with %s", canonical, article.url,
        )
    return dataclasses.replace(article, canonical_url=own)


def remember_aliases(session: Session, article_id: int, article: Article) -> None:
    """Note the URLs under which a stored article was found again, so they are not fetched again."""
    wanted = {u for u in (own_canonical(article.url), article.canonical_url) if u and len(u) <= MAX_URL}
    if not wanted:
        return
    stored = session.execute(select(m.Article.canonical_url, m.Article.url).where(m.Article.id == article_id)).first()
    if stored is not None:
        wanted -= {stored.canonical_url, own_canonical(stored.url)}
    for url in sorted(wanted):
        insert_ignore(session, m.UrlAlias, {"url": url, "article_id": article_id})


# --- plans ------------------------------------------------------------------------------------


def lock_plan_family(session: Session, wanted: identity.PlanIdentity) -> None:
    """Serialize plan resolution for one municipality+family."""
    lock_named(session, "plan:" + identity.family_prefix(wanted))


def lock_named(session: Session, name: str) -> None:
    """A lock held until the transaction ends (PostgreSQL; SQLite writers hold the database lock)."""
    if dialect_of(session) != "postgresql":
        return
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def find_or_create_plan(
    session: Session, wanted: identity.PlanIdentity, province: str, on: date | None, event_type: str
) -> tuple[m.Plan, bool]:
    rows = session.scalars(
        select(m.Plan).where(m.Plan.municipality == wanted.municipality, m.Plan.family == wanted.family)
    ).all()
    active = last_active_dates(session, [p.id for p in rows])
    stored = [
        identity.StoredPlan(
            id=p.id,
            key=p.key,
            identity=identity.PlanIdentity(p.municipality, p.family, p.phase, p.period_start, p.period_end),
            stage=p.stage,
            last_active=active.get(p.id),
        )
        for p in rows
    ]
    match = identity.match_plan(wanted, stored, on, event_type)
    if match is not None:
        return next(p for p in rows if p.id == match.id), False
    key = identity.free_key(wanted, (p.key for p in rows))
    values: dict[str, Any] = {
        "key": key,
        "municipality": wanted.municipality,
        "province": province,
        "family": wanted.family,
        "phase": wanted.phase,
        "period_start": wanted.period_start,
        "period_end": wanted.period_end,
        "items": [],
        "partners": [],
    }
    plan_id = insert_ignore(session, m.Plan, values, conflict=["key"], returning=m.Plan.id)
    created = plan_id is not None
    if plan_id is None:
        plan_id = session.scalar(select(m.Plan.id).where(m.Plan.key == key))
    plan = session.get(m.Plan, plan_id)
    assert plan is not None
    return plan, created


def last_active_dates(session: Session, plan_ids: Sequence[int]) -> dict[int, date]:
    if not plan_ids:
        return {}
    latest = func.max(func.coalesce(m.PlanEvent.date, m.PlanEvent.first_reported))
    rows = session.execute(
        select(m.PlanEvent.plan_id, latest).where(m.PlanEvent.plan_id.in_(plan_ids)).group_by(m.PlanEvent.plan_id)
    ).all()
    return {plan_id: as_date(value) for plan_id, value in rows if value is not None}


def lock_plan_row(session: Session, plan_id: int) -> m.Plan:
    return session.scalars(
        select(m.Plan).where(m.Plan.id == plan_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def plan_state(plan: m.Plan) -> PlanState:
    committee = None
    if plan.committee:
        committee = Committee(
            name=plan.committee.get("name"), size=plan.committee.get("size"), chairs=list(plan.committee.get("chairs") or [])
        )
    return PlanState(
        title=plan.title,
        phase=plan.phase,
        period_start=plan.period_start,
        period_end=plan.period_end,
        vision=plan.vision,
        counts=Counts(plan.strategies, plan.tasks, plan.action_tasks, plan.projects),
        previous_counts=counts_from_json(plan.previous_counts),
        items=list(plan.items or []),
        committee=committee,
        partners=list(plan.partners or []),
        stage=plan.stage,
        facts_as_of=plan.facts_as_of,
    )


def apply_plan_state(plan: m.Plan, state: PlanState) -> None:
    plan.title = state.title
    plan.phase = state.phase
    plan.period_start, plan.period_end = state.period_start, state.period_end
    plan.vision = state.vision
    plan.strategies = state.counts.strategies
    plan.tasks = state.counts.tasks
    plan.action_tasks = state.counts.action_tasks
    plan.projects = state.counts.projects
    plan.previous_counts = counts_json(state.previous_counts)
    plan.items = list(state.items)
    plan.committee = (
        None
        if state.committee is None
        else {"name": state.committee.name, "size": state.committee.size, "chairs": list(state.committee.chairs)}
    )
    plan.partners = list(state.partners)
    plan.stage = state.stage
    plan.facts_as_of = state.facts_as_of


# --- events -----------------------------------------------------------------------------------


def find_or_create_event(session: Session, plan_id: int, incoming: timeline.EventKey) -> tuple[m.PlanEvent, bool]:
    events = session.scalars(select(m.PlanEvent).where(m.PlanEvent.plan_id == plan_id)).all()
    same = timeline.find_same_event([timeline.StoredEvent(e.id, event_key(e)) for e in events], incoming)
    if same is not None:
        event = next(e for e in events if e.id == same.id)
        update_event_from_report(session, event, incoming, events)
        return event, False
    values = {
        "plan_id": plan_id,
        "type": incoming.type,
        "date": incoming.date,
        "date_precision": incoming.precision,
        "minhash": incoming.minhash,
        "first_reported": incoming.reported,
    }
    event_id = insert_ignore(session, m.PlanEvent, values, conflict=["plan_id", "type", "date"], returning=m.PlanEvent.id)
    created = event_id is not None
    if event_id is None:
        event_id = session.scalar(
            select(m.PlanEvent.id).where(
                m.PlanEvent.plan_id == plan_id, m.PlanEvent.type == incoming.type, m.PlanEvent.date == incoming.date
            )
        )
    stored_event = session.get(m.PlanEvent, event_id)
    assert stored_event is not None
    return stored_event, created


def event_key(event: m.PlanEvent) -> timeline.EventKey:
    return timeline.EventKey(event.type, event.date, event.date_precision, event.first_reported, event.minhash)


def update_event_from_report(
    session: Session, event: m.PlanEvent, incoming: timeline.EventKey, siblings: Sequence[m.PlanEvent]
) -> None:
    refined = timeline.refine_date(event_key(event), incoming)
    if refined is not None and not any(
        s.id != event.id and s.type == event.type and s.date == refined[0] for s in siblings
    ):
        event.date, event.date_precision = refined
    if incoming.reported is not None and (event.first_reported is None or incoming.reported < event.first_reported):
        event.first_reported = incoming.reported
    if event.minhash is None and incoming.minhash is not None:
        event.minhash = incoming.minhash


# --- digest items -----------------------------------------------------------------------------


def queue_item(
    session: Session,
    kind: str,
    dedup_key: str,
    *,
    plan_id: int | None = None,
    event_id: int | None = None,
    article_id: int | None = None,
    change_ids: list[int] | None = None,
    history: bool = False,
) -> int | None:
    """Queue a digest item once; None when an item with this key exists already.

    A ``history`` item is written as handed out already (``queued_at`` set): the
    outbox never fans it out to subscribers.
    """
    values = {
        "kind": kind,
        "dedup_key": dedup_key,
        "plan_id": plan_id,
        "event_id": event_id,
        "article_id": article_id,
        "change_ids": list(change_ids or []),
        "queued_at": m.utcnow() if history else None,
        "history": history,
    }
    return insert_ignore(session, m.DigestItem, values, conflict=["dedup_key"], returning=m.DigestItem.id)


def is_news_told(session: Session, article: Article, article_id: int, extraction_signature: bytes | None = None) -> bool:
    """True when a news item already tells a near-duplicate of ``article`` (another outlet's copy)."""
    lock_named(session, "news")
    published = kst_naive(article.published)
    query = (
        select(m.Article.text)
        .join(m.DigestItem, m.DigestItem.article_id == m.Article.id)
        .where(m.DigestItem.kind == "news", m.Article.id != article_id)
        .order_by(m.DigestItem.id.desc())
        .limit(NEWS_CANDIDATES)
    )
    if published is not None:
        window = timedelta(days=timeline.SAME_DAY_WINDOW)
        query = query.where(m.Article.published.between(published - window, published + window))
    else:
        query = query.where(m.DigestItem.created_at >= m.utcnow() - timedelta(days=timeline.SAME_DAY_WINDOW))
    signature = extraction_signature or neardup.signature(article.text)
    return any(
        neardup.signature_similarity(signature, news_signature(text)) >= timeline.NEAR_DUP_THRESHOLD
        for text in session.scalars(query)
    )


@functools.lru_cache(maxsize=4 * NEWS_CANDIDATES)
def news_signature(text: str) -> bytes:
    """The signature of a told news text, made once per process: every relevant article without a
    plan is compared with the same few hundred recent ones, whose signatures are not stored."""
    return neardup.signature(text)


# --- lookups for the crawler ------------------------------------------------------------------


def is_known_url(session: Session, canonical_url: str) -> bool:
    """True when an article with this canonical URL (or alias) is stored (the crawler skips it)."""
    return bool(known_urls(session, [canonical_url]))


def known_urls(session: Session, urls: Iterable[str]) -> set[str]:
    """The subset of ``urls`` (canonical) already stored."""
    wanted = list(dict.fromkeys(u for u in urls if u))
    found: set[str] = set()
    for start in range(0, len(wanted), URL_CHUNK):
        chunk = wanted[start : start + URL_CHUNK]
        found.update(session.scalars(select(m.Article.canonical_url).where(m.Article.canonical_url.in_(chunk))))
        rest = [u for u in chunk if u not in found]
        if rest:
            found.update(session.scalars(select(m.UrlAlias.url).where(m.UrlAlias.url.in_(rest))))
    return found


# --- source runs and HTTP validators ----------------------------------------------------------


def record_run_start(session: Session, source: str, job: str = "crawl", *, started_at: datetime | None = None) -> int:
    """Record that a crawl (or another job) of ``source`` started; returns the run id."""
    run = m.SourceRun(source=source, job=job, started_at=utc_naive(started_at) or m.utcnow(), outcome="running")
    session.add(run)
    session.flush()
    return run.id


def record_run_end(
    session: Session,
    run_id: int,
    *,
    outcome: str,
    pages: int = 0,
    new_articles: int = 0,
    errors: int = 0,
    message: str | None = None,
    finished_at: datetime | None = None,
) -> None:
    """Close a run: ``outcome`` is ok, failed or unreachable; ``message`` one line."""
    message = truncate(message, MAX_MESSAGE)
    session.execute(
        update(m.SourceRun)
        .where(m.SourceRun.id == run_id)
        .values(
            outcome=outcome,
            pages=pages,
            new_articles=new_articles,
            errors=errors,
            message=message,
            finished_at=utc_naive(finished_at) or m.utcnow(),
        )
    )


@dataclass(frozen=True)
class Validators:
    """What a server said about a feed or sitemap last time, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


def get_validators(session: Session, url: str) -> Validators | None:
    row = session.get(m.HttpValidator, url)
    if row is None:
        return None
    return Validators(row.etag, row.last_modified)


def column_length(column: Any) -> int | None:
    """The declared length of a String column (``m.HttpValidator.etag`` → 500), None for unbounded text."""
    return getattr(column.property.columns[0].type, "length", None)


def fitting(column: Any, value: str | None) -> str | None:
    """``value`` when the column holds it whole, else None: a server-chosen value that is cut is not
    the value any more (an ETag cut short never matches), and PostgreSQL refuses one that is too long."""
    value = storable(value)
    limit = column_length(column)
    return value if value is None or limit is None or len(value) <= limit else None


def save_validators(session: Session, url: str, etag: str | None, last_modified: str | None) -> None:
    """Keep a feed's or sitemap's validators; one too long for its column is dropped (the next request is
    then unconditional), and a URL too long for the key keeps none."""
    etag, last_modified = fitting(m.HttpValidator.etag, etag), fitting(m.HttpValidator.last_modified, last_modified)
    if fitting(m.HttpValidator.url, url) is None:
        return
    if etag is None and last_modified is None:
        session.execute(delete(m.HttpValidator).where(m.HttpValidator.url == url))
        return
    values = {"url": url, "etag": etag, "last_modified": last_modified, "updated_at": m.utcnow()}
    stmt = insert_for(session, m.HttpValidator).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["url"], set_={"etag": etag, "last_modified": last_modified, "updated_at": values["updated_at"]}
    )
    session.execute(stmt)


# --- helpers ----------------------------------------------------------------------------------


def dialect_of(session: Session) -> str:
    return session.get_bind().dialect.name


def insert_for(session: Session, model: type[m.Base]) -> Any:
    table: Any = model.__table__  # a Table for every mapped model of storage.models
    return pg_insert(table) if dialect_of(session) == "postgresql" else sqlite_insert(table)


def insert_ignore(
    session: Session,
    model: type[m.Base],
    values: dict[str, Any],
    *,
    conflict: Sequence[str] | None = None,
    returning: Any = None,
) -> Any:
    """INSERT … ON CONFLICT DO NOTHING; the ``returning`` column of the new row, else None.

    Without ``conflict`` columns any unique constraint counts (an article is known by
    its URL *or* its text).
    """
    session.flush()  # pending ORM changes first, so the statement sees them
    stmt = insert_for(session, model).values(**values).on_conflict_do_nothing(index_elements=conflict)
    if returning is None:
        session.execute(stmt)
        return None
    return session.execute(stmt.returning(returning)).scalar_one_or_none()


def article_values(article: Article, extraction: Extraction, content_hash: str, raw: Capture | None) -> dict[str, Any]:
    article = bounded_article(article)
    canonical = storable(article.canonical_url)
    return {
        # A URL too long for the column cannot be an identity; the content hash still is.
        "canonical_url": canonical if canonical and len(canonical) <= MAX_URL else None,
        "url": truncate(article.url, MAX_URL),
        "content_hash": content_hash,
        "title": storable(article.title) or "",
        "subtitle": storable(article.subtitle),
        "outlet": truncate(article.outlet, 200),
        "author": truncate(article.author, 200),
        "published": kst_naive(article.published),
        "text": storable(article.text) or "",
        "origin": truncate(article.origin or (raw.origin if raw else None), MAX_URL),
        "relevant": bool(extraction.relevance.relevant),
        "relevance_score": float(extraction.relevance.score),
        "relevance_reasons": list(extraction.relevance.reasons),
        "extraction": article_to_json(article, bounded_extraction(extraction)),
        "fetched_at": utc_naive(raw.fetched_at) if raw else None,
    }


def bounded_article(article: Article) -> Article:
    """The article with its crawled one-line fields cut to what their columns and readers take."""
    return dataclasses.replace(
        article,
        title=truncate(article.title, MAX_TITLE) or "",
        subtitle=truncate(article.subtitle, MAX_TITLE),
        outlet=truncate(article.outlet, MAX_NAME),
        author=truncate(article.author, MAX_NAME),
    )


def bounded_extraction(extraction: Extraction) -> Extraction:
    """What was read from crawled text about a plan, its free-text fields bounded like an article's."""
    facts = extraction.plan
    if facts is not None:
        facts = dataclasses.replace(
            facts,
            title=truncate(facts.title, MAX_TITLE),
            vision=truncate(facts.vision, MAX_TITLE),
            items=[item[:MAX_TITLE] for item in facts.items[:MAX_LIST]],
        )
    return dataclasses.replace(
        extraction, plan=facts, partners=[p[:MAX_NAME] for p in extraction.partners[:MAX_LIST]]
    )


def raw_page_values(article_id: int, raw: Capture) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "body": raw.body,
        "headers": dict(raw.headers),
        "fetched_at": utc_naive(raw.fetched_at) or m.utcnow(),
    }


def text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


MAX_URL = 2048  # the length of the URL columns
MAX_TITLE = 1000  # a page's title and subtitle beyond this are markup gone wrong, not a headline
MAX_NAME = 200  # an outlet, an author, a partner
MAX_LIST = 100  # a plan's items and partners
MAX_MESSAGE = 2000  # a run's one-line message (a server's error text can be anything)


def storable(value: str | None) -> str | None:
    """Text any backend can hold: PostgreSQL refuses NUL characters, which crawled pages can carry."""
    return value if value is None or "\x00" not in value else value.replace("\x00", "")


def truncate(value: str | None, limit: int) -> str | None:
    value = storable(value)
    return value if value is None or len(value) <= limit else value[:limit]


def kst_naive(value: datetime | None) -> datetime | None:
    """Publication times are kept as naive Korean local time, as outlets print them."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(KST).replace(tzinfo=None)


def utc_naive(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def local_date(value: datetime | None) -> date | None:
    value = kst_naive(value)
    return value.date() if value is not None else None


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
