"""Every number of the configuration is finite and within a sane range, checked when the file is read.

TOML has ``nan`` and ``inf``, and nothing stops ``1e300``: before, such values passed the check and
crashed a run later (a timer, a date window) or were silently taken (``dedupe_threshold = nan``).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from ai_news_tracker.config import (
    LOOKBACK_MOST_DAYS,
    SEEN_INDEX_DAYS,
    EmailConfig,
    FetchConfig,
    FilterConfig,
    LeaderboardConfig,
    ReportConfig,
    SourceConfig,
    SummarizerConfig,
    load_config,
    parse_config,
)
from ai_news_tracker.errors import ConfigError

SECTIONS: dict[str, type[Any]] = {
    "report": ReportConfig,
    "filter": FilterConfig,
    "sources": SourceConfig,
    "leaderboard": LeaderboardConfig,
    "summarizer": SummarizerConfig,
    "email": EmailConfig,
    "fetch": FetchConfig,
}
# Every number of every section, found from the dataclasses: a key added later is covered too.
NUMBERS = [
    (section, f.name, typing.get_type_hints(cls)[f.name])
    for section, cls in SECTIONS.items()
    for f in dataclasses.fields(cls)
    if typing.get_type_hints(cls)[f.name] in (int, float)
]
FLOATS = [(section, key) for section, key, hint in NUMBERS if hint is float]


def _with(section: str, key: str, value: object) -> dict[str, Any]:
    if section == "sources":  # pragma: no cover - a source has no number today
        return {"sources": [{"name": "a", "url": "https://a.example/", key: value}]}
    if section == "summarizer":  # under a provider that uses every key (extractive refuses a model's)
        return {section: {"provider": "bedrock", "model": "m", key: value}}
    return {section: {key: value}}


def _error(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    return caught.value


def test_every_section_has_numbers_to_check() -> None:
    assert {"report", "filter", "leaderboard", "summarizer", "fetch"} <= {s for s, _, _ in NUMBERS}
    assert ("report", "dedupe_threshold") in FLOATS and ("fetch", "deadline") in FLOATS


@pytest.mark.parametrize(("section", "key", "hint"), NUMBERS, ids=[f"{s}.{k}" for s, k, _ in NUMBERS])
def test_a_huge_number_is_named(section: str, key: str, hint: type) -> None:
    # Given a number far beyond any sensible value (an extra zero or three, or 1e300)
    huge = 10**12 if hint is int else 1e300
    # When the configuration is read, Then the key is named with its largest value
    error = _error(_with(section, key, huge))
    assert error.key == f"{section}.{key}"
    assert "must be at most" in str(error)


@pytest.mark.parametrize(("section", "key", "hint"), NUMBERS, ids=[f"{s}.{k}" for s, k, _ in NUMBERS])
@pytest.mark.parametrize("sign", [1, -1], ids=["positive", "negative"])
def test_an_integer_too_large_for_a_float_is_named_in_one_short_line(
    section: str, key: str, hint: type, sign: int
) -> None:
    # Given an integer of 401 digits (TOML's integers have no size limit in tomllib)
    error = _error(_with(section, key, sign * 10**400))
    # Then the key is named, and the message says how large the number is without printing it
    assert error.key == f"{section}.{key}"
    assert len(str(error)) < 200 and "\n" not in str(error) and "0" * 30 not in str(error)
    assert sign < 0 or "about 401 digits" in str(error)


def test_an_integer_of_twenty_digits_is_given_by_its_size_too() -> None:
    error = _error({"report": {"max_items": 10**19}})
    assert str(error).endswith("got an integer of about 20 digits")


@pytest.mark.parametrize(("section", "key"), FLOATS, ids=[f"{s}.{k}" for s, k in FLOATS])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_number_that_is_not_finite_is_named(section: str, key: str, value: float) -> None:
    error = _error(_with(section, key, value))

    assert error.key == f"{section}.{key}"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[fetch]\ndeadline = inf\n", "fetch.deadline"),
        ("[fetch]\ndeadline = 1e300\n", "fetch.deadline"),
        ("[fetch]\nconnect_timeout = nan\n", "fetch.connect_timeout"),
        ('[summarizer]\nprovider = "bedrock"\nmodel = "m"\ntimeout = nan\n', "summarizer.timeout"),
        ("[report]\nlookback_hours = 100000000\n", "report.lookback_hours"),
        ("[report]\ndedupe_threshold = nan\n", "report.dedupe_threshold"),
        ("[filter]\nthreshold = -1e300\n", "filter.threshold"),
        ('[filter.weights]\n"手机" = -1e300\n', 'filter.weights."手机"'),
        (f"[report]\nmax_items = 1{'0' * 400}\n", "report.max_items"),
        (f"[fetch]\ndeadline = 1{'0' * 400}\n", "fetch.deadline"),
        (f'[filter.weights]\n"手机" = -1{"0" * 400}\n', 'filter.weights."手机"'),
    ],
)
def test_the_reviewers_values_are_refused_from_toml(tmp_path: Path, toml: str, key: str) -> None:
    # Given a TOML file with one of the values that crashed a run (TOML spells nan and inf)
    path = tmp_path / "c.toml"
    path.write_text(toml, encoding="utf-8")
    # Then reading it names the key
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == key


def test_generous_values_are_still_accepted() -> None:
    config = parse_config(
        {
            "report": {"lookback_hours": 24 * 90, "max_items": 1_000, "dedupe_threshold": 1.5},
            "filter": {"threshold": -50, "weights": {"手机": -100}},
            "leaderboard": {"max_age_days": 3 * 365},
            "summarizer": {"provider": "bedrock", "model": "m", "timeout": 900},
            "fetch": {"deadline": 3600, "connect_timeout": 60.0, "retries": 10, "max_bytes": 10**9},
        }
    )

    assert config.report.lookback_hours == 2_160  # a first edition of every item of a quarter
    assert config.fetch.deadline == 3600.0


# -- lookback_hours and the first-seen index ---------------------------------------------------------
REPO = Path(__file__).resolve().parents[2]


def test_the_longest_lookback_is_accepted_and_an_hour_more_refused_naming_why() -> None:
    most = 24 * LOOKBACK_MOST_DAYS
    assert parse_config({"report": {"lookback_hours": most}}).report.lookback_hours == most
    # Given a first edition asked to look further back than the first-seen index keeps, with a margin
    with pytest.raises(ConfigError) as caught:
        parse_config({"report": {"lookback_hours": most + 1}})
    # Then the configuration is refused, naming the key, its bound and the index's retention
    assert caught.value.key == "report.lookback_hours"
    assert f"at most {most}" in str(caught.value) and f"{SEEN_INDEX_DAYS} days" in str(caught.value)
    # And the first edition's scan (the lookback and a day) and the next one's rescan stay within it
    assert LOOKBACK_MOST_DAYS + 2 < SEEN_INDEX_DAYS


def test_the_seen_index_retention_is_the_raw_bucket_s_lifecycle_rule() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)  # CloudFormation's tags
    template = yaml.load((REPO / "template.yaml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    rules = [
        rule
        for resource in template["Resources"].values()
        for rule in ((resource.get("Properties") or {}).get("LifecycleConfiguration") or {}).get("Rules", [])
    ]
    (seen,) = [rule for rule in rules if rule["Id"] == "ExpireOldSeenIndex"]
    assert seen["Prefix"] == "seen/" and seen["Status"] == "Enabled"
    assert seen["ExpirationInDays"] == SEEN_INDEX_DAYS
