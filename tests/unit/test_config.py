"""The configuration: the contract's keys, their defaults, and one clear error per bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_news_tracker.config import LEADERBOARD_URLS, Config, load_config, parse_config
from ai_news_tracker.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def test_default_config_holds_the_real_sources() -> None:
    config = load_config(REPO / "config" / "default.toml")

    urls = {s.name: s.url for s in config.sources}
    assert urls == {
        "36Kr": "https://36kr.com/feed",
        "机器之心": "https://www.jiqizhixin.com/rss",
        "新智元": "https://plink.anyfeeder.com/weixin/AI_era",
    }
    assert config.leaderboard is not None
    assert config.report.title == "国产大模型日报"
    assert config.summarizer.provider == "extractive"


def test_contract_example_parses_with_its_defaults() -> None:
    config = parse_config(
        {
            "report": {"title": "国产大模型日报", "max_items": 30},
            "filter": {"include": ["大模型", "DeepSeek"], "exclude": []},
            "sources": [{"name": "36Kr", "url": "https://36kr.com/feed"}],
            "leaderboard": {"provider": "lmarena-history", "url": "https://example.com/scores.json"},
            "summarizer": {"provider": "extractive"},
            "email": {"enabled": False, "sender": "日报 <digest@example.com>", "recipients": []},
        }
    )

    assert config.report.timezone == "Asia/Shanghai"
    assert config.report.summary_chars == 300
    assert config.report.lookback_hours == 24
    assert config.report.key_points == 5
    assert config.filter.include == ("大模型", "DeepSeek")
    assert config.leaderboard is not None
    assert config.leaderboard.effective_category == "overall"


def test_empty_config_is_valid_and_frozen() -> None:
    config = parse_config({})

    assert config == Config()
    with pytest.raises(AttributeError):
        config.report.title = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ({"report": {"max_items": "30"}}, "report.max_items", "expected an integer"),
        ({"report": {"max_items": True}}, "report.max_items", "expected an integer"),
        ({"report": {"titel": "x"}}, "report.titel", "unknown key"),
        ({"reports": {}}, "reports", "unknown section"),
        ({"sorces": [{"name": "a", "url": "https://a/"}]}, "sorces", "unknown section"),
        ({"report": {"timezone": "Mars/Olympus"}}, "report.timezone", "unknown timezone"),
        ({"report": {"timezone": "Asia"}}, "report.timezone", "unknown timezone"),  # a folder of zones
        (
            {"sources": [{"name": "a", "url": "https://a/", "timezone": "Etc"}]},
            "sources[0].timezone",
            "unknown",
        ),
        ({"report": {"max_items": 0}}, "report.max_items", "at least 1"),
        ({"report": {"title": ""}}, "report.title", "must not be empty"),
        ({"report": {"title": "  "}}, "report.title", "must not be empty"),
        ({"report": {"title": "日报\nBcc: x@example.com"}}, "report.title", "one line of text"),
        ({"report": {"title": "日报\u2028"}}, "report.title", "one line of text"),
        ({"sources": [{"name": "a\tb", "url": "https://a/"}]}, "sources[0].name", "one line of text"),
        ({"sources": [{"name": "36Kr\u202e", "url": "https://a/"}]}, "sources[0].name", "U+202E"),
        ({"sources": [{"name": "\u2067机器之心", "url": "https://a/"}]}, "sources[0].name", "U+2067"),
        ({"sources": [{"name": "36\u200bKr", "url": "https://a/"}]}, "sources[0].name", "U+200B"),
        ({"leaderboard": {"name": "LM\u202aArena"}}, "leaderboard.name", "U+202A"),
        ({"report": {"title": "日报\ufeff"}}, "report.title", "U+FEFF"),
        ({"report": {"title": "日报 =?utf-8?q?x?="}}, "report.title", "RFC 2047"),
        ({"report": {"subtitle": "每日\u2069"}}, "report.subtitle", "U+2069"),
        ({"leaderboard": {"name": ""}}, "leaderboard.name", "must not be empty"),
        ({"filter": {"include": "大模型"}}, "filter.include", "list of strings"),
        ({"filter": {"include": ["a", 1]}}, "filter.include[1]", "expected a string, got an integer"),
        ({"email": {"recipients": ["a@example.com", ["b@example.com"]]}}, "email.recipients[1]", "a list"),
        ({"title": "x"}, "title", "unknown key outside any section (belongs in [report]?)"),
        ({"url": "https://a/"}, "url", "belongs in [[sources]] or [leaderboard]?"),
        ({"colour": "red"}, "colour", "unknown key outside any section"),
        ({"sources": [{"name": "a"}]}, "sources[0].url", "missing"),
        ({"sources": [{"name": "a", "url": "ftp://x/feed"}]}, "sources[0].url", "http(s) URL"),
        ({"sources": [{"name": "a", "url": "http://[::1/feed.xml"}]}, "sources[0].url", "http(s) URL"),
        ({"sources": [{"name": "a", "url": "http://127.0.0.1:99999/f"}]}, "sources[0].url", "http(s) URL"),
        ({"sources": [{"name": "a", "url": "http://exa mple.com/feed"}]}, "sources[0].url", "http(s) URL"),
        ({"sources": [{"name": "a", "url": "http://example.com\t/feed"}]}, "sources[0].url", "http(s) URL"),
        ({"sources": [{"name": "a", "url": "http://:80/feed"}]}, "sources[0].url", "http(s) URL"),
        ({"leaderboard": {"url": "https://[fe80::1/x.json"}}, "leaderboard.url", "http(s) URL"),
        ({"report": {"site_url": "https://example.com:0x50/"}}, "report.site_url", "http(s) URL"),
        # an invisible or bidi character pasted with the address: the feed linked it, the page and the
        # email (which link only what reads as written) linked nothing
        ({"report": {"site_url": "https://news.example.cn\u200b"}}, "report.site_url", "U+200B"),
        ({"report": {"site_url": "https://news.example.cn/\u2060"}}, "report.site_url", "U+2060"),
        ({"report": {"site_url": "https://news.example.cn/\u202e"}}, "report.site_url", "U+202E"),
        ({"report": {"subscribe_url": "https://api.example.cn/\u00ad"}}, "report.subscribe_url", "U+00AD"),
        # a backslash before the path: a browser reads a slash, a client may not
        (
            {"sources": [{"name": "a", "url": "https://evil.example\\@36kr.com/feed"}]},
            "sources[0].url",
            "URL",
        ),
        # user info where the editions link the URL: they refuse a link with it
        ({"report": {"site_url": "https://user@news.example.com"}}, "report.site_url", "without user info"),
        (
            {"report": {"subscribe_url": "https://u@api.example.com/subscribe"}},
            "report.subscribe_url",
            "user info",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/"}, {"name": "a", "url": "https://b/"}]},
            "sources[1].name",
            "duplicate",
        ),
        (
            {"sources": [{"name": "36Kr", "url": "https://a/"}, {"name": "36Kr ", "url": "https://b/"}]},
            "sources[1].name",
            "duplicate",
        ),
        (
            {"sources": [{"name": "LM Arena", "url": "https://a/"}], "leaderboard": {}},
            "sources[0].name",
            "the leaderboard is named 'LM Arena' too",
        ),
        (
            {"sources": [{"name": "a", "url": "https://a/", "colour": "red"}]},
            "sources[0].colour",
            "unknown key",
        ),
        ({"leaderboard": {"provider": "chatbot-arena"}}, "leaderboard.provider", "one of"),
        ({"summarizer": {"provider": "gpt"}}, "summarizer.provider", "one of"),
        ({"email": {"enabled": "yes"}}, "email.enabled", "true or false"),
        ({"email": {"recipients": ["not-an-address"]}}, "email.recipients[0]", "not an email address"),
        ({"email": {"sender": "nobody"}}, "email.sender", "not an email address"),
        ({"email": {"sender": "日报 <digest@例子.中国>"}}, "email.sender", "not an email address"),
        ({"email": {"recipients": ["读者@example.com"]}}, "email.recipients[0]", "not an email address"),
        # what the mailer cannot address a mail to: a sentence's full stop after it, dots doubled or at an end
        ({"email": {"sender": "日报 <digest@example.com.>"}}, "email.sender", "not an email address"),
        ({"email": {"sender": "日报 <digest@example..com>"}}, "email.sender", "not an email address"),
        ({"email": {"recipients": ["reader@example.com."]}}, "email.recipients[0]", "not an email address"),
        ({"email": {"recipients": ["reader@gmail..com"]}}, "email.recipients[0]", "not an email address"),
        ({"email": {"recipients": [".reader@example.com"]}}, "email.recipients[0]", "not an email address"),
        ({"email": {"recipients": ["reader.@example.com"]}}, "email.recipients[0]", "not an email address"),
        # an RFC 2047 encoded word's shape in either part, which the email package decodes and refuses
        ({"email": {"recipients": ["=?utf-8?q?x?=@example.org"]}}, "email.recipients[0]", "not an email"),
        ({"email": {"sender": "日报 <digest@=?utf-8?q?x?=.com>"}}, "email.sender", "not an email address"),
        ({"fetch": {"article_fetches": -1}}, "fetch.article_fetches", "must not be negative"),
        ({"fetch": {"read_timeout": 0}}, "fetch.read_timeout", "positive"),
        ({"fetch": {"max_retry_after": -1}}, "fetch.max_retry_after", "must not be negative"),
        ({"report": {"dedupe_threshold": -0.1}}, "report.dedupe_threshold", "must not be negative"),
        ({"report": {"key_points": -1}}, "report.key_points", "must not be negative"),
        ({"leaderboard": {"top_n": 0}}, "leaderboard.top_n", "at least 1"),
        ({"leaderboard": {"domestic_n": 0}}, "leaderboard.domestic_n", "at least 1"),
        ({"leaderboard": {"max_age_days": 0}}, "leaderboard.max_age_days", "at least 1"),
        ({"sources": [{"name": "a", "url": "https://example.com:0/feed"}]}, "sources[0].url", "http(s) URL"),
        # a line break in an address header would add headers of its own (Bcc:) to every mail
        (
            {"email": {"sender": "日报 <digest@example.com>\r\nBcc: x@example.org"}},
            "email.sender",
            "not an email address",
        ),
        ({"email": {"sender": "digest@example.com\n"}}, "email.sender", "not an email address"),
        ({"email": {"recipients": ["a@example.com\x00"]}}, "email.recipients[0]", "not an email address"),
        (
            {"email": {"recipients": ["a@example.com\rBcc: x@example.org"]}},
            "email.recipients[0]",
            "not an email address",
        ),
        ({"sources": {"name": "a"}}, "sources", "[[sources]]"),
    ],
)
def test_bad_key_is_named(data: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)

    assert caught.value.key == key
    assert key in str(caught.value)
    assert words in str(caught.value)
    assert str(caught.value).isprintable()  # one line, no raw control or bidi character reordering it


def test_invalid_toml_and_missing_file_are_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[report\ntitle = 1", encoding="utf-8")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml")


def test_a_file_saved_as_utf8_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    # Given a configuration saved as "UTF-8 with BOM" (Windows PowerShell 5's Set-Content -Encoding UTF8,
    # older Notepad), every line of it valid
    config = tmp_path / "config.toml"
    config.write_bytes('\ufeff[report]\ntitle = "国产大模型日报"\n'.encode())
    # When it is loaded, Then the mark is read as nothing (it was "not valid TOML: Invalid statement (at
    # line 1, column 1)" of a line that is valid)
    assert load_config(config).report.title == "国产大模型日报"


@pytest.mark.parametrize("value", ["[" * 2000 + "]" * 2000, "{a = " * 2000 + "1" + "}" * 2000])
def test_values_nested_past_the_parsers_limit_are_a_config_error(tmp_path: Path, value: str) -> None:
    # Given a configuration file whose one value nests arrays or inline tables 2,000 deep (8 KB)
    deep = tmp_path / "deep.toml"
    deep.write_text(f"x = {value}\n", encoding="utf-8")
    # When it is loaded, Then it is the one-line configuration error, not a RecursionError's traceback
    with pytest.raises(ConfigError, match="not valid TOML: values nested too deeply"):
        load_config(deep)


@pytest.mark.parametrize("provider", ["lmarena-history", "arena-catalog"])
def test_a_leaderboard_without_url_reads_its_providers_own_file(provider: str) -> None:
    # Given a [leaderboard] that names its provider only
    board = parse_config({"leaderboard": {"provider": provider}}).leaderboard
    # Then the file fetched is that provider's, and a url given still wins
    assert board is not None and board.url == LEADERBOARD_URLS[provider]
    assert board.url.endswith("leaderboard-text.json" if provider == "arena-catalog" else "scores.json")
    given = parse_config({"leaderboard": {"provider": provider, "url": "https://mirror.example/x.json"}})
    assert given.leaderboard is not None and given.leaderboard.url == "https://mirror.example/x.json"


def test_integer_is_accepted_where_a_number_is_expected() -> None:
    assert parse_config({"fetch": {"read_timeout": 3}}).fetch.read_timeout == 3.0


def test_a_feed_behind_basic_auth_is_fetched_and_its_password_never_shown() -> None:
    # Given a private feed and leaderboard whose URLs carry user info
    config = parse_config(
        {
            "sources": [{"name": "私有", "url": "https://reader:s3cret@rsshub.example.org/feed"}],
            "leaderboard": {"url": "https://reader:s3cret@raw.example.org/scores.json"},
        }
    )
    # Then they are taken, as before
    assert config.sources[0].url == "https://reader:s3cret@rsshub.example.org/feed"
    # and an error about such a URL does not repeat the password
    with pytest.raises(ConfigError) as refused:
        parse_config({"sources": [{"name": "a", "url": "https://reader:s3cret@rsshub.example.org:99999/f"}]})
    assert "s3cret" not in str(refused.value) and "***@rsshub.example.org" in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://bridge.example/feed/1.xml?access_token=S3CR3T",
        "https://bridge.example:99999/feed?key=S3CR3T&format=rss#S3CR3T",
        "bridge.example/feed?S3CR3T",
        "https://bridge.example/feeds/ai.xml?user=me@example.org&access_token=S3CR3T ",  # an @ in the query
    ],
)
def test_an_error_about_a_feed_url_does_not_repeat_the_key_in_its_query(url: str) -> None:
    # Given a configured feed URL that cannot be fetched and carries a bridge's access key
    with pytest.raises(ConfigError) as refused:
        parse_config({"sources": [{"name": "桥", "url": url}]})
    # Then the error names the key and the URL's host, but shows no key
    message = str(refused.value)
    assert "sources[0].url" in message and "bridge.example" in message
    assert "S3CR3T" not in message and "***" in message


@pytest.mark.parametrize(
    "url",
    ["https://bob:pa/ss@exa mple.com/feed", "https://bob:pa#ss@ex.com:70000/", "https://bob:p@ss:1@e .com/"],
)
def test_a_refused_url_never_shows_a_password_whatever_it_holds(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config({"sources": [{"name": "a", "url": url}]})
    assert (
        "pa/ss" not in str(refused.value)
        and "pa#ss" not in str(refused.value)
        and "ss:1" not in str(refused.value)
    )
