"""Configuration mistakes, section by section: one line naming the file, the line and the key.

``tests/test_config.py`` covers the crawler's own cases (presets, selectors, sources).
This file goes through every section ([crawl], [[source]], [smtp], [digest], [service],
[distributed]) with the mistakes people make: a misspelt key (with the key it probably
meant), a wrong type, a URL of the wrong kind or with a password in it, a cron
expression that does not parse or never fires, an unknown time zone, a bad e-mail
address, a value with a line break, a broken TOML line. The message must be one line
of the form ``FILE:LINE: KEY: what is wrong``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from planwatch.config import ConfigError, load_config

SOURCE = '[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/rss"\n'  # key lines 2-4; line 5 is next

CASES = [
    # -- [crawl] ---------------------------------------------------------------------------
    ("[crawl]\nuser_agent = 5\n", 2, "crawl.user_agent", "valid string"),
    ("[crawl]\ndelay = -1\n", 2, "crawl.delay", "greater than or equal to 0"),
    ('[crawl]\ntimeout = "30s"\n', 2, "crawl.timeout", "valid number"),
    ("[crawl]\nmax_page_bytes = 10\n", 2, "crawl.max_page_bytes", "greater than or equal to 1024"),
    ("[crawl]\nobey_robots = 3\n", 2, "crawl.obey_robots", "valid boolean"),
    ("[crawl]\nconcurrency = 4\nconcurency = 3\n", 3, "crawl.concurency", "did you mean 'concurrency'?"),
    ("\n\n[crawl]\nretries = [1]\n", 4, "crawl.retries", "valid integer"),
    # -- [[source]] --------------------------------------------------------------------------
    (SOURCE + 'urls = ["x"]\n', 5, "source[a].urls", "did you mean 'url'?"),
    (SOURCE.replace('"feed"', '"rss"'), 3, "source[a].type", "'feed', 'sitemap', 'listing', 'search' or 'board'"),
    (SOURCE.replace("https://example.kr/rss", "file:///etc/passwd"), 4, "source[a].url", "http:// or https://"),
    (SOURCE.replace("https://example.kr/rss", "javascript:alert(1)"), 4, "source[a].url", "http:// or https://"),
    (SOURCE.replace("https://example.kr/rss", "https://exa mple.kr/rss"), 4, "source[a].url", "spaces"),
    (SOURCE + 'schedule = "every day"\n', 5, "source[a].schedule", "cron expression like"),
    (SOURCE + 'schedule = "0 0 31 2 *"\n', 5, "source[a].schedule", "never fires"),
    (SOURCE + 'schedule = "*/0 * * * *"\n', 5, "source[a].schedule", "invalid cron expression"),
    (SOURCE + 'schedule = "0s"\n', 5, "source[a].schedule", "at least 1s"),
    (SOURCE + 'include = ["news/(a"]\n', 5, "source[a].include", "not a valid regular expression"),
    (SOURCE + 'article_url_pattern = "a{99999999999}"\n', 5, "source[a].article_url_pattern",
     "not a valid regular expression"),
    (SOURCE + "max_articles = 0\n", 5, "source[a].max_articles", "greater than or equal to 1"),
    (SOURCE + 'queries = "x"\n', 5, "source[a].queries", "valid list"),
    (SOURCE + 'selectors = "body"\n', 5, "source[a].selectors", "valid dictionary"),
    (SOURCE + "preset = []\n", 5, "source[a].preset", "valid string"),
    (SOURCE + 'allowed_domains = ["127.0.0.1/admin"]\n', 5, "source[a].allowed_domains", "not a host name"),
    (SOURCE + 'provinces = ["경기", "평안도"]\n', 5, "source[a].provinces", "'평안도' is not one of the 17 provinces"),
    (SOURCE + 'silent_after = "12h"\n', 5, "source[a].silent_after", "at least a day"),
    (SOURCE + 'list_items = "li[["\n', 5, "source[a].list_items", "neither a CSS selector nor an XPath"),
    ('[[source]]\nname = "a"\ntype = "search"\nqueries = ["q"]\n'
     'url = "https://example.kr/s?q={query}&from={since:%Y.%m.%d}"\n', 1, "source[a]",
     "{until} is missing"),
    (SOURCE.replace("https://example.kr/rss", "https://example.kr/rss?d={since}&e={until}"), 1, "source[a]",
     "only a listing, search or board source's url may hold a date window"),
    ('[[source]]\nname = "a"\ntype = "board"\nurl = "https://city.example.kr/list.do?page={page}"\n'
     'article_links = "td.subject a"\n', 1, "source[a]", "a board source needs selectors.body"),
    # -- [smtp] ------------------------------------------------------------------------------
    ('[smtp]\nurl = "http://mail.example.kr"\n', 2, "smtp.url", "smtp://user@host:587"),
    ('[smtp]\nurl = "smtp://user:secret@mail.example.kr:587"\n', 2, "smtp.url", "PLANWATCH_SMTP_PASSWORD"),
    ('[smtp]\nhost = "mail.example.kr"\n', 2, "smtp.host", "known keys: url, sender, reply_to"),
    ("[smtp]\ntimeout = 0\n", 2, "smtp.timeout", "greater than 0"),
    ('[smtp]\nsender = "planwatch"\n', 2, "smtp.sender", "needs an e-mail address"),
    ('[smtp]\nsender = "p <p@localhost>\\r\\nBcc: x@example.kr"\n', 2, "smtp.sender", "one line"),
    # -- [digest] ----------------------------------------------------------------------------
    ('[digest]\ndaily_at = "25:00"\n', 2, "digest.daily_at", "a time like '08:00'"),
    ('[digest]\nweekly_on = "monday"\n', 2, "digest.weekly_on", "'mon', 'tue'"),
    ('[digest]\nsilent_after = "3 days"\n', 2, "digest.silent_after", "a duration like"),
    ('[digest]\nrecipients = "a@example.kr"\n', 2, "digest.recipients", "valid list"),
    ('[digest]\nrecipients = ["a@example.kr", "b@"]\n', 2, "digest.recipients", "'b@' is not a valid e-mail address"),
    ('[digest]\nrecipients = ["a@example..kr"]\n', 2, "digest.recipients", "not a valid e-mail address"),
    ('[digest]\ntimezone = "KST"\n', 2, "digest.timezone", "unknown time zone 'KST'"),
    ('[digest]\ntimezone = "America"\n', 2, "digest.timezone", "unknown time zone 'America'"),
    ('[digest]\ntimezone = "../../../etc/passwd"\n', 2, "digest.timezone", "unknown time zone"),
    ('[digest]\ntimezone = "Asia/Seoul\\nX"\n', 2, "digest.timezone", "unknown time zone 'Asia/Seoul\\nX'"),
    ("[digest]\nreceipients = []\n", 2, "digest.receipients", "did you mean 'recipients'?"),
    # -- [service] ---------------------------------------------------------------------------
    ('[service]\ntimezone = "Seoul"\n', 2, "service.timezone", "unknown time zone 'Seoul'"),
    ('[service]\ntimezone = "' + "a" * 300 + '"\n', 2, "service.timezone", "unknown time zone"),
    ('[service]\ndefault_schedule = "*/0 * * * *"\n', 2, "service.default_schedule", "invalid cron expression"),
    ('[service]\ndigest_schedule = "0 25 * * *"\n', 2, "service.digest_schedule", "invalid cron expression"),
    ('[service]\ndigest_schedule = "0 8 30 2 *"\n', 2, "service.digest_schedule", "never fires"),
    ('[service]\nhousekeeping = "0.5s"\n', 2, "service.housekeeping", "cron expression like"),
    ('[service]\njitter = "-5m"\n', 2, "service.jitter", "a duration like"),
    ('[service]\ncrawl_timeout = "0s"\n', 2, "service.crawl_timeout", "at least 1s"),
    ("[service]\nparallel_crawls = 100\n", 2, "service.parallel_crawls", "less than or equal to 32"),
    ('[service]\nschedule = "1h"\n', 2, "service.schedule", "did you mean 'digest_schedule'?"),
    # -- [distributed] -----------------------------------------------------------------------
    ('[distributed]\nredis_url = "http://127.0.0.1:6379"\n', 2, "distributed.redis_url", "redis://host:6379/0"),
    ('[distributed]\nredis_url = "redis://:pw@127.0.0.1:6379/0"\n', 2, "distributed.redis_url",
     "PLANWATCH_REDIS_PASSWORD"),
    # -- the file as a whole -----------------------------------------------------------------
    ("[crawler]\nconcurrency = 3\n", 1, "crawler", "did you mean 'crawl'?"),
    ('crawl.concurrency = "x"\n', 1, "crawl.concurrency", "valid integer"),
    ("[crawl]\nconcurrency = 3\nconcurrency = 4\n", 3, "crawl.concurrency", "not valid TOML: Cannot overwrite a value"),
    ('[crawl]\nuser_agent = "a\nb"\n', 2, "crawl.user_agent", "not valid TOML"),
    ("[crawl]\ndelay = = 1\n", 2, "crawl.delay", "not valid TOML"),
    ('[service]\njitter = "1m"\n[service]\n', 3, "service", "not valid TOML"),
    ('[digest]\nrecipients = ["a@example.kr",\n', 2, "digest.recipients", "not valid TOML"),
    ("[crawl]\n[crawl.sub]\nx = 1\n", 2, "crawl.sub", "unknown key"),
    ('[[source]]\nname = 5\ntype = "feed"\nurl = "https://example.kr/rss"\n', 2, "source[1].name", "valid string"),
    ('x = 1\n\nsource = [{name = "a", type = "feed", url = "ftp://x"}]\n', 1, "x", "unknown key"),
    ('source = [{name = "a", type = "feed", url = "ftp://x"}]\n', 1, "source[a].url", "http:// or https://"),
]


@pytest.mark.parametrize("text, line, key, words", CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_mistake_is_one_line_with_file_line_and_key(tmp_path: Path, text: str, line: int, key: str, words: str) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"{path}:{line}: {key}: "), message
    assert words in message, message


def test_the_sections_are_all_covered() -> None:
    sections = {key.split(".")[0].split("[")[0] for _, _, key, _ in CASES}
    assert {"crawl", "source", "smtp", "digest", "service", "distributed"} <= sections


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_bytes("[crawl]\nuser_agent = '\xff'\n".encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert str(info.value).startswith(f"{path}: cannot read") and len(str(info.value).splitlines()) == 1


def test_a_good_sender_with_a_korean_name_loads(tmp_path: Path) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text('[smtp]\nsender = "플랜워치 <planwatch@example.kr>"\n', encoding="utf-8")
    assert load_config(str(path)).smtp.sender == "플랜워치 <planwatch@example.kr>"
