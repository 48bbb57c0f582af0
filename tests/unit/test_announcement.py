"""The edition's announcement on SNS: what its subscribers read, within SNS's 256 KB counted in UTF-8
bytes (moto counts characters, so only a measurement here catches a Chinese message that is too long)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from editions import plain_edition

from ai_news_tracker.aws import ANNOUNCED_POINTS_BYTES, Announcer, Settings, announcement
from ai_news_tracker.config import parse_config

SNS_MESSAGE_MAX = 256 * 1024  # bytes: the Message, its attributes and its subject together
SETTINGS = Settings("raw", "site", site_url="https://d111111abcdef8.cloudfront.net")


class Capture:
    """An SNS client that keeps what it is asked to publish."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, str]:
        self.published.append(request)
        return {"MessageId": "m1"}


def published(points: tuple[str, ...], title: str = "国产大模型日报") -> dict[str, Any]:
    client = Capture()
    edition = plain_edition(key_points=points, title=title)
    Announcer("arn:aws:sns:us-east-1:123456789012:editions", client).announce(announcement(SETTINGS, edition))  # type: ignore[arg-type]
    (request,) = client.published
    return request


def test_an_announcement_at_the_configurations_maximums_fits_sns_in_bytes_with_room_to_spare() -> None:
    # Given the most key points, each the longest, the configuration check accepts, in Chinese (3 bytes
    # a character in UTF-8), and the longest title one would plausibly set
    config = parse_config({"report": {"key_points": 100}, "summarizer": {"point_chars": 10_000}})
    points = tuple(f"{n}要点" + "模" * config.summarizer.point_chars for n in range(config.report.key_points))
    # When the day is announced
    request = published(points, title="国产大模型日报" * 1_000)
    # Then the whole message is well under SNS's limit in UTF-8 bytes
    size = len(request["Message"].encode("utf-8")) + len(request["Subject"].encode("utf-8"))
    assert size < SNS_MESSAGE_MAX // 2, size
    # And every subscriber still gets the day, its pages and the first points, in order
    body = json.loads(request["Message"])
    data = json.loads(body["lambda"])
    assert data["date"] == "2026-11-20" and data["html_url"].endswith("/reports/2026-11-20.html")
    assert data["key_points"][0].startswith("0要点模") and data["key_points"][1].startswith("1要点模")
    assert body["default"].startswith("2026-11-20 国产大模型日报") and "\n1. 0要点模" in body["default"]
    assert body["default"].endswith("https://d111111abcdef8.cloudfront.net/reports/2026-11-20.md")


def test_a_usual_announcement_carries_every_point_whole() -> None:
    # Given five points of 60 characters (the defaults)
    points = tuple(f"第 {n} 条要点：" + "国产模型发布" * 9 for n in range(1, 6))
    # When announced, Then each subscriber's copy has all five as written
    body = json.loads(published(points)["Message"])
    assert json.loads(body["sqs"])["key_points"] == list(points)
    assert all(f"{n}. {point}" in body["default"] for n, point in enumerate(points, 1))


def test_points_past_the_budget_are_left_out_from_the_first_that_does_not_fit() -> None:
    # Given a long first point, a short second, then points that take the budget, then short ones again
    points = ("长" * 400, "短要点", *("模" * 400 for _ in range(12)), "后面的短要点")
    # When announced
    kept = json.loads(json.loads(published(points)["Message"])["sqs"])["key_points"]
    # Then subscribers get the first points in order, and none after one left out (no gap in the list)
    assert 2 < len(kept) < len(points)
    assert kept == list(points[: len(kept)])


def test_subscribers_get_the_points_as_the_editions_print_them_and_no_blank_one() -> None:
    # Given a point carrying an ANSI escape and a bidi override, and one of bidi controls alone
    points = ("智谱\x1b[31m发布\u202eGLM-5\n新版", "\u202e\u2066", "第三条")
    # When announced
    body = json.loads(published(points, title="国产\u202e大模型日报")["Message"])
    # Then every copy gives the points cleaned, in order, without the blank one
    assert json.loads(body["sqs"])["key_points"] == ["智谱[31m发布GLM-5 新版", "第三条"]
    assert json.loads(body["sqs"])["title"] == "2026-11-20 国产大模型日报"
    assert "\n1. 智谱[31m发布GLM-5 新版\n2. 第三条\n" in body["default"]
    assert "\u202e" not in body["default"] and "\x1b" not in body["default"]


def test_links_in_feed_text_are_not_made_links_in_the_text_subscribers_read() -> None:
    # Given a key point that is a feed's title naming links (extractive points are titles)
    point = "访问 https://evil.example/login 或 www.evil.example 领取，域名转向了 evil.cn/x"
    # When the day is announced
    body = json.loads(published((point,))["Message"])
    # Then the text the topic's mail and SMS subscribers get holds none of them whole, as the email
    # edition's text holds none (a mail client or a phone links each to wherever the feed says)
    text = body["default"]
    assert [link for link in ("https://evil.example/", "www.evil", "evil.cn") if link in text] == []
    # And it reads as the feed wrote it, the edition's own link whole at its end; the JSON as written
    assert f"\n1. {point}\n" in text.replace("\u2060", "")
    assert text.endswith("https://d111111abcdef8.cloudfront.net/reports/2026-11-20.md")
    assert json.loads(body["sqs"])["key_points"] == [point]


def test_points_unlinked_in_the_text_keep_to_the_points_budget() -> None:
    # Given points of 500 characters each a host name's dots (a 3-byte WORD JOINER before every third)
    points = tuple("a.b" * 166 for _ in range(40))
    # When announced
    text = json.loads(published(points)["Message"])["default"]
    # Then the points the text carries, word joiners and all, take no more than the budget
    listed = text.split("\n\n")[1]
    assert 0 < len(listed.encode()) <= ANNOUNCED_POINTS_BYTES


@pytest.mark.parametrize(
    ("schedule", "report", "same"),
    [
        ("Asia/Shanghai", "Asia/Shanghai", True),
        ("Asia/Shanghai", "Asia/Chongqing", True),  # an alias: the same clocks, nothing to warn of
        ("Asia/Shanghai", "PRC", True),
        ("America/New_York", "America/Toronto", True),
        ("Asia/Shanghai", "Asia/Tokyo", False),
        ("Asia/Shanghai", "America/New_York", False),
        ("Europe/London", "Africa/Abidjan", False),  # the same offset half the year only
        ("Asia/Shanghai", "Nowhere/Zone", False),
        ("Asia", "Asia/Shanghai", False),  # a folder of zones (the city left out): no zone
    ],
)
def test_a_schedule_zone_is_the_report_s_when_it_keeps_the_same_clocks(
    schedule: str, report: str, same: bool
) -> None:
    from ai_news_tracker.service import same_clocks

    assert same_clocks(schedule, report, datetime(2026, 11, 20, tzinfo=UTC)) is same
