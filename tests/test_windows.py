"""Date windows in search URLs and the dates list rows print: the pure parts of the backfill."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.list_rows import row_date
from crawler.windows import check_window_template, fill_window, latest_window, windows_back


def test_windows_cover_the_range_newest_first_without_gaps_or_overlaps():
    windows = windows_back(date(2017, 1, 1), date(2017, 3, 15), 31)
    assert windows[0] == (date(2017, 2, 13), date(2017, 3, 15))
    assert windows[-1][0] == date(2017, 1, 1)
    for (start, _), (_, end) in zip(windows, windows[1:], strict=False):
        assert (start - end).days == 1
    assert sum((e - s).days + 1 for s, e in windows) == (date(2017, 3, 15) - date(2017, 1, 1)).days + 1


def test_a_range_of_one_day_is_one_window():
    assert windows_back(date(2020, 5, 5), date(2020, 5, 5), 7) == [(date(2020, 5, 5), date(2020, 5, 5))]
    assert windows_back(date(2020, 5, 6), date(2020, 5, 5), 7) == []


def test_placeholders_take_a_strftime_format():
    url = "https://s.example/?q=x&ds={since:%Y.%m.%d}&de={until:%Y.%m.%d}&nso=p:from{since:%Y%m%d}to{until:%Y%m%d}"
    assert fill_window(url, date(2017, 1, 2), date(2017, 2, 1)) == (
        "https://s.example/?q=x&ds=2017.01.02&de=2017.02.01&nso=p:from20170102to20170201")
    assert fill_window("https://s.example/?a={since}&b={until}", date(2017, 1, 2), date(2017, 1, 3)) == (
        "https://s.example/?a=2017-01-02&b=2017-01-03")
    assert latest_window(date(2024, 3, 31), 31) == (date(2024, 3, 1), date(2024, 3, 31))


@pytest.mark.parametrize(("url", "problem"), [
    ("https://s.example/?a={since}", "{until} is missing"),
    ("https://s.example/?a={since:xx}&b={until}", "writes no part of the date"),
])
def test_bad_templates_are_named(url, problem):
    assert problem in (check_window_template(url) or "")


@pytest.mark.parametrize(("text", "expected"), [
    ("홍길동 기자 2024.05.20 10:30", date(2024, 5, 20)),
    ("입력 2019-11-03", date(2019, 11, 3)),
    ("2021/1/9", date(2021, 1, 9)),
    ("2022년 3월 4일 (금)", date(2022, 3, 4)),
    ("조회수 2024", None),
    ("2024.13.40 2023.02.01", date(2023, 2, 1)),
])
def test_the_date_a_list_row_prints(text, expected):
    assert row_date(text) == expected
