"""Configuration: every mistake is one line naming the file, the line and the key; presets expand."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.presets import preset_names
from planwatch.config import Config, ConfigError, load_config, parse_config

GOOD = """\
[crawl]
concurrency = 4
allow_private_addresses = false

[[source]]
name = "kyeongin"
preset = "ndsoft"
url = "https://www.kyeongin.com"

[[source]]
name = "portal-search"
type = "search"
url = "https://search.example.kr/news?q={query}&p={page}"
queries = ["4차 산업혁명 종합계획", "4차산업혁명위원회"]
article_links = "a.news_tit"
schedule = "0 */2 * * *"

[digest]
recipients = ["team@example.kr"]
timezone = "Asia/Seoul"
"""


def error_of(text: str, tmp_path: Path) -> str:
    path = tmp_path / "planwatch.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(f"{path}:"), message
    return message.removeprefix(f"{path}:")


def test_good_config_loads_and_expands_presets(tmp_path: Path) -> None:
    path = tmp_path / "planwatch.toml"
    path.write_text(GOOD, encoding="utf-8")
    config = load_config(str(path))
    kyeongin = config.find_source("kyeongin")
    assert kyeongin is not None
    assert kyeongin.type == "feed"
    assert kyeongin.url == "https://www.kyeongin.com/rss/allArticle.xml"
    assert kyeongin.article_url_pattern is not None and "idxno" in kyeongin.article_url_pattern
    assert kyeongin.selectors["body"] == "#article-view-content-div"
    assert config.crawl.concurrency == 4 and config.crawl.per_domain == 2
    assert [s.name for s in config.sources] == ["kyeongin", "portal-search"]


def test_preset_listing_and_overrides(tmp_path: Path) -> None:
    config = parse_config(
        """
[[source]]
name = "list"
preset = "ndsoft"
type = "listing"
url = "https://www.joongboo.com/"
selectors = { body = "div.custom-body" }
article_links = "ul.mine a"
"""
    )
    source = config.sources[0]
    assert source.url == "https://www.joongboo.com/news/articleList.html?page={page}&view_type=sm"
    assert source.article_links == "ul.mine a"  # the source's own key wins
    assert source.selectors["body"] == "div.custom-body"
    assert source.selectors["title"]  # the preset's other selectors stay


def test_preset_keeps_a_full_url() -> None:
    config = parse_config(
        '[[source]]\nname = "s"\npreset = "ndsoft"\nurl = "https://www.kgnews.co.kr/rss/S1N1.xml"\n'
    )
    assert config.sources[0].url == "https://www.kgnews.co.kr/rss/S1N1.xml"


@pytest.mark.parametrize(
    "text, line, key, words",
    [
        ('[crawl]\nconcurency = 3\n', 2, "crawl.concurency", "Extra inputs are not permitted"),
        ('[crawl]\nconcurrency = "many"\n', 2, "crawl.concurrency", "valid integer"),
        ('\n[[source]]\nname = "a"\ntype = "feed"\nurl = "ftp://example.kr/rss"\n', 5, "source[a].url", "http://"),
        (
            '[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/rss"\nschedule = "61 * * * *"\n',
            5,
            "source[a].schedule",
            "invalid cron expression",
        ),
        ('[digest]\nrecipients = ["a@example.kr"]\ntimezone = "Asia/Pyongyang-ish"\n', 3, "digest.timezone",
         "unknown time zone"),
        ('[digest]\nrecipients = ["not-an-address"]\n', 2, "digest.recipients", "not a valid e-mail address"),
        ('[[source]]\nname = "a"\npreset = "wordpress-ko"\nurl = "https://example.kr"\n', 3, "source[a].preset",
         "unknown preset 'wordpress-ko' (known presets: " + ", ".join(preset_names()) + ")"),
        ('[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/rss"\n\n'
         '[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/rss2"\n', 7, "source[a].name",
         "two sources are named 'a' (first defined on line 2)"),
        ('[[source]]\nname = "a"\ntype = "listing"\nurl = "https://example.kr/list"\n', 1, "source[a]",
         "needs 'article_links'"),
        ('[[source]]\nname = "a"\ntype = "search"\nurl = "https://example.kr/s"\nqueries = ["x"]\n'
         'article_links = "a"\n', 1, "source[a]", "must contain {query}"),
        ('[[source]]\nname = "a"\ntype = "listing"\nurl = "https://example.kr/l"\narticle_links = "a[[["\n', 5,
         "source[a].article_links", "neither a CSS selector nor an XPath"),
        ('[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/r"\nencoding = "euc-kr-x"\n', 5,
         "source[a].encoding", "unknown encoding"),
        ('[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/r"\n'
         'allowed_domains = ["https://example.kr/"]\n', 5, "source[a].allowed_domains", "not a host name"),
        ('[[source]]\nname = "bad name"\ntype = "feed"\nurl = "https://example.kr/r"\n', 2, "source[bad name].name",
         "should match pattern"),
        ('[[source]]\nname = "a"\npreset = "article-php"\ntype = "sitemap"\nurl = "https://example.kr"\n', 1,
         "source[a]", "knows no sitemap page"),
        ('[crawl]\nper_domain = 40\n', 2, "crawl.per_domain", "less than or equal to 16"),
    ],
)
def test_each_mistake_is_one_line_with_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    message = error_of(text, tmp_path)
    assert message.startswith(f"{line}: {key}: "), message
    assert words in message, message


def test_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    message = error_of('[crawl]\nconcurrency = = 3\n', tmp_path)
    assert "line 2" in message


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(str(tmp_path / "nope.toml"))


def test_defaults_are_polite() -> None:
    crawl = Config().crawl
    assert crawl.obey_robots and crawl.autothrottle
    assert crawl.per_domain <= 2
    assert not crawl.allow_private_addresses
    assert "planwatch" in crawl.user_agent


def test_shipped_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    config = load_config(str(root / "planwatch" / "default_config.toml"))
    types = {s.type for s in config.sources}
    assert {"feed", "search"} <= types
    assert len(config.sources) >= 5
    assert not config.crawl.allow_private_addresses


# --- durations out of range (every one, through the command line too) ---------------------------------

DURATION_KEYS = [
    ("service", "jitter"), ("service", "misfire_grace"), ("service", "crawl_timeout"), ("service", "shutdown_timeout"),
    ("service", "failing_after"), ("service", "default_schedule"), ("service", "housekeeping"),
    ("service", "digest_schedule"), ("digest", "silent_after"), ("digest", "retry_after"),
    ("distributed", "idle_timeout"), ("distributed", "lease"), ("distributed", "article_ttl"),
    ("distributed", "round_ttl"),
]


@pytest.mark.parametrize(("section", "key"), DURATION_KEYS)
def test_every_duration_beyond_ten_years_is_one_line_naming_file_line_and_key(
        tmp_path: Path, section: str, key: str) -> None:
    message = error_of(f'[{section}]\n{key} = "999999999d"\n', tmp_path)
    assert message == f"2: {section}.{key}: must be at most 3650d (ten years), got '999999999d'", message


def test_a_source_schedule_beyond_ten_years_is_refused(tmp_path: Path) -> None:
    message = error_of('[[source]]\nname = "a"\ntype = "feed"\nurl = "https://example.kr/r"\nschedule = "99999w"\n',
                       tmp_path)
    assert message.startswith("5: source[a].schedule: must be at most 3650d (ten years)"), message


def test_keep_raw_days_beyond_ten_years_fails_sources_check(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "planwatch.toml"
    path.write_text('[service]\nhousekeeping = "1d"\nkeep_raw_days = 999999999\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "planwatch", "--config", str(path), "sources", "--check"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: {path}:3: service.keep_raw_days: Input should be less than or equal "
                                   "to 3650"), done.stderr
    path.write_text('[service]\nkeep_raw_days = 3650\n', encoding="utf-8")  # ten years is still a valid choice
    kept = subprocess.run([sys.executable, "-m", "planwatch", "--config", str(path), "sources", "--check"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert kept.returncode == 0, kept.stderr


def test_one_time_zone_for_everything_a_person_reads(tmp_path: Path) -> None:
    one = parse_config('[digest]\ntimezone = "Asia/Tokyo"\n', "planwatch.toml")
    assert one.digest.timezone == one.service.timezone == "Asia/Tokyo"
    other = parse_config('[service]\ntimezone = "UTC"\n', "planwatch.toml")
    assert other.digest.timezone == other.service.timezone == "UTC"
    both = parse_config('[digest]\ntimezone = "UTC"\n[service]\ntimezone = "UTC"\n', "planwatch.toml")
    assert both.digest.timezone == "UTC"
    path = tmp_path / "planwatch.toml"
    path.write_text('[digest]\ntimezone = "Asia/Seoul"\n\n[service]\ntimezone = "UTC"\n', "utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    message = str(err.value)
    assert "\n" not in message and "differ" in message and str(path) in message
