"""Configuration: the one validated place for sources, crawling, storage, mail and schedule.

``load_config`` reads ``planwatch.toml`` (or the file given by ``--config`` /
``PLANWATCH_CONFIG``; without either, the default configuration shipped in the package,
``planwatch/default_config.toml``, which ``planwatch init`` copies), validates it with pydantic and turns every problem into one
``ConfigError`` line naming the file, the line and the key. Secrets never live
here: the SMTP password comes only from the environment.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from datetime import datetime, time, timezone
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from extractors.topics import TopicVocabulary

DEFAULT_CONFIG_NAME = "planwatch.toml"
BUILT_IN_CONFIG = "the built-in planwatch.toml"  # Config.path of the packaged default configuration
DEFAULT_USER_AGENT = "planwatch/0.1 (Korean local-plan news monitor; +https://github.com/planwatch/planwatch)"

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w)\s*$")
_DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION_DAYS = 3650
"""The longest duration any setting accepts (ten years): far beyond every sensible value, and far
inside what date arithmetic, timers and Redis TTLs can hold (``999999999d`` would overflow them)."""
MAX_DURATION_SECONDS = MAX_DURATION_DAYS * 86400


class ConfigError(Exception):
    """A configuration problem, already phrased as the one line the user sees."""


def parse_duration(value: str | int | float) -> float:
    """``"30m"`` → 1800.0; plain numbers are seconds. At most ``MAX_DURATION_DAYS`` days."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        seconds = float(value)
    elif not isinstance(value, str):
        raise ValueError(f"expected a duration like '30m' or '2h', got {value!r}")
    else:
        m = _DURATION.match(value)
        if not m:
            raise ValueError(f"expected a duration like '45s', '30m', '2h', '1d' or '1w', got {value!r}")
        seconds = float(int(m.group(1)) * _DURATION_SECONDS[m.group(2)])
    if not seconds <= MAX_DURATION_SECONDS:  # also refuses nan
        raise ValueError(f"must be at most {MAX_DURATION_DAYS}d (ten years), got {value!r}")
    return seconds


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CrawlSettings(_Section):
    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = Field(8, ge=1, le=256)
    per_domain: int = Field(2, ge=1, le=16)
    delay: float = Field(1.0, ge=0, le=600)
    autothrottle: bool = True
    obey_robots: bool = True
    allow_private_addresses: bool = False
    timeout: float = Field(30.0, gt=0, le=600)
    max_page_bytes: int = Field(10_000_000, ge=1024)
    retries: int = Field(3, ge=0, le=20)
    retry_backoff: float = Field(1.0, ge=0, le=600)  # first wait before a retry; doubles each time
    max_retry_after: float = Field(300.0, ge=0, le=86400)  # a longer Retry-After gives the page up
    max_pages: int = Field(5, ge=1, le=1000)  # default paging depth for listings and searches
    max_articles: int = Field(200, ge=1, le=100_000)  # article fetches per source and run; the rest wait
    # every request per source and run (robots.txt, entry pages, sitemaps, articles, retries, redirects);
    # unset: the larger of 2000 and five per article of the source's max_articles (see requests_allowed)
    max_requests: int | None = Field(None, ge=1, le=10_000_000)
    extract_workers: int = Field(2, ge=1, le=64)  # threads, while few pages wait for extraction
    extract_processes: int | None = Field(None, ge=0, le=64)  # None: one per core, 0: threads only
    extract_backlog: int = Field(8, ge=0, le=10_000)  # pages waiting for extraction before processes start


class Source(_Section):
    """One ``[[source]]``: a feed, sitemap, listing or search to crawl.

    With ``preset`` (a CMS family of ``crawler.presets``) the source may be a single
    line: the preset fills ``type``, the page URL for a site-root ``url``, the article
    URL pattern, the link selector and the extraction selectors.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", max_length=100)
    type: Literal["feed", "sitemap", "listing", "search", "board"]
    url: str
    preset: str | None = None
    enabled: bool = True
    allowed_domains: list[str] = Field(default_factory=list)
    schedule: str | None = None  # "30m" interval or a 5-field cron expression
    article_url_pattern: str | None = None
    selectors: dict[str, str] = Field(default_factory=dict)
    encoding: str | None = None
    # listing / search
    article_links: str | None = None
    next_page: str | None = None
    max_pages: int | None = Field(None, ge=1, le=1000)
    queries: list[str] = Field(default_factory=list)
    # sitemap
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    max_articles: int | None = Field(None, ge=1, le=100_000)
    # coverage: the 광역 the source reports on (official names; "경기" is accepted) and how long
    # it may bring nothing new before `planwatch coverage` calls it silent (default digest.silent_after)
    provinces: list[str] = Field(default_factory=list)
    silent_after: str | None = None
    # listing / search / board: the rows of a list page, each holding one article link and its date
    list_items: str | None = None
    # search / listing / board with {since:%Y.%m.%d} / {until:...} in the url: the length of one date window
    window: str = "31d"
    max_requests: int | None = Field(None, ge=1, le=10_000_000)

    @model_validator(mode="before")
    @classmethod
    def _preset_defaults(cls, data: Any) -> Any:
        from crawler.presets import PRESETS, apply_preset

        if isinstance(data, dict) and isinstance(data.get("preset"), str) and data["preset"] in PRESETS:
            return apply_preset(data)
        return data

    @field_validator("preset")
    @classmethod
    def _preset_known(cls, v: str | None) -> str | None:
        if v is not None:
            from crawler.presets import get_preset

            get_preset(v)
        return v

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s?#{}]+", v):
            raise ValueError(f"must be an http:// or https:// URL, got {v!r}")
        if re.search(r"\s", v):
            raise ValueError(f"must not contain spaces, got {v!r}")
        return v

    @field_validator("allowed_domains")
    @classmethod
    def _domains_are_hosts(cls, v: list[str]) -> list[str]:
        for host in v:
            if not re.match(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)*[A-Za-z0-9\-]+(?::\d+)?$", host):
                raise ValueError(f"{host!r} is not a host name (write 'example.kr', without scheme or path)")
        return v

    @field_validator("provinces")
    @classmethod
    def _provinces_known(cls, v: list[str]) -> list[str]:
        from extractors.gazetteer import normalize_province

        out = []
        for name in v:
            official = normalize_province(name)
            if official is None:
                raise ValueError(f"{name!r} is not one of the 17 provinces (write '경기도', '서울' or '부산광역시')")
            out.append(official)
        return list(dict.fromkeys(out))

    @field_validator("silent_after", "window")
    @classmethod
    def _a_duration(cls, v: str | None) -> str | None:
        if v is not None and parse_duration(v) < 86400:
            raise ValueError(f"must be at least a day ('1d'), got {v!r}")
        return v

    @field_validator("article_links", "next_page", "list_items")
    @classmethod
    def _selector_parses(cls, v: str | None) -> str | None:
        if v is not None:
            from parsel import Selector
            from parsel.csstranslator import HTMLTranslator

            try:
                if v.lstrip().startswith(("/", "(", "./")):
                    Selector(text="<html/>").xpath(v)
                else:
                    HTMLTranslator().css_to_xpath(v)
            except Exception as exc:  # cssselect and lxml raise several unrelated types
                raise ValueError(f"{v!r} is neither a CSS selector nor an XPath: {str(exc).splitlines()[0]}") from None
        return v

    @field_validator("article_url_pattern")
    @classmethod
    def _pattern_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except (re.error, OverflowError, RecursionError) as exc:
                raise ValueError(f"is not a valid regular expression: {exc}") from None
        return v

    @field_validator("include", "exclude")
    @classmethod
    def _patterns_compile(cls, v: list[str]) -> list[str]:
        for p in v:
            try:
                re.compile(p)
            except (re.error, OverflowError, RecursionError) as exc:
                raise ValueError(f"{p!r} is not a valid regular expression: {exc}") from None
        return v

    @field_validator("encoding")
    @classmethod
    def _encoding_known(cls, v: str | None) -> str | None:
        if v is not None:
            import codecs

            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r}") from None
        return v

    @field_validator("schedule")
    @classmethod
    def _schedule_valid(cls, v: str | None) -> str | None:
        if v is not None:
            kind, value = parse_schedule(v)
            if kind == "interval" and value < 1:
                raise ValueError(f"an interval schedule must be at least 1s, got {v!r}")
        return v

    @model_validator(mode="after")
    def _type_specific(self) -> Source:
        if self.type == "search":
            if "{query}" not in self.url:
                raise ValueError("a search source's url must contain {query}")
            if not self.queries:
                raise ValueError("a search source needs a non-empty 'queries' list")
        if self.type == "listing" and not self.article_links:
            raise ValueError("a listing source needs 'article_links' (a CSS selector or XPath) or a 'preset'")
        if self.type == "board":
            if not self.article_links:
                raise ValueError("a board source needs 'article_links' (a CSS selector or XPath) or a 'preset'")
            if not self.selectors.get("body"):
                raise ValueError("a board source needs selectors.body: where a release's text is on its page")
        if self.type != "search" and "{query}" in self.url:
            raise ValueError("only a search source's url may contain {query}")
        if self.type not in ("listing", "search", "board") and "{page}" in self.url:
            raise ValueError("only a listing, search or board source's url may contain {page}")
        from crawler.windows import check_window_template, has_window

        problem = check_window_template(self.url)
        if problem:
            raise ValueError(problem)
        if self.type not in ("listing", "search", "board") and has_window(self.url):
            raise ValueError("only a listing, search or board source's url may hold a date window ({since}, {until})")
        return self

    def site_host(self) -> str:
        """The host of the source's URL (lower case, without port)."""
        from urllib.parse import urlsplit

        return (urlsplit(self.url.replace("{query}", "q").replace("{page}", "1")).hostname or "").lower()

    def silent_after_seconds(self, default: str) -> float:
        """How long this source may bring nothing new before it counts as silent."""
        return parse_duration(self.silent_after or default)


def parse_schedule(value: str) -> tuple[str, Any]:
    """A schedule is an interval (``"30m"``) or a 5-field cron expression."""
    if _DURATION.match(value):
        return ("interval", parse_duration(value))  # an interval out of range says so
    if len(value.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            trigger = CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"invalid cron expression {value!r}: {exc}") from None
        if trigger.get_next_fire_time(None, datetime.now(timezone.utc)) is None:
            raise ValueError(f"cron expression {value!r} never fires (no such day, like 31 February)")
        return ("cron", trigger)
    raise ValueError(f"expected an interval like '30m' or a cron expression like '0 */2 * * *', got {value!r}")


DEFAULT_SENDER = "planwatch <planwatch@localhost>"  # good for the outbox directory only


def _is_local_domain(domain: str) -> bool:
    """``localhost``, ``mail.localhost``, a bare host name: not a domain a relay can send as."""
    domain = domain.lower().rstrip(".")
    return "." not in domain or domain.endswith((".localhost", ".local", ".localdomain")) or domain == "localhost"


def _checked_mailbox(v: str, what: str) -> str:
    """``name <address>`` (or a bare address): one header line whose address passes the subscribers' rule."""
    from email.utils import parseaddr

    from alerts.addresses import SubscriberError, normalize_email

    if any(ord(ch) < 32 or ord(ch) == 127 for ch in v):
        raise ValueError(f"must be one line without control characters, got {v!r}")
    _name, address = parseaddr(v)
    try:
        normalize_email(address)
    except SubscriberError:
        raise ValueError(f"needs an e-mail address, like {what}, got {v!r}") from None
    return v


class SmtpSettings(_Section):
    url: str | None = None  # smtp://user@host:587 (STARTTLS), smtps://user@host:465 (TLS); password from env
    sender: str | None = None  # From: required with a relay; the outbox directory uses DEFAULT_SENDER
    reply_to: str | None = None  # Reply-To: where a reader's answer goes
    envelope_sender: str | None = None  # MAIL FROM: where bounces go; default the sender's address
    list_id: str | None = None  # the List-Id label; default planwatch.<sender's domain>
    timeout: float = Field(30.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^smtps?://[^/\s]+", v):
            raise ValueError("must look like smtp://user@host:587 or smtps://user@host:465")
        if v is not None and re.match(r"^smtps?://[^/@\s]*:[^/@\s]*@", v):
            raise ValueError("must not contain a password: set PLANWATCH_SMTP_PASSWORD in the environment")
        return v

    @field_validator("sender", "reply_to")
    @classmethod
    def _mailbox(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None:
            return None
        v = _checked_mailbox(v, "'planwatch <alerts@example.kr>'")
        if info.field_name == "sender" and info.data.get("url") is not None:
            problem = relay_sender_problem(v)
            if problem:
                raise ValueError(problem)
        return v

    @field_validator("envelope_sender")
    @classmethod
    def _bare_address(cls, v: str | None) -> str | None:
        from alerts.addresses import SubscriberError, normalize_email

        if v is None:
            return None
        try:
            return normalize_email(v)
        except SubscriberError:
            raise ValueError(f"needs a bare e-mail address, like 'bounces@example.kr', got {v!r}") from None

    @field_validator("list_id")
    @classmethod
    def _list_label(cls, v: str | None) -> str | None:
        from alerts.headers import HeaderValueError
        from alerts.headers import list_id as list_id_header

        if v is None:
            return None
        try:
            list_id_header(v)
        except HeaderValueError as exc:
            raise ValueError(str(exc)) from None
        return v

    @model_validator(mode="after")
    def _relay_needs_a_sender(self) -> SmtpSettings:
        if self.url is not None and self.sender is None:
            raise ValueError(relay_sender_problem(None))
        return self

    @property
    def from_header(self) -> str:
        return self.sender or DEFAULT_SENDER


def relay_sender_problem(sender: str | None) -> str | None:
    """Why ``sender`` cannot be used through an SMTP relay, or None when it can."""
    from email.utils import parseaddr

    if sender is None:
        return "smtp.sender is required when mail goes through an SMTP server, like 'planwatch <alerts@example.kr>'"
    address = parseaddr(sender)[1]
    if _is_local_domain(address.rpartition("@")[2]):
        return (
            f"smtp.sender {address} is a local address: a relay would send as it and receivers refuse it; "
            "set smtp.sender to an address on your domain"
        )
    return None


class DigestSettings(_Section):
    recipients: list[str] = Field(default_factory=lambda: ["planwatch@localhost"])
    daily_at: str = "08:00"
    weekly_on: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    timezone: str = "Asia/Seoul"
    template_dir: str | None = None
    silent_after: str = "3d"  # a source with no new article for longer is named in the footer
    retry_after: str = "5m"  # first back-off after a failed delivery; doubles each time

    @field_validator("daily_at")
    @classmethod
    def _hh_mm(cls, v: str) -> str:
        try:
            time.fromisoformat(v)
        except ValueError:
            raise ValueError(f"expected a time like '08:00', got {v!r}") from None
        return v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "America" is a directory of zones
            raise ValueError(f"unknown time zone {v!r} (write a zone like 'Asia/Seoul')") from None
        return v

    @field_validator("silent_after", "retry_after")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @field_validator("recipients")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        # The same rule as `planwatch subscribers add` (which also accepts @localhost).
        from alerts.addresses import SubscriberError, normalize_email

        try:
            return [normalize_email(addr) for addr in v]
        except SubscriberError as exc:
            raise ValueError(str(exc)) from None


class MailSettings(_Section):
    """``[mail]``: limits every outgoing message keeps, whatever the transport."""

    # Common servers refuse more than 10 MB; a digest over this is split, an item alone over it refused.
    max_message_bytes: int = Field(5_000_000, ge=50_000, le=100_000_000)


class ServiceSettings(_Section):
    """``[service]``: the schedule of ``planwatch run`` and how long it waits for things."""

    timezone: str = "Asia/Seoul"
    default_schedule: str = "1h"  # for sources without their own ``schedule``
    jitter: str = "5m"  # random delay added to each crawl (at most half an interval schedule)
    misfire_grace: str = "1h"  # a run missed while stopped still runs (once) if this late at most
    housekeeping: str = "1d"  # interval or cron expression
    keep_raw_days: int = Field(90, ge=1, le=MAX_DURATION_DAYS)
    keep_runs: int = Field(1000, ge=10, le=10_000_000)  # run records kept per job; older ones are pruned
    crawl_timeout: str = "30m"
    shutdown_timeout: str = "60s"
    failing_after: str = "1d"
    parallel_crawls: int = Field(2, ge=1, le=32)  # crawl processes at once
    # true: a crawl job only begins the source's round on the [distributed] Redis frontier
    # (what `planwatch enqueue` does); `planwatch worker`s anywhere do the fetching.
    distributed: bool = False
    # Replaces digest.daily_at for the daily digest: an interval ("5s") or a cron expression.
    digest_schedule: str | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        return DigestSettings._tz(v)

    @field_validator("default_schedule", "housekeeping", "digest_schedule")
    @classmethod
    def _schedule(cls, v: str | None) -> str | None:
        if v is not None:
            kind, value = parse_schedule(v)
            if kind == "interval" and value < 1:
                raise ValueError(f"an interval schedule must be at least 1s, got {v!r}")
        return v

    @field_validator("jitter", "misfire_grace", "shutdown_timeout", "failing_after")
    @classmethod
    def _duration(cls, v: str) -> str:
        parse_duration(v)
        return v

    @field_validator("crawl_timeout")
    @classmethod
    def _positive_duration(cls, v: str) -> str:
        if parse_duration(v) < 1:
            raise ValueError(f"must be at least 1s, got {v!r}")
        return v


class DistributedSettings(_Section):
    """``[distributed]``: the shared crawl frontier in Redis (``planwatch worker``, ``enqueue``, ``crawl --distributed``)."""

    # The password never lives here: it comes from $PLANWATCH_REDIS_PASSWORD.
    redis_url: str = "redis://127.0.0.1:6379/0"
    key_prefix: str = Field("planwatch", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$", max_length=100)
    idle_timeout: str = "60s"  # a worker with nothing to do (queue empty, nothing leased anywhere) exits after this
    lease: str = "2m"  # a request a worker took returns to the queue when the worker stops renewing it this long
    poll_interval: float = Field(1.0, gt=0, le=60)  # seconds between looks at an empty queue
    article_ttl: str = "30d"  # an article URL stays "taken" in Redis this long; stored articles are known forever
    round_ttl: str = "7d"  # how long the entry pages fetched in a crawl round are remembered
    max_reclaims: int = Field(3, ge=1, le=100)  # a request whose worker died this often is set aside

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str) -> str:
        if not re.match(r"^(redis|rediss|unix)://", v):
            raise ValueError("must look like redis://host:6379/0, rediss://host:6380/0 or unix:///path/redis.sock")
        if re.match(r"^rediss?://[^/@\s]*:[^/@\s]+@", v):
            raise ValueError("must not contain a password: set PLANWATCH_REDIS_PASSWORD in the environment")
        return v

    @field_validator("idle_timeout", "lease", "article_ttl", "round_ttl")
    @classmethod
    def _positive_duration(cls, v: str) -> str:
        if parse_duration(v) < 1:
            raise ValueError(f"must be at least 1s, got {v!r}")
        return v


class WebConfig(_Section):
    """``[web]``: ``planwatch serve`` and the links digests carry to it.

    Without ``base_url`` a digest keeps its mailto-only footer; with it every message
    links to its recipient's subscription page and offers one-click unsubscribe
    (RFC 8058). The signing secret is never here: ``$PLANWATCH_WEB_SECRET``, else
    the file ``secret_file`` (made on first use, readable by its owner only). The
    admin pages are on only when ``$PLANWATCH_ADMIN_TOKEN`` is set.
    """

    base_url: str | None = None  # https://planwatch.example.kr, as recipients reach the server
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    page_size: int = Field(50, ge=5, le=500)  # plans per page of the list
    secret_file: str = "planwatch-web.secret"
    confirm_within: str = "2d"  # a confirmation link older than this is refused
    link_valid_for: str = "180d"  # manage and unsubscribe links of a digest
    subscribe_per_hour: int = Field(5, ge=1, le=10_000)  # subscribe requests per client address and hour

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", v):
            raise ValueError(f"must be an http:// or https:// URL without query, like 'https://planwatch.example.kr', got {v!r}")
        return v.rstrip("/")

    @field_validator("confirm_within", "link_valid_for")
    @classmethod
    def _positive_duration(cls, v: str) -> str:
        if parse_duration(v) < 60:
            raise ValueError(f"must be at least 1m, got {v!r}")
        return v


class TopicSettings(_Section):
    """``[topics]``: which plan families to watch and words of the user's own.

    ``families`` lists the watched families (default: the five of ``extractors.topics``
    plus every family of the user's own defined in ``[topics.terms]``). ``terms`` adds
    words to a family (``ai = ["메타버스 도시"]``); a name that is not one of the five
    defines a new family. Articles about unwatched families are judged not relevant.
    """

    families: list[str] | None = None
    terms: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("families", "terms")
    @classmethod
    def _family_names(cls, v: Any) -> Any:
        names = list(v or [])
        for name in names:
            if not re.fullmatch(r"[a-z0-9][a-z0-9_]{0,39}", name):
                raise ValueError(f"a family name is lowercase letters, digits and _ (like smart_city), got {name!r}")
        if isinstance(v, list) and len(set(v)) != len(v):
            raise ValueError("a family is listed twice")
        return v

    @field_validator("terms")
    @classmethod
    def _nonempty_terms(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, words in v.items():
            if not words or any(not w.strip() for w in words):
                raise ValueError(f"terms of {name!r}: a list of non-empty words")
        return v

    @model_validator(mode="after")
    def _known_families(self) -> TopicSettings:
        self.vocabulary()  # unknown watched families are a ValueError here, at load time
        return self

    def vocabulary(self) -> TopicVocabulary:
        """The families as plain data for the extractors."""
        return TopicVocabulary.build(self.families, self.terms)

class AlertsSettings(_Section):
    """``[alerts]``: who hears about the crawl's health, and how much one run may send."""

    operator: str | None = None  # gets source health (failing, silent sources); never subscribers
    immediate_cap: int = Field(10, ge=1, le=1000)  # immediate mails per subscriber and run; the rest in one digest
    backfill_days: int = Field(30, ge=0, le=3650)  # stored plans a new subscriber's first digest starts with
    max_digest_bytes: int = Field(100_000, ge=20_000, le=10_000_000)  # a longer digest ends with "and N more"

    @field_validator("operator")
    @classmethod
    def _operator(cls, v: str | None) -> str | None:
        from alerts.addresses import SubscriberError, normalize_email

        if v is None:
            return None
        try:
            return normalize_email(v)
        except SubscriberError as exc:
            raise ValueError(str(exc)) from None


class ChannelConfig(_Section):
    """``[[channel]]``: an Apprise URL (Slack, Teams, Telegram, Discord, json://...) with a subscriber's filters."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=60)
    url: str = Field(repr=False)  # often holds a token: never printed
    provinces: list[str] = Field(default_factory=list)
    municipalities: list[str] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    language: Literal["ko", "en"] = "ko"
    immediate: bool = True  # new plans and updates, one notification each (up to alerts.immediate_cap)
    operator: bool = False  # the source-health alerts too

    @field_validator("url")
    @classmethod
    def _apprise_url(cls, v: str) -> str:
        if not re.match(r"^[a-z][a-z0-9+.\-]*://\S+$", v.strip(), re.I):
            raise ValueError("must be an Apprise URL like 'slack://…', 'tgram://…' or 'json://host:port/path'")
        return v.strip()

    @model_validator(mode="after")
    def _filters_known(self) -> ChannelConfig:
        from alerts.subscribers import SubscriberError, validate_filters

        try:
            validate_filters(self.provinces, self.municipalities, self.events, self.keywords)
        except SubscriberError as exc:
            raise ValueError(str(exc)) from None
        return self


class Config(_Section):
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    topics: TopicSettings = Field(default_factory=TopicSettings)
    source: list[Source] = Field(default_factory=list)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    mail: MailSettings = Field(default_factory=MailSettings)
    distributed: DistributedSettings = Field(default_factory=DistributedSettings)
    alerts: AlertsSettings = Field(default_factory=AlertsSettings)
    web: WebConfig = Field(default_factory=WebConfig)
    channel: list[ChannelConfig] = Field(default_factory=list)
    path: str | None = None  # where it was loaded from; None for the embedded defaults

    @model_validator(mode="after")
    def _one_time_zone(self) -> Config:
        """One zone for every time a person reads (status, logs' next runs, digests, outbox names).

        ``service.timezone`` and ``digest.timezone`` are two names of it: one given alone sets
        both; both given must agree.
        """
        digest_set = "timezone" in self.digest.model_fields_set
        service_set = "timezone" in self.service.model_fields_set
        if digest_set and service_set and self.digest.timezone != self.service.timezone:
            raise ValueError(
                f"digest.timezone ({self.digest.timezone}) and service.timezone ({self.service.timezone}) differ: "
                "planwatch shows every time in one zone; set one of them, or both the same"
            )
        if digest_set and not service_set:
            object.__setattr__(self, "service", self.service.model_copy(update={"timezone": self.digest.timezone}))
        elif service_set and not digest_set:
            object.__setattr__(self, "digest", self.digest.model_copy(update={"timezone": self.service.timezone}))
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Config:
        seen: set[str] = set()
        for s in self.source:
            if s.name in seen:
                raise ValueError(f"two sources are named {s.name!r}")
            seen.add(s.name)
        names = [c.name for c in self.channel]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"two channels are named {twice[0]!r}")
        return self

    @property
    def sources(self) -> list[Source]:
        return list(self.source)

    def find_source(self, name: str) -> Source | None:
        return next((s for s in self.source if s.name == name), None)


def config_path(explicit: str | None) -> Path | None:
    """The file to read: ``--config``, else ``$PLANWATCH_CONFIG``, else ./planwatch.toml if present."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("PLANWATCH_CONFIG")
    if env:
        return Path(env)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def default_config_text() -> str:
    """The default configuration shipped in the package: the sources to watch, every setting commented."""
    return files("planwatch").joinpath("default_config.toml").read_text(encoding="utf-8")


def load_config(explicit: str | None = None) -> Config:
    path = config_path(explicit)
    if path is None:
        return parse_config(default_config_text(), BUILT_IN_CONFIG)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc}") from None
    return parse_config(text, str(path))


def parse_config(text: str, filename: str = DEFAULT_CONFIG_NAME) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_ERROR_LINE.search(str(exc))
        line = int(found.group(1)) if found else None
        if line is None and "at end of document" in str(exc):
            line = max(1, len(text.splitlines()))
        where = f"{filename}:{line}" if line else filename
        key = _key_on_line(text, line) if line else None
        raise ConfigError(_one_line(f"{where}: {key + ': ' if key else ''}not valid TOML: {exc}")) from None
    _check_unique_source_names(text, data, filename)
    try:
        config = Config.model_validate({**data, "path": filename})
    except ValidationError as exc:
        err = _first_error(exc, text)
        loc = tuple(err["loc"])
        line = locate_key(text, loc)
        where = f"{filename}:{line}" if line else filename
        key = _dotted(loc, data)
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg += _known_keys_hint(loc)
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(_one_line(f"{where}: {key}: {msg}{more}")) from None
    _check_request_budgets(text, config, filename)
    return config


DEFAULT_MAX_REQUESTS = 2000
REQUESTS_PER_ARTICLE = 5  # an article, its retries and a redirect or two


def requests_allowed(source: Source, crawl: CrawlSettings) -> int:
    """The source's request budget per run: its ``max_requests``, the crawl's, else one that fits its articles."""
    configured = source.max_requests or crawl.max_requests
    if configured is not None:
        return configured
    return max(DEFAULT_MAX_REQUESTS, REQUESTS_PER_ARTICLE * (source.max_articles or crawl.max_articles))


def _check_request_budgets(text: str, config: Config, filename: str) -> None:
    """Each source's article budget fits in a request budget set by hand (else articles would never all be fetched)."""
    crawl = config.crawl
    for index, source in enumerate(config.source):
        articles = source.max_articles or crawl.max_articles
        requests = requests_allowed(source, crawl)
        if articles <= requests:
            continue
        if source.max_articles:
            loc: tuple[Any, ...] = ("source", index, "max_articles")
            key = f"source[{source.name}].max_articles"
        elif source.max_requests:
            loc, key = ("source", index, "max_requests"), f"source[{source.name}].max_requests"
        else:
            loc, key = ("crawl", "max_articles"), "crawl.max_articles"
        line = locate_key(text, loc)
        where = f"{filename}:{line}" if line else filename
        budget = "source's max_requests" if source.max_requests else "crawl.max_requests"
        raise ConfigError(f"{where}: {key}: {articles} article requests do not fit in {budget} "
                          f"({requests} requests per source and run)")


_TOML_ERROR_LINE = re.compile(r"\(at line (\d+), column \d+\)")
_SECTIONS: dict[str, type[BaseModel]] = {
    "crawl": CrawlSettings,
    "topics": TopicSettings,
    "source": Source,
    "smtp": SmtpSettings,
    "digest": DigestSettings,
    "service": ServiceSettings,
    "mail": MailSettings,
    "distributed": DistributedSettings,
    "alerts": AlertsSettings,
    "web": WebConfig,
    "channel": ChannelConfig,
}


def _key_on_line(text: str, line: int) -> str | None:
    """The dotted key written on ``line`` (``crawl.concurrency``), for a TOML syntax error."""
    table = ""
    for no, raw in enumerate(text.splitlines()[:line], start=1):
        stripped = raw.strip()
        header = re.match(r"^\[\[?\s*([\w.\-]+)\s*\]", stripped)
        if header and no == line:
            return header.group(1)
        if header:
            table = header.group(1)
        elif no == line:
            key = re.match(r"^([\w\-]+(?:\s*\.\s*[\w\-]+)*)\s*=", stripped)
            if key is None:
                return None
            name = re.sub(r"\s+", "", key.group(1))
            return f"{table}.{name}" if table else name
    return None


def _one_line(message: str) -> str:
    """Values quoted in a message may hold line breaks; the user's terminal gets one line."""
    return " ".join(message.splitlines())


def _known_keys_hint(loc: tuple[Any, ...]) -> str:
    """``" (unknown key; did you mean 'concurrency'?)"`` for a misspelt key."""
    model: type[BaseModel] | None = Config if len(loc) == 1 else _SECTIONS.get(str(loc[0]))
    if model is None or not isinstance(loc[-1], str):
        return ""
    known = [k for k in model.model_fields if k != "path"]
    close = difflib.get_close_matches(loc[-1], known, n=1)
    if close:
        return f" (unknown key; did you mean {close[0]!r}?)"
    return f" (unknown key; known keys: {', '.join(known)})"


def _first_error(exc: ValidationError, text: str) -> Any:
    """The error to show: a wrong value before a missing key (a preset may be what
    would have supplied it), then the one written first in the file."""

    def rank(err: Any) -> tuple[int, int]:
        line = locate_key(text, tuple(err["loc"])) or 1_000_000
        return (err["type"] == "missing", line)

    return min(exc.errors(), key=rank)


def _check_unique_source_names(text: str, data: dict[str, Any], filename: str) -> None:
    """Two sources with one name: the error points at the second one's ``name`` line."""
    sources = data.get("source")
    if not isinstance(sources, list):
        return
    first: dict[str, int] = {}
    for index, table in enumerate(sources):
        name = table.get("name") if isinstance(table, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            line = locate_key(text, ("source", index, "name"))
            earlier = locate_key(text, ("source", first[name], "name"))
            where = f"{filename}:{line}" if line else filename
            also = f" (first defined on line {earlier})" if earlier else ""
            raise ConfigError(f"{where}: source[{name}].name: two sources are named {name!r}{also}")
        first[name] = index


def _dotted(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """``('source', 1, 'url')`` → ``source[2].url`` (or the source's name when it has one)."""
    parts: list[str] = []
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            name = node[part].get("name") if isinstance(node, list) and part < len(node) and isinstance(node[part], dict) else None
            name = name if isinstance(name, str) and name else None  # name = 5 is not a name to show
            parts[-1] = f"{parts[-1]}[{name or part + 1}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def locate_key(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line where the key at ``loc`` is written, for error messages.

    Walks the TOML text tracking the current table (``[crawl]``, the Nth
    ``[[source]]``); good enough for the flat files planwatch reads, and it falls
    back to the table's header line when the key itself is missing.
    """
    if not loc:
        return None
    table, index, key = str(loc[0]), None, None
    rest = list(loc[1:])
    if rest and isinstance(rest[0], int):
        index = rest.pop(0)
    if rest and isinstance(rest[0], str):
        key = rest[0]
    current: tuple[str, int] | None = None
    counts: dict[str, int] = {}
    header_line: int | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        m = re.match(r"^\[\[\s*([\w.\-]+)\s*\]\]", line) or re.match(r"^\[\s*([\w.\-]+)\s*\]", line)
        if m and key and m.group(1) == f"{table}.{key}":
            return no  # [crawl.sub]: a sub-table where a value was expected
        if m:
            name = m.group(1)
            if line.startswith("[["):
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
            else:
                current = (name, 0)
            if current == (table, index or 0):
                header_line = no
            continue
        if current == (table, index or 0) and key and re.match(rf"^{re.escape(key)}\s*=", line):
            return no
        if current is None and key is None and re.match(rf"^{re.escape(table)}\s*=", line):
            return no
        if current is None and key and re.match(rf"^{re.escape(table)}\s*\.\s*{re.escape(key)}\s*=", line):
            return no
        if current is None and header_line is None and re.match(rf"^{re.escape(table)}\s*=", line):
            header_line = no  # an inline table or array of tables: the line that opens it
    return header_line
