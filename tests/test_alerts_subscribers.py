"""Subscribers: the commands, validation with one-line errors, defaults, pause and resume."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from alerts_fixtures import add_plan, deliveries_of, make_config, seed_like_plans
from click.testing import CliRunner

from alerts.delivery import prepare_queue
from alerts.subscribers import SubscriberError, ensure_default_subscribers, normalize_email, validate_filters
from planwatch.cli.alerts_cmds import subscribers
from storage.models import Subscriber

NOW = datetime(2026, 11, 22, 0, 30)


class App:
    def __init__(self, db, config=None):
        self.config, self.db_url, self._db = config or make_config(), db.url, db

    def database(self, **_options):
        return self._db


def run(db, *args):
    return CliRunner().invoke(subscribers, list(args), obj=App(db))


def gazetteer_ready() -> bool:
    try:
        from extractors.gazetteer import normalize_municipality, normalize_province  # noqa: F401
    except ImportError:
        return False
    return True


needs_gazetteer = pytest.mark.skipif(
    not gazetteer_ready(),
    reason="extractors.gazetteer does not provide normalize_province/normalize_municipality yet",
)


def test_add_with_defaults_then_list_pause_resume_remove(db):
    result = run(db, "add", "Reader@Example.COM", "--name", "독자")
    assert result.exit_code == 0, result.output
    assert "subscribed Reader@example.com (daily, ko; everything)" in result.output
    with db.session() as s:
        sub = s.query(Subscriber).one()
        assert (sub.email, sub.frequency, sub.language, sub.active, sub.events) == (
            "Reader@example.com",
            "daily",
            "ko",
            True,
            [],
        )
    listing = run(db, "list")
    assert listing.exit_code == 0 and "Reader@example.com" in listing.output and "active" in listing.output
    assert run(db, "pause", "reader@example.com").exit_code == 0
    assert "paused" in run(db, "list").output
    assert run(db, "resume", "Reader@example.com").exit_code == 0
    assert run(db, "remove", "Reader@example.com").exit_code == 0
    with db.session() as s:
        assert s.query(Subscriber).count() == 0
    missing = run(db, "remove", "Reader@example.com")
    assert missing.exit_code == 1 and missing.output.strip() == "Error: Reader@example.com is not subscribed"


def test_events_keywords_frequency_language(db):
    result = run(
        db,
        "add",
        "a@example.com",
        "--events",
        "plan_adopted,중간보고회",
        "--events",
        "mou",
        "--keywords",
        "스마트시티, 드론",
        "--frequency",
        "immediate",
        "--language",
        "en",
    )
    assert result.exit_code == 0, result.output
    with db.session() as s:
        sub = s.query(Subscriber).one()
        assert sub.events == ["plan_adopted", "plan_interim_report", "mou"]
        assert sub.keywords == ["스마트시티", "드론"]
        assert (sub.frequency, sub.language) == ("immediate", "en")


@pytest.mark.parametrize(
    "args, message",
    [
        (["not-an-address"], "'not-an-address' is not a valid e-mail address"),
        (
            ["a@example.com", "--events", "plan_adopted,party"],
            "unknown event 'party' (expected one of: ordinance,",
        ),
        (["a@example.com", "--keywords", "x" * 101], "is longer than 100 characters"),
    ],
)
def test_bad_values_are_one_line_naming_the_value(db, args, message):
    result = run(db, "add", *args)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    with db.session() as s:
        assert s.query(Subscriber).count() == 0


def test_bad_choice_is_a_usage_error_and_duplicates_are_refused(db):
    assert run(db, "add", "a@example.com", "--frequency", "hourly").exit_code == 2
    assert run(db, "add", "a@example.com").exit_code == 0
    again = run(db, "add", "A@example.com")
    assert again.exit_code == 1 and "already subscribed" in again.output


@needs_gazetteer
def test_places_are_checked_against_the_gazetteer(db):
    ok = run(db, "add", "a@example.com", "--provinces", "경기도", "--municipalities", "광양시,대전광역시")
    assert ok.exit_code == 0, ok.output
    with db.session() as s:
        sub = s.query(Subscriber).one()
        assert sub.provinces == ["경기도"] and sub.municipalities == ["광양시", "대전광역시"]
    bad = run(db, "add", "b@example.com", "--municipalities", "안양시,가나다라시")
    assert bad.exit_code == 1 and "unknown municipality '가나다라시'" in bad.output
    bad = run(db, "add", "b@example.com", "--provinces", "아틀란티스도")
    assert bad.exit_code == 1 and "unknown province '아틀란티스도'" in bad.output
    assert validate_filters(provinces=["경기도"]).provinces == ("경기도",)


def test_addresses_are_validated_without_dns():
    assert normalize_email(" user@EXAMPLE.kr ") == "user@example.kr"
    assert normalize_email("planwatch@localhost") == "planwatch@localhost"
    for bad in (
        "",
        "user@",
        "@example.com",
        "a b@example.com",
        "user@exa mple.com",
        "x@localhost\r\nBcc: y@z.com",
    ):
        with pytest.raises(SubscriberError):
            normalize_email(bad)


def test_configured_recipients_become_run_subscribers_only_when_there_are_none(db):
    config = make_config('[digest]\nrecipients = ["team@example.com", "lead@example.com"]\n')
    with db.session() as s:
        assert ensure_default_subscribers(s, config, NOW) == ["team@example.com", "lead@example.com"]
        assert {(x.email, x.frequency) for x in s.query(Subscriber)} == {
            ("team@example.com", "run"),
            ("lead@example.com", "run"),
        }
    with db.session() as s:
        assert ensure_default_subscribers(s, config, NOW) == []
        assert s.query(Subscriber).count() == 2


def test_pause_skips_news_found_meanwhile_and_new_subscribers_start_from_now(db):
    with db.session() as s:
        seed_like_plans(s)
    assert run(db, "add", "early@example.com").exit_code == 0
    assert run(db, "add", "paused@example.com").exit_code == 0
    assert run(db, "pause", "paused@example.com").exit_code == 0
    assert prepare_queue(db, make_config(), NOW) == 5
    assert len(deliveries_of(db, "early@example.com")) == 5 and deliveries_of(db, "paused@example.com") == []
    assert run(db, "resume", "paused@example.com").exit_code == 0
    assert run(db, "add", "late@example.com", "--backfill", "0").exit_code == 0  # from now on only
    with db.session() as s:
        add_plan(
            s,
            municipality="수원시",
            province="경기도",
            title="수원시 계획",
            event_type="plan_kickoff",
            event_date=date(2026, 11, 21),
        )
    assert prepare_queue(db, make_config(), NOW) == 3
    assert (
        len(deliveries_of(db, "paused@example.com")) == 1 and len(deliveries_of(db, "late@example.com")) == 1
    )
    assert len(deliveries_of(db, "early@example.com")) == 6
    assert prepare_queue(db, make_config(), NOW) == 0  # queued once


def test_families_filter_what_a_subscriber_receives(db):
    result = run(db, "add", "ai@example.com", "--families", "ai, informatization")
    assert result.exit_code == 0, result.output
    assert "families: ai, informatization" in result.output
    assert run(db, "add", "all@example.com").exit_code == 0
    with db.session() as s:
        seed_like_plans(s)  # five 4ir plans
        add_plan(s, municipality="부천시", province="경기도", title="부천시 인공지능 산업 육성 기본계획",
                 event_type="plan_adopted", event_date=date(2026, 11, 20), family="ai")
        assert s.query(Subscriber).filter_by(email="ai@example.com").one().families == ["ai", "informatization"]
    prepare_queue(db, make_config(), NOW)
    assert len(deliveries_of(db, "ai@example.com")) == 1 and len(deliveries_of(db, "all@example.com")) == 6
    assert "families: ai, informatization" in run(db, "list").output


def test_families_are_checked_against_the_configured_ones(db):
    result = run(db, "add", "x@example.com", "--families", "ai,robots")
    assert result.exit_code == 1 and "unknown plan family 'robots' (expected one of: 4ir, smart_city" in result.output
    own = make_config('[topics.terms]\nrobots = ["로봇 도시"]\n')
    result = CliRunner().invoke(subscribers, ["add", "x@example.com", "--families", "robots"], obj=App(db, own))
    assert result.exit_code == 0, result.output
    with pytest.raises(SubscriberError, match="unknown plan family 'DX'"):
        validate_filters(families=["DX"])
