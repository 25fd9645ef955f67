"""Storing articles and merging them into plans, on the database the fixtures choose.

Articles and extractions are built here by hand, so these tests do not depend on the
extractors. Run on PostgreSQL with ``PLANWATCH_TEST_DB=postgresql``.
"""

from __future__ import annotations

import multiprocessing
import random
import sqlite3
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from planwatch.records import (
    Article,
    Capture,
    Committee,
    Counts,
    EventFacts,
    Extraction,
    PlanFacts,
    Relevance,
)
from storage import models as m
from storage.db import StorageError, open_database
from storage.repository import (
    get_validators,
    is_known_url,
    known_urls,
    record_run_end,
    record_run_start,
    save_validators,
    store_extraction,
)
from storage.views import load_plans

ANYANG_PARAGRAPHS = [
    "안양시가 24일 시청 4층 회의실에서 제2기(2025-2029) 안양시 4차 산업혁명 촉진 종합계획 수립 연구 용역 중간보고회를 열었다.",
    "이번 보고회에서는 용역 수행기관의 연구 용역 추진 현황과 향후 계획에 대한 발표가 진행됐다.",
    "시는 지난 1기 계획을 기반으로 자율주행버스 주야로 운행과 스마트도시통합센터 신축 개관 등을 완료했다.",
    "보고회에는 최대호 안양시장과 안양시 4차산업혁명위원회 위원 등 20여 명이 참석했다.",
    "연구 용역은 올해 7월부터 11월까지 5개월간 진행되며, 최종 결과는 내년 중 발표될 예정이다.",
]
OUTLETS = ["중도일보", "경기일보", "뉴시스", "뉴스1", "경인일보", "아시아투데이", "내외뉴스통신", "시사매거진"]


def anyang_article(n: int, *, published: datetime = datetime(2024, 9, 24, 17, 16), text: str | None = None) -> Article:
    """The n-th outlet's report of the same 중간보고회: same facts, its own wording and byline."""
    paragraphs = list(ANYANG_PARAGRAPHS)
    random.Random(n).shuffle(paragraphs[1:4])
    body = text or "\n".join([f"[{OUTLETS[n % len(OUTLETS)]}] 안양시 {n}보", *paragraphs, f"기자 {n}"])
    url = f"https://news{n}.example.kr/article/{1000 + n}"
    return Article(
        title=f"안양시, 4차 산업혁명 촉진 종합계획 중간보고회 ({OUTLETS[n % len(OUTLETS)]})",
        text=body,
        url=url,
        canonical_url=url,
        published=published,
        outlet=OUTLETS[n % len(OUTLETS)],
        author=f"기자{n}",
    )


def plan_extraction(
    *,
    municipality: str = "안양시",
    province: str = "경기도",
    title: str | None = "제2기 안양시 4차 산업혁명 촉진 종합계획",
    phase: int | None = 2,
    period: tuple[int | None, int | None] = (2025, 2029),
    event: str | None = "plan_interim_report",
    on: date | None = date(2024, 9, 24),
    counts: Counts | None = None,
    previous: Counts | None = None,
    vision: str | None = None,
    committee: Committee | None = None,
) -> Extraction:
    return Extraction(
        relevance=Relevance(True, 0.92, ["4차 산업혁명 종합계획", municipality]),
        plan=PlanFacts(
            municipality=municipality,
            province=province,
            title=title,
            phase=phase,
            period_start=period[0],
            period_end=period[1],
            vision=vision,
            counts=counts or Counts(),
            previous_counts=previous,
        ),
        event=EventFacts(event, on) if event else None,
        committee=committee,
    )


def store(db, article: Article, extraction: Extraction, raw: Capture | None = None):
    with db.session() as session:
        return store_extraction(session, article, extraction, raw=raw)


def count(db, model) -> int:
    with db.session(read_only=True) as session:
        return session.scalar(select(func.count()).select_from(model))


def plans(db):
    with db.session(read_only=True) as session:
        return load_plans(session)


# --- idempotence ------------------------------------------------------------------------------


def test_the_same_capture_twice_is_stored_once(db):
    article, extraction = anyang_article(0), plan_extraction()
    raw = Capture(body="<html>안양시</html>".encode(), kind="html", url=article.url, headers={"content-type": "text/html"})
    first = store(db, article, extraction, raw)
    second = store(db, article, extraction, raw)
    assert first.article_new and first.plan_new and first.event_new and len(first.digest_item_ids) == 1
    assert not second.article_new and second.digest_item_ids == [] and second.changes == []
    assert (second.article_id, second.plan_id, second.event_id) == (first.article_id, first.plan_id, first.event_id)
    assert (count(db, m.Article), count(db, m.RawPage), count(db, m.DigestItem), count(db, m.EventSource)) == (1, 1, 1, 1)
    with db.session(read_only=True) as session:
        stored = session.get(m.Article, first.article_id)
        page = session.get(m.RawPage, first.article_id)
        assert stored.relevant and stored.relevance_score == pytest.approx(0.92)
        assert stored.relevance_reasons == ["4차 산업혁명 종합계획", "안양시"]
        assert stored.extraction["plan"]["municipality"] == "안양시"
        assert stored.extraction["event"] == {"type": "plan_interim_report", "date": "2024-09-24"}
        assert page.body == raw.body and page.headers == {"content-type": "text/html"}


def test_the_same_text_under_another_url_is_the_same_article(db):
    article = anyang_article(0)
    store(db, article, plan_extraction())
    moved = replace(article, url="https://m.news0.example.kr/1000", canonical_url="https://m.news0.example.kr/1000")
    assert not store(db, moved, plan_extraction()).article_new
    assert count(db, m.Article) == 1


def test_the_m_and_www_hosts_of_a_stored_article_become_aliases_known_from_then_on(db):
    article = replace(anyang_article(0), url="https://www.news0.example.kr/article/1000",
                      canonical_url="https://www.news0.example.kr/article/1000")
    store(db, article, plan_extraction())
    mobile = replace(article, url="https://m.news0.example.kr/article/1000?utm_source=app",
                     canonical_url="https://www.news0.example.kr/article/1000")  # the m. page names the www. one
    assert not store(db, mobile, plan_extraction()).article_new
    copy = replace(article, url="https://portal.example.com/n/77", canonical_url="https://portal.example.com/n/77")
    assert not store(db, copy, plan_extraction()).article_new
    with db.session(read_only=True) as session:
        aliases = dict(session.execute(select(m.UrlAlias.url, m.UrlAlias.article_id)).all())
        assert set(aliases) == {"https://m.news0.example.kr/article/1000", "https://portal.example.com/n/77"}
        assert known_urls(session, ["https://m.news0.example.kr/article/1000", "https://portal.example.com/n/77",
                                    "https://m.news0.example.kr/article/1001"]) == set(aliases)
    assert count(db, m.Article) == 1


def test_different_texts_declaring_one_canonical_are_different_articles_a_revision_is_not(db):
    shared = "https://news.example.kr/news/list.html"
    first = replace(anyang_article(0), url="https://news.example.kr/news/1", canonical_url=shared)
    store(db, first, plan_extraction())
    revised = replace(first, url="https://news.example.kr/news/1?rev=2", text=first.text + "\n(2보) 일정이 확정됐다.")
    assert not store(db, revised, plan_extraction()).article_new  # a near-duplicate: the same article, revised
    other = replace(first, url="https://news.example.kr/news/2", title="광양시 소식", text="\n".join(
        ["광양시가 도시재생 뉴딜사업 주민 공모를 시작한다고 밝혔다.", "공모는 다음 달 말까지 진행되며 주민 누구나 참여할 수 있다.",
         "시는 선정된 제안에 사업비를 지원하고 전문가 자문을 붙인다.", "자세한 내용은 시 누리집에서 확인할 수 있다."]))
    assert store(db, other, Extraction(relevance=Relevance(False, 0.0, []))).article_new
    with db.session(read_only=True) as session:
        stored = dict(session.execute(select(m.Article.url, m.Article.canonical_url)).all())
    assert stored == {"https://news.example.kr/news/1": shared,
                      "https://news.example.kr/news/2": "https://news.example.kr/news/2"}


def test_an_article_without_url_is_known_by_its_text(db):
    article = replace(anyang_article(3), url=None, canonical_url=None, content_hash="")
    assert store(db, article, plan_extraction()).article_new
    assert not store(db, article, plan_extraction()).article_new


# --- one plan, one timeline -------------------------------------------------------------------


def test_five_outlets_reporting_one_event_make_one_event_with_five_sources(db):
    outcomes = [store(db, anyang_article(n), plan_extraction()) for n in range(5)]
    assert [o.article_new for o in outcomes] == [True] * 5
    assert len({o.plan_id for o in outcomes}) == 1 and len({o.event_id for o in outcomes}) == 1
    assert sum(len(o.digest_item_ids) for o in outcomes) == 1
    assert (count(db, m.Plan), count(db, m.PlanEvent), count(db, m.DigestItem)) == (1, 1, 1)
    [plan] = plans(db)
    [event] = plan.timeline
    assert event.type == "plan_interim_report" and event.date_iso() == "2024-09-24"
    assert sorted(s.outlet for s in event.sources) == sorted(OUTLETS[:5])


def test_an_undated_near_duplicate_joins_the_event_an_unrelated_one_does_not(db):
    first = store(db, anyang_article(0), plan_extraction(event="committee_meeting"))
    undated = plan_extraction(event="committee_meeting", on=None)
    copy = store(db, anyang_article(1, published=datetime(2024, 9, 26, 9, 0)), undated)
    assert copy.event_id == first.event_id and not copy.event_new
    other_text = "안양시는 4차산업혁명위원회 정기회의를 열어 스마트도시 시행계획의 추진 실적을 점검하고 내년도 예산 편성 방향을 논의했다."
    other = store(db, anyang_article(2, published=datetime(2024, 9, 27, 9, 0), text=other_text), undated)
    assert other.event_id != first.event_id and other.event_new and other.plan_id == first.plan_id
    assert count(db, m.PlanEvent) == 2


def test_interim_report_then_adoption_is_one_plan_with_two_events_and_a_stage_change(db):
    interim = store(db, anyang_article(0), plan_extraction())
    adoption_article = anyang_article(
        1, published=datetime(2025, 1, 10, 10, 0),
        text="안양시는 제2기(2025-2029) 4차 산업혁명 촉진 종합계획을 확정했다. 계획은 4대 전략과 12개 과제로 구성됐다.",
    )
    adopted = store(db, adoption_article, plan_extraction(event="plan_adopted", on=date(2025, 1, 10), counts=Counts(strategies=4, tasks=12)))
    assert adopted.plan_id == interim.plan_id and not adopted.plan_new
    assert adopted.event_new and adopted.event_id != interim.event_id
    assert ("stage", "plan_interim_report", "plan_adopted") in [(c.field, c.old, c.new) for c in adopted.changes]
    assert len(adopted.digest_item_ids) == 1
    with db.session(read_only=True) as session:
        item = session.get(m.DigestItem, adopted.digest_item_ids[0])
        assert item.kind == "updated_plan" and item.event_id == adopted.event_id and item.change_ids
    [plan] = plans(db)
    assert plan.stage == "plan_adopted" and plan.counts["strategies"] == 4
    assert [e.type for e in plan.timeline] == ["plan_interim_report", "plan_adopted"]
    assert [(c.field, c.old, c.new) for c in plan.changes] == [("stage", "plan_interim_report", "plan_adopted")]


def test_an_old_article_stored_late_does_not_move_the_plan_back(db):
    store(db, anyang_article(1, published=datetime(2025, 1, 10)), plan_extraction(event="plan_adopted", on=date(2025, 1, 10)))
    late = store(db, anyang_article(0), plan_extraction())
    assert late.changes == [] and late.event_new and late.digest_item_ids == []
    [plan] = plans(db)
    assert plan.stage == "plan_adopted"
    assert [e.type for e in plan.timeline] == ["plan_interim_report", "plan_adopted"]


def test_bucheon_counts_revised_from_7_17_to_9_31(db):
    bucheon = {"municipality": "부천시", "title": "부천시 4차 산업혁명 촉진 종합계획", "phase": None, "period": (None, None)}
    adopted_text = "부천시는 7개 전략과제 및 17개 실행과제를 담은 부천시 4차 산업혁명 촉진 종합계획을 수립했다."
    first = store(
        db,
        Article("부천시 종합계획 수립", adopted_text, url="https://a.example.kr/1", canonical_url="https://a.example.kr/1",
                published=datetime(2021, 2, 26, 10, 0), outlet="부천일보"),
        plan_extraction(**bucheon, event="plan_adopted", on=date(2021, 2, 25), counts=Counts(tasks=7, action_tasks=17)),
    )
    meeting_text = "부천시는 지난 16일 4차 산업혁명위원회를 개최했다. 9개 전략과제 및 31개 실행과제로 확대 추진할 예정이다."
    second = store(
        db,
        Article("부천시 4차 산업혁명위원회 개최", meeting_text, url="https://b.example.kr/2", canonical_url="https://b.example.kr/2",
                published=datetime(2022, 11, 18, 16, 55), outlet="경인매일"),
        plan_extraction(**bucheon, event="committee_meeting", on=date(2022, 11, 16),
                        counts=Counts(tasks=9, action_tasks=31), previous=Counts(tasks=7, action_tasks=17),
                        vision="스마트라이프를 위한 첨단융합산업 선도 도시, 부천"),
    )
    assert second.plan_id == first.plan_id
    changes = {c.field: (c.old, c.new) for c in second.changes}
    old, new = changes["counts"]
    assert (old["tasks"], old["action_tasks"], new["tasks"], new["action_tasks"]) == (7, 17, 9, 31)
    assert changes["stage"] == ("plan_adopted", "committee_meeting")
    assert changes["vision"] == (None, "스마트라이프를 위한 첨단융합산업 선도 도시, 부천")
    [plan] = plans(db)
    assert plan.key == "부천시|4ir|current"
    assert (plan.counts["tasks"], plan.counts["action_tasks"]) == (9, 31)
    assert (plan.previous_counts["tasks"], plan.previous_counts["action_tasks"]) == (7, 17)


def test_a_new_plan_from_an_article_stating_its_revision(db):
    outcome = store(
        db,
        Article("대전 4차 산업혁명 특별시 위원회 출범", "대전시는 31일 4차산업혁명특별시 추진위원회를 출범했다. 기본계획은 4대 전략 17개 과제로 확대됐다.",
                url="https://c.example.kr/3", canonical_url="https://c.example.kr/3", published=datetime(2017, 7, 31, 15, 0)),
        plan_extraction(municipality="대전광역시", province="대전광역시", title="4차 산업혁명 특별시 대전육성 기본계획", phase=None,
                        period=(None, None), event="committee_launch", on=date(2017, 7, 31),
                        counts=Counts(strategies=4, tasks=17), previous=Counts(strategies=3, tasks=12),
                        committee=Committee(size=19, chairs=["권선택", "신성철"])),
    )
    assert outcome.plan_new
    assert [(c.field, c.old["strategies"], c.new["strategies"]) for c in outcome.changes] == [("counts", 3, 4)]
    [plan] = plans(db)
    assert plan.committee == {"name": None, "size": 19, "chairs": ["권선택", "신성철"]}
    assert plan.stage == "committee_launch"


def test_different_phases_make_two_plans(db):
    phase1 = store(
        db, anyang_article(5, published=datetime(2020, 3, 2)),
        plan_extraction(title="제1기 안양시 4차 산업혁명 촉진 종합계획", phase=1, period=(2020, 2024), event="plan_adopted", on=date(2020, 3, 2)),
    )
    phase2 = store(db, anyang_article(0), plan_extraction())
    assert phase1.plan_id != phase2.plan_id and phase1.plan_new and phase2.plan_new
    assert sorted(p.key for p in plans(db)) == ["안양시|4ir|phase:1", "안양시|4ir|phase:2"]
    # an article naming no phase, about the report that follows the interim one, joins phase 2
    final = store(
        db, anyang_article(6, published=datetime(2024, 11, 28), text="안양시는 4차 산업혁명 촉진 종합계획 최종보고회를 열었다."),
        plan_extraction(title=None, phase=None, period=(None, None), event="plan_final_report", on=date(2024, 11, 28)),
    )
    assert final.plan_id == phase2.plan_id and final.event_new


def test_news_items_for_relevant_articles_without_a_plan(db):
    news = Extraction(Relevance(True, 0.6, ["4차 산업혁명"]))
    outcome = store(db, anyang_article(0, text="경기도 시군의 4차 산업혁명 대응 현황을 살펴봤다."), news)
    assert outcome.plan_id is None and len(outcome.digest_item_ids) == 1
    ignored = store(db, anyang_article(1, text="금산세계인삼축제가 개막했다."), Extraction(Relevance(False, 0.1, [])))
    assert ignored.article_new and ignored.digest_item_ids == []
    with db.session(read_only=True) as session:
        assert [i.kind for i in session.scalars(select(m.DigestItem))] == ["news"]


def test_the_same_news_from_several_outlets_is_one_item(db):
    news = Extraction(Relevance(True, 0.6, ["4차 산업혁명"]))
    release = "경기도는 도내 31개 시군의 4차 산업혁명 대응 현황을 조사한 결과 12개 시군이 종합계획을 수립했다고 밝혔다."
    first = store(db, anyang_article(0, text=release), news)
    copy = store(db, anyang_article(1, text=release.replace("밝혔다", "25일 밝혔다"), published=datetime(2024, 9, 25, 9, 0)), news)
    later = store(db, anyang_article(2, text=release + " (재송)", published=datetime(2024, 10, 30, 9, 0)), news)
    assert len(first.digest_item_ids) == 1 and copy.article_new and copy.digest_item_ids == []
    assert len(later.digest_item_ids) == 1  # a month later it is news again


def test_plans_json_shape(db):
    store(db, anyang_article(0), plan_extraction(vision="사람 중심 스마트 안양"))
    [data] = [p.to_json() for p in plans(db)]
    assert set(data) >= {
        "municipality", "province", "title", "family", "phase", "period_start", "period_end", "vision", "counts",
        "previous_counts", "items", "stage", "committee", "partners", "timeline", "changes",
    }
    assert data["counts"] == {"strategies": None, "tasks": None, "action_tasks": None, "projects": None}
    assert data["timeline"][0]["sources"][0] == {
        "url": "https://news0.example.kr/article/1000", "outlet": "중도일보",
        "title": "안양시, 4차 산업혁명 촉진 종합계획 중간보고회 (중도일보)", "published": "2024-09-24T17:16:00",
    }


# --- crawler bookkeeping ----------------------------------------------------------------------


def test_known_urls(db):
    store(db, anyang_article(0), plan_extraction())
    with db.session(read_only=True) as session:
        assert is_known_url(session, "https://news0.example.kr/article/1000")
        assert not is_known_url(session, "https://news1.example.kr/article/1001")
        many = [f"https://x.example.kr/{i}" for i in range(1200)] + ["https://news0.example.kr/article/1000"]
        assert known_urls(session, many) == {"https://news0.example.kr/article/1000"}


def test_validators_and_runs(db):
    url = "https://news.example.kr/rss"
    with db.session() as session:
        assert get_validators(session, url) is None
        save_validators(session, url, '"abc"', "Tue, 24 Sep 2024 08:00:00 GMT")
    with db.session() as session:
        save_validators(session, url, '"def"', None)
    with db.session() as session:
        v = get_validators(session, url)
        assert (v.etag, v.last_modified) == ('"def"', None)
        run_id = record_run_start(session, "joongdo")
    with db.session() as session:
        record_run_end(session, run_id, outcome="ok", pages=12, new_articles=3, message="fine")
    with db.session(read_only=True) as session:
        run = session.get(m.SourceRun, run_id)
        assert (run.outcome, run.pages, run.new_articles, run.errors) == ("ok", 12, 3, 0)
        assert run.finished_at >= run.started_at


# --- errors -----------------------------------------------------------------------------------


def test_unreachable_server_is_one_line():
    with pytest.raises(StorageError, match="cannot reach the database server") as info:
        open_database("postgresql://postgres@127.0.0.1:1/planwatch")
    assert "\n" not in str(info.value)


def test_unusable_file_path_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    with pytest.raises(StorageError, match="cannot create the database file") as info:
        open_database(f"sqlite:///{tmp_path / 'afile' / 'sub' / 'pw.db'}")
    assert "\n" not in str(info.value)


@pytest.mark.sqlite_only
def test_locked_database_is_reported_after_retries(tmp_path):
    path = tmp_path / "pw.db"
    open_database(f"sqlite:///{path}").dispose()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        db = open_database(f"sqlite:///{path}", busy_timeout=0.1)
        with pytest.raises(StorageError, match="locked") as info:
            store(db, anyang_article(0), plan_extraction())
        assert "\n" not in str(info.value)
        db.dispose()
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.sqlite_only
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    store(db, anyang_article(0), plan_extraction())
    with db.engine.connect() as conn:  # the pool's one connection: cap the file at its current size
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        conn.rollback()
    with pytest.raises(StorageError, match="full") as info:
        store(db, anyang_article(1, text="가" * 200_000), plan_extraction())
    assert "\n" not in str(info.value)
    db.dispose()
    db = open_database(f"sqlite:///{tmp_path / 'pw.db'}")
    assert count(db, m.Article) == 1 and count(db, m.EventSource) == 1
    db.dispose()


def test_a_failed_transaction_keeps_what_was_stored(db):
    store(db, anyang_article(0), plan_extraction())
    with pytest.raises(RuntimeError), db.session() as session:
        store_extraction(session, anyang_article(1), plan_extraction())
        raise RuntimeError("crash in the middle")
    assert count(db, m.Article) == 1 and count(db, m.EventSource) == 1


# --- concurrent writers -----------------------------------------------------------------------

WRITERS = 4
ARTICLES = 6


def concurrent_extraction(n: int) -> Extraction:
    """Every other report gives no date, and each names one more partner: a lost update would show."""
    extraction = plan_extraction(on=date(2024, 9, 24) if n % 2 == 0 else None)
    extraction.partners = [f"협력기관{n}"]
    return extraction


def store_all_in_child(url: str, seed: int, barrier, results) -> None:
    """One crawler process: stores every article of the event, in its own order."""
    try:
        db = open_database(url)
        work = [(anyang_article(n), concurrent_extraction(n)) for n in range(ARTICLES)]
        random.Random(seed).shuffle(work)
        barrier.wait(timeout=60)
        outcomes = []
        for article, extraction in work:
            with db.session() as session:
                o = store_extraction(session, article, extraction)
            outcomes.append((o.article_new, o.plan_id, o.event_id, len(o.digest_item_ids)))
        db.dispose()
        results.put(("ok", outcomes))
    except BaseException as exc:  # reported to the parent, which fails the test
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def test_concurrent_writers_make_one_plan_one_event(db, db_url):
    db.dispose()  # forked children must not share the parent's pooled connections
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(WRITERS), ctx.Queue()
    procs = [ctx.Process(target=store_all_in_child, args=(db_url, seed, barrier, results)) for seed in range(WRITERS)]
    for p in procs:
        p.start()
    reports = []
    try:
        reports = [results.get(timeout=120) for _ in procs]
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    errors = [r[1] for r in reports if r[0] != "ok"]
    assert errors == []
    outcomes = [o for _, batch in reports for o in batch]
    assert len(outcomes) == WRITERS * ARTICLES
    assert sum(o[0] for o in outcomes) == ARTICLES  # each article stored by exactly one writer
    assert len({o[1] for o in outcomes}) == 1 and len({o[2] for o in outcomes}) == 1
    assert sum(o[3] for o in outcomes) == 1
    assert (count(db, m.Article), count(db, m.Plan), count(db, m.PlanEvent)) == (ARTICLES, 1, 1)
    assert (count(db, m.EventSource), count(db, m.DigestItem)) == (ARTICLES, 1)
    [plan] = plans(db)
    assert sorted(plan.partners) == [f"협력기관{n}" for n in range(ARTICLES)]
    assert plan.timeline[0].date_iso() == "2024-09-24"


def test_a_transaction_that_lost_a_race_is_run_again(db):
    with db.session() as session:
        session.add(m.Subscriber(email="reader@example.kr"))
    attempts = []

    def add_reader(session):
        attempts.append(1)
        if len(attempts) == 1:  # written as if the row were not there yet: the unique email refuses it
            session.add(m.Subscriber(email="reader@example.kr"))
            session.flush()
        return session.scalar(select(m.Subscriber.id).where(m.Subscriber.email == "reader@example.kr"))

    assert db.transaction(add_reader) == 1 and len(attempts) == 2

    def always_conflicts(session):
        session.add(m.Subscriber(email="reader@example.kr"))
        session.flush()

    with pytest.raises(StorageError, match="conflicting") as info:
        db.transaction(always_conflicts, attempts=2)
    assert "\n" not in str(info.value)
    assert count(db, m.Subscriber) == 1


def test_crawled_text_with_nul_characters_and_an_overlong_url_is_stored_on_every_backend(db):
    article = replace(anyang_article(1, text="안양시가 24일 중간보고회를\x00 열었다.\n두 번째 문단."),
                      title="안양시\x00 보고회", url="https://n.example.kr/" + "a" * 3000,
                      canonical_url="https://n.example.kr/" + "a" * 3000)
    outcome = store(db, article, plan_extraction())
    assert outcome.article_new
    with db.session(read_only=True) as s:
        row = s.scalars(select(m.Article)).one()
    assert "\x00" not in row.title + row.text and row.title == "안양시 보고회"
    assert row.canonical_url is None and len(row.url) == 2048
    assert not store(db, article, plan_extraction()).article_new  # still known: by its text
