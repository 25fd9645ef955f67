"""Korean relative dates resolve against the publication date."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from extractors.dates import find_dates, outlet_stamp_date, printed_date_line, printed_dates, resolve_day

PUB = date(2024, 9, 24)


@pytest.mark.parametrize(
    "text, published, expected, precision",
    [
        ("지난 16일 위원회를 열었다", date(2022, 11, 18), date(2022, 11, 16), "day"),
        ("24일 보고회를 열었다", PUB, date(2024, 9, 24), "day"),
        ("31일(월) 오후 2시 창립총회", date(2017, 8, 1), date(2017, 7, 31), "day"),
        ("지난달 28일 협약을 맺었다", PUB, date(2024, 8, 28), "day"),
        ("오는 5일 착수보고회를 연다", PUB, date(2024, 10, 5), "day"),
        ("오는 27일 보고회를 연다", PUB, date(2024, 9, 27), "day"),
        ("5월 24일 실무회의", PUB, date(2024, 5, 24), "day"),
        ("12월 28일 의결했다", date(2024, 1, 5), date(2023, 12, 28), "day"),
        ("2023년 5월 24일 열린", PUB, date(2023, 5, 24), "day"),
        ("최근 확정했다", date(2023, 2, 20), date(2023, 2, 1), "month"),
        ("2월 중 최종보고회", date(2024, 1, 15), date(2024, 2, 1), "month"),
        ("지난달 조례를 공포했다", PUB, date(2024, 8, 1), "month"),
        ("내달 3일 첫 회의", PUB, date(2024, 10, 3), "day"),
        ("2021년 2월 수립", PUB, date(2021, 2, 1), "month"),
    ],
)
def test_first_date_expression(text, published, expected, precision):
    d = find_dates(text, published)[0]
    assert (d.date, d.precision) == (expected, precision)


def test_announcement_date_is_marked():
    ds = find_dates("광양시는 최근 기본계획을 확정했다고 20일 밝혔다.", date(2023, 2, 20))
    assert [(d.text, d.announcement) for d in ds] == [("최근", False), ("20일", True)]


def test_durations_and_counts_are_not_dates():
    assert find_dates("5개월간 진행되며 13명으로 구성, 3일간 열린다", PUB) == []


def test_day_31_in_a_short_month_goes_back_further():
    assert resolve_day(31, date(2024, 5, 2)) == date(2024, 3, 31)  # April has 30 days
    assert resolve_day(30, date(2024, 3, 2)) == date(2024, 1, 30)  # February 2024 has 29


@pytest.mark.parametrize(
    "line, expected",
    [
        ("• 승인 2024-09-24 17:16", datetime(2024, 9, 24, 17, 16)),
        ("입력 2019.07.04 13:03", datetime(2019, 7, 4, 13, 3)),
        ("박한결 기자 | 기사입력 2021/03/02 [09:15]", datetime(2021, 3, 2, 9, 15)),
        ("- 충북 / 이수아 기자 / 2022-06-07 11:20:45", datetime(2022, 6, 7, 11, 20, 45)),
        ("2019-11-12 14면", datetime(2019, 11, 12)),
        ("승인 2018년 03월 05일 17시 40분 | 지면게재일 2018년 03월 06일 화요일 3면", datetime(2018, 3, 5, 17, 40)),
        ("2023년 02월 20일(월) 11:25", datetime(2023, 2, 20, 11, 25)),
        ("기사승인 2024. 01. 09. 10:02", datetime(2024, 1, 9, 10, 2)),
        ("한빛일보, 정다운 기자, 2025-02-03 08:40", datetime(2025, 2, 3, 8, 40)),
    ],
)
def test_printed_date_lines(line, expected):
    assert printed_date_line(line)
    assert next(when for kind, when in printed_dates(line) if kind != "modified") == expected


def test_first_publication_not_the_edit():
    assert printed_dates("입력 2019.07.04 13:03 | 수정 2019.07.05 09:00") == [
        ("published", datetime(2019, 7, 4, 13, 3)), ("modified", datetime(2019, 7, 5, 9, 0))]
    assert printed_dates("최종편집일 2024-11-23 10:51:58")[0][0] == "modified"


@pytest.mark.parametrize(
    "line",
    [
        "[한빛=뉴스] 정다운 기자 = 시청 본관 전경. 2023.10.01. |",  # a photo caption
        "도의회 김하늘 의원[사진=도의회] 2020.11.18",
        "시는 2021.7.20. 조례를 제정해 두었다.",  # a sentence
    ],
)
def test_dates_that_are_not_date_lines(line):
    assert not printed_date_line(line)


def test_counters_and_mail_beside_a_date():
    assert printed_date_line("2019.07.04 13:03 | 댓글 0")
    assert printed_date_line("정다운 기자 jdw@hanbit.kr 2019-07-04 13:03")
    assert printed_dates("기사전송 2019/07/04 13:03")[0][0] == "published"


def test_labels_printed_after_their_dates():
    assert printed_dates("2019.07.04 13:03 입력 | 2019.07.05 09:00 수정") == [
        ("published", datetime(2019, 7, 4, 13, 3)), ("modified", datetime(2019, 7, 5, 9, 0))]


def test_the_outlets_stamp_closing_a_caption_dates_it():
    caption = "3일 도청에서 위원회 첫 회의가 진행되고 있다. (제공: 한빛도) ⓒ한빛일보(한빛뉴스) 2019.3.4"
    assert outlet_stamp_date(caption) == datetime(2019, 3, 4)
    assert outlet_stamp_date("회의 장면. ⓒHanbitNews 2019.03.04") == datetime(2019, 3, 4)


@pytest.mark.parametrize(
    "line",
    [
        "도의회 김하늘 의원[사진=도의회] 2020.11.18",  # a source's credit
        "[한빛=뉴스] 정다운 기자 = 시청 본관 전경. 2023.10.01.",  # a file photo
        "시장이 계획을 설명하고 있다. ⓒ정다운 기자",  # a reporter's credit, no date
        "ⓒ 한빛일보 2019.3.4 무단전재 및 재배포 금지",  # not the end of a caption
    ],
)
def test_dates_that_are_no_outlet_stamp(line):
    assert outlet_stamp_date(line) is None
