"""`planwatch subscribers` as a user runs it: edit, list --json, export/import, backfill and preview."""

from __future__ import annotations

import json
from datetime import datetime

from alerts_fixtures import add_plan, deliveries_of, seed_like_plans
from click.testing import CliRunner
from sqlalchemy import update

from planwatch.cli import main
from storage.models import Delivery, DigestItem, Subscriber


def cli(db_url: str, tmp_path, *args: str, config: str = "", stdin: str | None = None):
    cfg = tmp_path / "planwatch.toml"
    cfg.write_text(config, encoding="utf-8")
    return CliRunner().invoke(
        main, ["--config", str(cfg), "--db", db_url, "--outbox", str(tmp_path / "outbox"), *args], input=stdin
    )


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


def stored_plans(db, *, old: bool = False):
    with db.session() as s:
        seed_like_plans(s)
        s.flush()
        s.execute(update(DigestItem).values(queued_at=datetime(2026, 1, 1)))  # fanned out long ago
        if old:
            s.execute(update(DigestItem).values(created_at=datetime(2020, 1, 1)))
    return db


def test_a_new_subscriber_starts_with_the_stored_plans_its_filters_match(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    out = ok(cli(db_url, tmp_path, "subscribers", "add", "gg@example.kr", "--provinces", "경기도"))
    assert "its first digest starts with 3 stored plans of the last 30 days" in out
    assert len(deliveries_of(db, "gg@example.kr")) == 3
    out = ok(cli(db_url, tmp_path, "subscribers", "add", "none@example.kr", "--backfill", "0"))
    assert "no backfill" in out and deliveries_of(db, "none@example.kr") == []
    out = ok(cli(db_url, tmp_path, "subscribers", "add", "jn@example.kr", "--municipalities", "광양시",
                 config="[alerts]\nbackfill_days = 7\n"))
    assert "1 stored plans of the last 7 days" in out
    bad = cli(db_url, tmp_path, "subscribers", "add", "x@example.kr", "--backfill", "soon")
    assert bad.exit_code == 1 and "--backfill takes a number of days" in bad.output


def test_plans_older_than_the_backfill_window_are_not_queued_and_the_user_is_told(db, tmp_path):
    db_url = db.url
    stored_plans(db, old=True)
    out = ok(cli(db_url, tmp_path, "subscribers", "add", "late@example.kr", "--backfill", "2w"))
    assert "no stored plan of the last 14 days matches" in out and deliveries_of(db, "late@example.kr") == []


def test_preview_shows_what_a_filter_matches_and_saves_nothing(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    out = ok(cli(db_url, tmp_path, "subscribers", "add", "p@example.kr", "--keywords", "스마트", "--preview"))
    assert "matches 3 stored plans" in out and "(nothing saved)" in out
    assert "시흥시 스마트도시계획" in out and "부천시" in out and "광양시" in out  # visions name 스마트
    assert "안양시" not in out
    with db.session() as s:
        assert s.query(Subscriber).count() == 0


def test_edit_changes_filters_and_frequency_and_keeps_pending_items(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    ok(cli(db_url, tmp_path, "subscribers", "add", "e@example.kr", "--provinces", "경기도"))
    out = ok(cli(db_url, tmp_path, "subscribers", "edit", "e@example.kr", "--provinces", "전라남도,경기도",
                 "--frequency", "weekly", "--name", "이편집"))
    assert "changed e@example.kr (weekly, ko; provinces: 전라남도, 경기도); 3 items pending" in out
    with db.session() as s:
        sub = s.query(Subscriber).filter_by(email="e@example.kr").one()
        assert (sub.frequency, sub.name, sub.provinces) == ("weekly", "이편집", ["전라남도", "경기도"])
    assert {d.status for d in deliveries_of(db, "e@example.kr")} == {"queued"}
    ok(cli(db_url, tmp_path, "subscribers", "edit", "e@example.kr", "--provinces", ""))
    with db.session() as s:
        assert s.query(Subscriber).filter_by(email="e@example.kr").one().provinces == []
    bad = cli(db_url, tmp_path, "subscribers", "edit", "e@example.kr", "--provinces", "없는도")
    assert bad.exit_code == 1 and "unknown province '없는도'" in bad.output
    missing = cli(db_url, tmp_path, "subscribers", "edit", "who@example.kr", "--frequency", "daily")
    assert missing.exit_code == 1 and "who@example.kr is not subscribed" in missing.output
    again = cli(db_url, tmp_path, "subscribers", "add", "e@example.kr")
    assert "planwatch subscribers edit e@example.kr" in again.output


def test_a_corrected_address_gets_what_was_refused_for_the_wrong_one(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    ok(cli(db_url, tmp_path, "subscribers", "add", "typo@exmaple.kr"))
    with db.session() as s:
        sub = s.query(Subscriber).filter_by(email="typo@exmaple.kr").one()
        sub.permanent_failure = "550 5.1.1 no such user"
        s.execute(update(Delivery).where(Delivery.subscriber_id == sub.id).values(status="failed"))
    listed = ok(cli(db_url, tmp_path, "subscribers", "list"))
    assert "subscribers edit OLD --email NEW" in listed
    ok(cli(db_url, tmp_path, "subscribers", "edit", "typo@exmaple.kr", "--email", "right@example.kr"))
    with db.session() as s:
        sub = s.query(Subscriber).filter_by(email="right@example.kr").one()
        assert sub.permanent_failure is None
    assert {d.status for d in deliveries_of(db, "right@example.kr")} == {"queued"}


def test_list_json_export_and_import_round_trip_idempotently(db, tmp_path):
    db_url = db.url
    ok(cli(db_url, tmp_path, "subscribers", "add", "a@example.kr", "--name", "김가", "--provinces", "경기도",
           "--keywords", "스마트시티,AI", "--frequency", "immediate", "--language", "en"))
    ok(cli(db_url, tmp_path, "subscribers", "add", "b@example.kr", "--events", "plan_adopted"))
    ok(cli(db_url, tmp_path, "subscribers", "pause", "b@example.kr"))
    listed = json.loads(ok(cli(db_url, tmp_path, "subscribers", "list", "--json")))
    assert [r["email"] for r in listed] == ["a@example.kr", "b@example.kr"]
    assert listed[0]["keywords"] == ["스마트시티", "AI"] and listed[1]["active"] is False
    for fmt in ("csv", "json"):
        path = tmp_path / f"subs.{fmt}"
        ok(cli(db_url, tmp_path, "subscribers", "export", str(path)))
        other = f"sqlite:///{tmp_path / f'other-{fmt}.db'}"
        first = ok(cli(other, tmp_path, "subscribers", "import", str(path)))
        assert "2 added, 0 updated, 0 unchanged" in first
        second = ok(cli(other, tmp_path, "subscribers", "import", str(path)))
        assert "0 added, 0 updated, 2 unchanged" in second
        copied = json.loads(ok(cli(other, tmp_path, "subscribers", "list", "--json")))
        strip = [{k: v for k, v in r.items() if k not in ("pending", "last_sent")} for r in copied]
        assert strip == [{k: v for k, v in r.items() if k not in ("pending", "last_sent")} for r in listed]


def test_import_updates_known_addresses_and_reports_bad_records_by_line(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    ok(cli(db_url, tmp_path, "subscribers", "add", "a@example.kr", "--provinces", "경기도"))
    path = tmp_path / "in.csv"
    path.write_text(
        "email,frequency,provinces\n"
        "a@example.kr,weekly,전라남도\n"
        "not-an-address,daily,\n"
        "c@example.kr,daily,없는도\n"
        "d@example.kr,run,\n",
        encoding="utf-8",
    )
    result = cli(db_url, tmp_path, "subscribers", "import", str(path))
    assert result.exit_code == 1
    assert "1 added, 1 updated, 0 unchanged, 2 refused" in result.output
    assert f"{path}:3: 'not-an-address' is not a valid e-mail address" in result.output
    assert f"{path}:4: unknown province '없는도'" in result.output
    with db.session() as s:
        a = s.query(Subscriber).filter_by(email="a@example.kr").one()
        assert (a.frequency, a.provinces) == ("weekly", ["전라남도"])
        assert {x.email for x in s.query(Subscriber)} == {"a@example.kr", "d@example.kr"}
    assert len(deliveries_of(db, "a@example.kr")) == 3  # its pending items stayed
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    bad = cli(db_url, tmp_path, "subscribers", "import", str(broken))
    assert bad.exit_code == 1 and "not valid JSON" in bad.output


def test_backfilled_items_make_the_first_digest(db, tmp_path):
    db_url = db.url
    stored_plans(db)
    with db.session() as s:
        add_plan(s, municipality="수원시", province="경기도", title="수원시 스마트시티 계획",
                 event_type="plan_kickoff", event_date=None)
    ok(cli(db_url, tmp_path, "subscribers", "add", "first@example.kr", "--frequency", "run",
           "--municipalities", "수원시,안양시"))
    out = ok(cli(db_url, tmp_path, "digest", "--send"))
    assert "written to the outbox" in out
    statuses = [d.status for d in deliveries_of(db, "first@example.kr")]
    assert statuses == ["sent", "sent"]


def test_an_immediate_subscriber_gets_its_backfill_as_one_digest_not_one_mail_per_plan(db, tmp_path):
    stored_plans(db)
    ok(cli(db.url, tmp_path, "subscribers", "add", "fast@example.kr", "--frequency", "immediate"))
    with db.session() as s:
        add_plan(s, municipality="수원시", province="경기도", title="수원시 스마트시티 계획",
                 event_type="plan_kickoff", event_date=None)
    out = ok(cli(db.url, tmp_path, "digest"))
    assert "2 written to the outbox, 6 items" in out  # the new plan alone, the five stored ones together
    subjects = sorted(p.read_text(encoding="utf-8").split("<title>")[1].split("</title>")[0]
                      for p in (tmp_path / "outbox").glob("*.html"))
    assert len(subjects) == 2
