"""Leaderboard snapshots: parse a provider's file, rank its models, pick out the domestic ones.

Pure functions only: no I/O and no clock. The caller fetches the file, decides which day a snapshot
without a date stands for, and passes the edition's date in.

Two providers are understood:

``lmarena-history``
    ``{"yyyymmdd": {"text": {category: {model: score}}, "vision": {...}}}``. The newest snapshot is
    the largest date key (files are not ordered); keys that are not 8-digit dates are ignored.
``arena-catalog``
    ``{category: {model: {"rating": score, "rating_q975": ..., "rating_q025": ...}}}``. The file
    carries no date, so :attr:`Snapshot.snapshot_date` is ``None``; the caller dates it by its
    publisher (:func:`last_modified`, else :func:`commit_time` of its latest GitHub commit), else by
    the day a changed ranking (see :func:`ranking_fingerprint`) was first seen.

Ranking is by the exact score; the integer shown next to a model is :func:`display_score`, so two
models can show the same number and still hold different ranks. :func:`movements` compares the
domestic table with the one of the previous edition (↑ / ↓ / unchanged / new on the table).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import quote, unquote, urlencode, urlsplit

from .errors import InvalidLeaderboard, NotPublishedYet
from .models import Leaderboard, RankedModel
from .text import clean_text, collapse_whitespace, shorten, without_surrogates, without_unsafe_characters

LMARENA_HISTORY = "lmarena-history"
ARENA_CATALOG = "arena-catalog"
PROVIDERS = (LMARENA_HISTORY, ARENA_CATALOG)

_DATE_KEY = re.compile(r"[0-9]{8}")
_MAX_LISTED = 12  # category names listed in an error message
_LISTED_CHARS = 40  # of each
# Arena ratings are Elo-like scores in the low thousands: a score past this is a broken file, not a
# rating (and 1e29 could not even be shown: it would fail every later publish of the day's edition).
SCORE_LIMIT = 1_000_000


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The scores of one category of one leaderboard snapshot.

    ``snapshot_date`` is ``None`` when the file carries no date (``arena-catalog``); ``held_back`` is
    whether the file holds a newer snapshot dated after ``latest`` (:func:`parse_snapshot`), so that
    the same file read again once that day comes gives another ranking.
    """

    scores: dict[str, float]
    snapshot_date: date | None
    held_back: bool = False


def _developer(prefixes: tuple[str, ...], developer: str) -> tuple[re.Pattern[str], str]:
    # Anchored at the start of the name; the prefix must end at a separator, a digit or the end, so
    # "step-2" and "qwen3" match while "stepwise" and "seeder" do not.
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?:{alternatives})(?=[-_. /0-9]|\Z)", re.IGNORECASE | re.ASCII), developer


# Developers of Chinese ("domestic") models, one row per developer, checked in order.
DOMESTIC_DEVELOPERS: tuple[tuple[re.Pattern[str], str], ...] = (
    _developer(("deepseek",), "DeepSeek"),
    # Z-Image: Tongyi-MAI's image models; Wan: the video and image models of 通义万相 (wan2.5-t2i-preview)
    _developer(("qwen", "qwq", "qvq", "z-image", "wan"), "Alibaba"),
    _developer(("glm", "chatglm", "autoglm", "cogvlm", "cogvideox", "codegeex"), "Zhipu AI"),
    _developer(("kimi", "moonshot"), "Moonshot AI"),
    _developer(("minimax", "abab", "hailuo"), "MiniMax"),
    _developer(("step", "stepfun"), "StepFun"),
    _developer(("hunyuan", "hy"), "Tencent"),  # Hy: Hunyuan's 2026 name (hy3-preview, HY-Image-3.0)
    # Seed: image and video models too; Dola: BytePlus's name of the Seed models (dola-seed-2.0-preview);
    # Dreamina: 即梦 abroad (dreamina-seedance-1-0-pro)
    _developer(
        ("doubao", "seed", "seedream", "seedance", "seededit", "bagel", "dola", "dreamina"), "ByteDance"
    ),
    _developer(("ernie",), "Baidu"),
    _developer(("yi",), "01.AI"),
    _developer(("baichuan",), "Baichuan"),
    _developer(("spark", "iflytek"), "iFlytek"),
    _developer(("sensenova", "sensechat"), "SenseTime"),
    _developer(("internlm", "internvl", "intern-s"), "Shanghai AI Lab"),  # Intern-S: 书生's science models
    _developer(("mimo",), "Xiaomi"),
    _developer(("longcat",), "Meituan"),
    _developer(("ling", "ring"), "Ant Group"),
    _developer(("minicpm",), "ModelBest"),
    _developer(("pangu",), "Huawei"),
    _developer(("telechat",), "China Telecom"),
    _developer(("kat-coder", "kat-dev", "kwaipilot", "kling"), "Kuaishou"),
    _developer(("skywork",), "Kunlun Tech"),
    _developer(("360gpt", "360zhinao"), "Qihoo 360"),
    _developer(("xverse",), "XVERSE"),
    _developer(("dots.llm", "dots.vlm"), "Xiaohongshu"),
    _developer(("vidu",), "Shengshu"),
    _developer(("pixverse",), "AIsphere"),  # 爱诗科技's video models (pixverse-v5.6)
    _developer(("hidream",), "HiDream.ai"),  # 智象未来's image models (hidream-o1-image)
)

# The organisations of Chinese labs as a name's "org/" part spells them (Hugging Face's names, compared
# without case), where the org is not itself a model's name above ("deepseek-ai" and "Qwen" are).
DOMESTIC_ORGS: Mapping[str, str] = {
    "zai-org": "Zhipu AI",
    "thudm": "Zhipu AI",
    "zhipuai": "Zhipu AI",
    "moonshotai": "Moonshot AI",
    "minimaxai": "MiniMax",
    "stepfun-ai": "StepFun",
    "tencent": "Tencent",
    "tencent-hunyuan": "Tencent",
    "bytedance": "ByteDance",
    "bytedance-seed": "ByteDance",
    "baidu": "Baidu",
    "paddlepaddle": "Baidu",
    "01-ai": "01.AI",
    "baichuan-inc": "Baichuan",
    "opengvlab": "Shanghai AI Lab",
    "xiaomimimo": "Xiaomi",
    "meituan-longcat": "Meituan",
    "inclusionai": "Ant Group",
    "openbmb": "ModelBest",
    "tele-ai": "China Telecom",
    "kwaipilot": "Kuaishou",
    "kwai-kolors": "Kuaishou",
    "skywork": "Kunlun Tech",
    "qihoo360": "Qihoo 360",
    "xverse": "XVERSE",
    "rednote-hilab": "Xiaohongshu",
    "alibaba-nlp": "Alibaba",
    "alibaba-pai": "Alibaba",
    "tongyi-mai": "Alibaba",
    "wan-ai": "Alibaba",
}


def domestic_developer(model: str) -> str | None:
    """The developer of a Chinese model, by the start of its name; ``None`` for any other model.

    A name with an org part (``moonshotai/Kimi-K2-Instruct``) is decided by its org alone: a Chinese
    lab's (:data:`DOMESTIC_ORGS`, or an org named as its models are, ``deepseek-ai``), not another
    lab's derivative of a Chinese model (``unsloth/Qwen3-8B-GGUF``, as ``llava-…-qwen2`` is not)."""
    name = model.strip()
    org, slash, _ = name.partition("/")
    if slash and org:
        if org.isascii() and org.lower() in DOMESTIC_ORGS:
            return DOMESTIC_ORGS[org.lower()]
        name = org
    for pattern, developer in DOMESTIC_DEVELOPERS:
        if pattern.match(name):
            return developer
    return None


def parse_snapshot(provider: str, data: Any, category: str, latest: date | None = None) -> Snapshot:
    """The scores of ``category`` in the newest snapshot of a parsed (JSON) leaderboard file.

    A file of the wrong shape, with a NaN or infinite score, or with any entry of the category whose
    score is not a number (or is a boolean) or whose model has no name raises
    :class:`InvalidLeaderboard`: that entry might be the leader, so the others are never ranked as if it
    were not there (a partly migrated file would show a wrong #1 as fact).
    """
    if provider == LMARENA_HISTORY:
        return _parse_lmarena_history(data, category, latest)
    if provider == ARENA_CATALOG:
        return _parse_arena_catalog(data, category)
    raise InvalidLeaderboard(f"unknown leaderboard provider {provider!r} (known: {', '.join(PROVIDERS)})")


def _parse_lmarena_history(data: Any, category: str, latest: date | None) -> Snapshot:
    if not isinstance(data, Mapping):
        raise InvalidLeaderboard(f"leaderboard is {_describe(data)}, expected an object of dated snapshots")
    dated: list[tuple[date, str]] = []
    for key in data:
        if isinstance(key, str) and _DATE_KEY.fullmatch(key):
            try:
                dated.append((date(int(key[:4]), int(key[4:6]), int(key[6:])), key))
            except ValueError:
                continue  # eight digits but not a calendar day
    if not dated:
        raise InvalidLeaderboard("leaderboard has no dated snapshot (no yyyymmdd key)")
    # a snapshot dated after ``latest`` is no data yet: it would be shown as current, the real one hidden
    usable = [pair for pair in dated if latest is None or pair[0] <= latest]
    if not usable:
        raise NotPublishedYet(
            f"leaderboard has no snapshot dated by {latest} (its latest is dated {max(dated)[0]})"
        )
    snapshot_date, key = max(usable)
    snapshot = data[key]
    where = f"leaderboard snapshot {key}"
    if not isinstance(snapshot, Mapping):
        raise InvalidLeaderboard(f"{where} is {_describe(snapshot)}, expected an object")
    text = snapshot.get("text")
    if text is None:
        raise InvalidLeaderboard(f"{where} has no 'text' section (has: {_listing(snapshot)})")
    if not isinstance(text, Mapping):
        raise InvalidLeaderboard(f"{where} 'text' section is {_describe(text)}, expected an object")
    if category not in text:
        raise InvalidLeaderboard(f"{where} has no category {category!r} (has: {_listing(text)})")
    table = text[category]
    if not isinstance(table, Mapping):
        raise InvalidLeaderboard(f"{where} category {category!r} is {_describe(table)}, expected an object")
    scores = _scores(table.items(), f"{where} category {category!r}")
    return Snapshot(scores=scores, snapshot_date=snapshot_date, held_back=len(usable) < len(dated))


def _parse_arena_catalog(data: Any, category: str) -> Snapshot:
    if not isinstance(data, Mapping):
        raise InvalidLeaderboard(f"leaderboard is {_describe(data)}, expected an object of categories")
    if category not in data:
        raise InvalidLeaderboard(f"leaderboard has no category {category!r} (has: {_listing(data)})")
    table = data[category]
    where = f"leaderboard category {category!r}"
    if not isinstance(table, Mapping):
        raise InvalidLeaderboard(f"{where} is {_describe(table)}, expected an object")
    pairs = (
        (model, entry.get("rating") if isinstance(entry, Mapping) else None) for model, entry in table.items()
    )
    return Snapshot(scores=_scores(pairs, where), snapshot_date=None)


MODEL_NAME_MAX = 200  # characters: the longest names in the real files have under 60


def _scores(pairs: Iterable[tuple[Any, Any]], where: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    seen = 0
    unusable: list[tuple[Any, Any]] = []
    for model, value in pairs:
        seen += 1
        # a name shows as it reads: without invisible characters (one of them alone is no name, and
        # "deepseek-r1" with a zero-width space is "deepseek-r1"), and of a model's length at most
        if isinstance(model, str):
            name = collapse_whitespace(without_unsafe_characters(without_surrogates(model)))
        else:
            name = ""
        if len(name) > MODEL_NAME_MAX:
            raise InvalidLeaderboard(
                f"{where} has a model name of {len(name):,} characters"
                f" (at most {MODEL_NAME_MAX} characters): {_shown(name)}"
            )
        if not name or isinstance(value, bool) or not isinstance(value, int | float):
            unusable.append((model, value))
            continue
        try:
            score = float(value)
        except OverflowError:  # an integer too large for a float
            score = math.inf
        if not math.isfinite(score):
            raise InvalidLeaderboard(
                f"{where} has a score that is not a finite number for {_shown(model)}: {_shown(value)}"
            )
        if abs(score) > SCORE_LIMIT:
            raise InvalidLeaderboard(
                f"{where} has a score no rating has for {_shown(model)}: {_shown(value)}"
            )
        if (
            name in scores
        ):  # two names that read the same (surrogates, invisible characters): one would be lost
            raise InvalidLeaderboard(f"{where} has two models named {_shown(name)}")
        scores[name] = score
    if not scores:
        if seen == 0:
            raise InvalidLeaderboard(f"{where} is empty")
        raise InvalidLeaderboard(f"{where} has no numeric scores (among {seen} entries)")
    if unusable:
        model, value = unusable[0]
        raise InvalidLeaderboard(
            f"{where} has {len(unusable)} of {seen} entries without a model name or a numeric score"
            f" (first: {_shown(model)}: {_shown(value)})"
        )
    return scores


def _shown(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe(value: Any) -> str:
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (type(None), "null"),
        (bool, "a boolean"),
        ((int, float), "a number"),
        (str, "a string"),
        ((list, tuple), "a list"),
        (Mapping, "an object"),
    )
    for kind, description in kinds:
        if isinstance(value, kind):
            return description
    return type(value).__name__


def _listing(table: Mapping[Any, Any]) -> str:
    """The names of a file's keys for an error message: each on one line, cut to ``_LISTED_CHARS``."""
    names = sorted(shorten(clean_text(k), _LISTED_CHARS) for k in table)
    if not names:
        return "nothing"
    shown = ", ".join(names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f", ... {len(names) - _MAX_LISTED} more"
    return shown


def rank_models(scores: dict[str, float]) -> list[RankedModel]:
    """Every model with its 1-based position by exact score, highest first.

    Models with exactly the same score share a rank and the next one skips as many ("1, 2, 2, 4", as
    sports tables count); they are listed by model name. Scores that only *show* the same after
    rounding are not ties."""
    ordered = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))
    ranked: list[RankedModel] = []
    for position, (model, score) in enumerate(ordered, start=1):
        rank = ranked[-1].rank if ranked and ranked[-1].score == score else position
        ranked.append(RankedModel(rank=rank, model=model, score=score, developer=domestic_developer(model)))
    return ranked


def build_leaderboard(
    provider: str,
    scores: dict[str, float],
    snapshot_date: date,
    top_n: int,
    domestic_n: int,
    *,
    date_basis: str = "file",
    category: str | None = None,
    style_control: bool | None = None,
    source: str | None = None,
    other_source: str | None = None,
) -> Leaderboard:
    """The global top ``top_n`` and the best ``domestic_n`` domestic models, each with its global rank.

    ``date_basis`` says what ``snapshot_date`` is: the file's own date (``file``), its publisher's
    (``published``), or only the day it was first seen (``first_seen``), which the edition says.
    ``category`` is the ranking the scores are (``overall``, ``chinese``, ...), ``style_control`` whether
    they are style-controlled (:func:`style_control`), ``source`` the file it came from
    (:func:`source_id`), ``other_source`` that source's name when it is not the one configured."""
    if top_n < 0 or domestic_n < 0:
        raise ValueError(f"top_n and domestic_n must not be negative (got {top_n}, {domestic_n})")
    ranked = rank_models(scores)
    domestic = [row for row in ranked if row.developer is not None]
    return Leaderboard(
        provider=provider,
        snapshot_date=snapshot_date,
        global_top=tuple(ranked[:top_n]),
        domestic=tuple(domestic[:domestic_n]),
        models_ranked=len(scores),
        date_basis=date_basis,
        category=category,
        style_control=style_control,
        source=source,
        other_source=other_source,
    )


def latest_day(now: datetime) -> date:
    """The latest date anywhere on Earth at ``now`` (UTC+14, the Line Islands'): no data can be dated
    later (:func:`parse_snapshot`'s ``latest``)."""
    return (now.astimezone(UTC) + timedelta(hours=14)).date()


def display_score(score: float) -> int:
    """The score as shown: rounded to an integer, halves away from zero (1404.5 -> 1405).

    Rounds the exact binary value of the float (``Decimal(score)``), not its shortest decimal repr;
    unlike :func:`round`, a half never rounds to even.
    """
    if not math.isfinite(score):
        raise ValueError(f"cannot display a score that is not finite: {score!r}")
    # to_integral_value: exact at any size (quantize fails past the context's 28 digits)
    return int(Decimal(score).to_integral_value(rounding=ROUND_HALF_UP))


def snapshot_age_days(snapshot_date: date, edition_date: date) -> int:
    """Whole days from the snapshot to the edition (negative when the snapshot is newer)."""
    return (edition_date - snapshot_date).days


def is_stale(snapshot_date: date, edition_date: date, max_age_days: int) -> bool:
    """A snapshot is stale when it is more than ``max_age_days`` days older than the edition."""
    return snapshot_age_days(snapshot_date, edition_date) > max_age_days


def stale_days(snapshot_date: date, edition_date: date, max_age_days: int) -> int:
    """The snapshot's age in days when it is stale (:func:`is_stale`), else 0: what an edition warns of."""
    return (
        snapshot_age_days(snapshot_date, edition_date)
        if is_stale(snapshot_date, edition_date, max_age_days)
        else 0
    )


_STYLE_CONTROL = re.compile(r"style[-_]control", re.IGNORECASE)
_CATALOG_FILE = re.compile(r"leaderboard-[a-z0-9_-]+\.json", re.IGNORECASE)


def style_control(provider: str, url: str, category: str) -> bool | None:
    """Whether the ranking is style-controlled, as far as its source says; ``None`` when it does not.

    lmarena-history holds both rankings, a category and its ``…_style_control`` twin. arena-catalog
    publishes them as two files, ``leaderboard-text.json`` (without) and
    ``leaderboard-text-style-control.json``; a file of another name says nothing.
    """
    if _STYLE_CONTROL.search(category):
        return True
    if provider == LMARENA_HISTORY:
        return False
    if provider == ARENA_CATALOG:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        if _STYLE_CONTROL.search(name):
            return True
        return False if _CATALOG_FILE.fullmatch(name) else None
    return None


def source_id(provider: str, url: str, category: str) -> str:
    """Which configured source a stored snapshot was fetched from: provider, URL and category, as a
    digest (a URL may carry a password). A snapshot of another source is not revalidated: its ETag would
    answer 304 for a file whose other category, or another file, was never parsed."""
    return hashlib.sha256(f"{provider}\n{url}\n{category}".encode()).hexdigest()[:16]


def ranking_fingerprint(scores: Mapping[str, float]) -> str:
    """SHA-256 hex digest of the configured category's scores, to notice a changed ranking in an
    (undated) ``arena-catalog`` file: another category updated, a category added or the file laid out
    anew leave it as it was (a digest of the whole file dated an unchanged ranking by that commit)."""
    canonical = json.dumps(sorted(scores.items()), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- the rankings a stored snapshot keeps -------------------------------------------------------------
# A stored snapshot keeps the rankings before it (``earlier``, newest first), each with the time it was
# first fetched (``first_fetched_at``), so that a day built after a later fetch (rebuilt, or published
# the next morning) shows the ranking current at its cutoff, not the next day's.
KEPT_RANKINGS = 7  # the current one and the six before it: a week of daily changes


def kept_rankings(stored: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """A stored snapshot's rankings, newest first: itself (without ``earlier``) and those it keeps."""
    if stored is None:
        return []
    return [{k: v for k, v in stored.items() if k != "earlier"}, *stored.get("earlier", ())]


def kept_with(snapshot: Mapping[str, Any], stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """``snapshot`` (fetched at its ``fetched_at``) as stored over ``stored``: the same ranking of the
    same source and date keeps the time it was first fetched (None: stored before that was kept, shown
    for any day as then), another one is kept before it, :data:`KEPT_RANKINGS` in all (the same scores
    dated anew, or the same date found to be its publisher's, are another: a day built before that shows
    the date it had)."""
    kept, first = kept_rankings(stored), snapshot["fetched_at"]
    basis = default_date_basis(str(snapshot.get("provider") or ""))
    if (
        kept
        and kept[0].get("source") == snapshot["source"]
        and kept[0].get("snapshot_date") == snapshot["snapshot_date"]
        # dated by its publisher now, by the day first seen before (the same day): another, so a day built
        # before shows 不详（… 首次获取） as it did
        and (kept[0].get("date_basis") or basis) == (snapshot.get("date_basis") or basis)
        and ranking_fingerprint(kept[0]["scores"]) == snapshot["fingerprint"]
    ):
        first, kept = kept[0].get("first_fetched_at"), kept[1:]
    return {**snapshot, "first_fetched_at": first, "earlier": kept[: KEPT_RANKINGS - 1]}


def shown_at(stored: Mapping[str, Any] | None, cutoff: datetime, source: str) -> dict[str, Any] | None:
    """The ranking an edition cut at ``cutoff`` shows, of the configured ``source`` (:func:`source_id`;
    one stored before that was recorded counts as it) first: the newest kept that was first fetched by
    then (one stored before that time was kept: any day's), else the first fetched after it (a day built
    again after a change of the configuration shows what its run fetched). Only when none kept is of
    that source, another's (a switch whose fetch failed), the newest fetched by then; else None."""
    kept = kept_rankings(stored)
    own = [ranking for ranking in kept if ranking.get("source") in (None, source)]
    for ranking in own or kept:
        first = ranking.get("first_fetched_at")
        if first is None or datetime.fromisoformat(first) <= cutoff:
            return ranking
    if own:  # each has its first_fetched_at, after the cutoff
        return min(own, key=lambda ranking: datetime.fromisoformat(ranking["first_fetched_at"]))
    return None


def content_fingerprint(data: bytes) -> str:
    """SHA-256 hex digest of the raw file: a file unchanged keeps the date of every category in it (a
    category switched to); what releases before :func:`ranking_fingerprint` stored as the fingerprint."""
    return hashlib.sha256(data).hexdigest()


# -- when an undated file was published -------------------------------------------------------------
# A file that carries no date (``arena-catalog``) is dated by its publisher where it can be: the
# response's Last-Modified, else, for a file on raw.githubusercontent.com (which sends none), the date
# of the file's latest commit from GitHub's REST API. Only when neither answers is it dated by the day
# it was first seen, and the edition says so.
DATE_FROM_FILE, DATE_PUBLISHED, DATE_FIRST_SEEN = "file", "published", "first_seen"
GITHUB_API = "https://api.github.com"


def default_date_basis(provider: str) -> str:
    """What a stored snapshot's date is when the snapshot does not say (stored before it did)."""
    return DATE_FROM_FILE if provider == "lmarena-history" else DATE_FIRST_SEEN


def date_settled(snapshot: Mapping[str, Any]) -> bool:
    """Whether a stored snapshot's date stays until the file changes, so its validators may be sent: not
    a day first seen, nor a publisher's date stored without the publisher's time (``published_at``),
    as before it was kept: a run whose clock was earlier cut that date to its own day. The publisher
    is asked again for either at the next full download."""
    basis = snapshot.get("date_basis")
    return basis != DATE_FIRST_SEEN and not (basis == DATE_PUBLISHED and not snapshot.get("published_at"))


def github_commits_url(raw_url: str, api: str = GITHUB_API) -> str | None:
    """The GitHub API URL of the latest commit touching a ``raw.githubusercontent.com`` file, or None.

    ``https://raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>`` (``<ref>`` also as
    ``refs/heads/<branch>`` or ``refs/tags/<tag>``) becomes ``<api>/repos/<owner>/<repo>/commits?
    path=<path>&sha=<ref>&per_page=1``.
    """
    parts = urlsplit(raw_url)
    if parts.scheme != "https" or parts.hostname != "raw.githubusercontent.com" or parts.query:
        return None
    segments = [unquote(s) for s in parts.path.split("/")[1:]]
    if len(segments) >= 5 and segments[2] == "refs" and segments[3] in ("heads", "tags"):
        owner, repo, ref, path = segments[0], segments[1], segments[4], segments[5:]
    elif len(segments) >= 4:
        owner, repo, ref, path = segments[0], segments[1], segments[2], segments[3:]
    else:
        return None
    if not all((owner, repo, ref, *path)):
        return None
    query = urlencode({"path": "/".join(path), "sha": ref, "per_page": 1})
    return f"{api}/repos/{quote(owner, safe='')}/{quote(repo, safe='')}/commits?{query}"


def commit_time(data: Any) -> datetime | None:
    """The committer time of the first commit of a GitHub "list commits" answer, or None."""
    try:
        value = data[0]["commit"]["committer"]["date"]
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (LookupError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def last_modified(headers: Mapping[str, str]) -> datetime | None:
    """The ``Last-Modified`` of a response (lower-case header keys), or None."""
    value = headers.get("last-modified", "")
    try:
        moment = parsedate_to_datetime(value) if value.strip() else None
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


MovementKind = Literal["up", "down", "same", "new"]


@dataclass(frozen=True, slots=True)
class Movement:
    """How a model's global rank changed since the previous edition's leaderboard.

    ``change`` is positive when the model moved up (``previous_rank - rank``); ``new`` means the
    model was on neither table of the previous edition (``previous_rank`` is None, ``change`` 0).
    """

    kind: MovementKind
    rank: int
    previous_rank: int | None
    change: int

    @property
    def symbol(self) -> str:
        """What the web edition shows: ``↑2``, ``↓1``, ``–`` or ``新``."""
        if self.kind == "up":
            return f"↑{self.change}"
        if self.kind == "down":
            return f"↓{-self.change}"
        return "新" if self.kind == "new" else "–"

    @property
    def label(self) -> str:
        """The same in words, for screen readers and tooltips."""
        if self.kind == "up":
            return f"上升 {self.change} 位（上期第 {self.previous_rank} 名）"
        if self.kind == "down":
            return f"下降 {-self.change} 位（上期第 {self.previous_rank} 名）"
        return "新上榜" if self.kind == "new" else "排名不变"

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.kind, "previous_rank": self.previous_rank, "delta": self.change}


def same_ranking(one: Leaderboard, other: Leaderboard) -> bool:
    """Whether two leaderboards rank the same way, so that their ranks compare: the same provider,
    category, style control and file (``source``: another URL is another arena, e.g. arena-catalog's
    vision file beside its text one; what either does not say is taken as the same)."""
    if one.provider != other.provider:
        return False
    pairs = (
        (one.category, other.category),
        (one.style_control, other.style_control),
        (one.source, other.source),
    )
    return all(a is None or b is None or a == b for a, b in pairs)


def movements(current: Leaderboard, previous: Leaderboard | None) -> dict[str, Movement]:
    """Each domestic model of ``current`` with its movement since ``previous``.

    Ranks are global ranks (the ones both tables show). A model is found in the previous edition's
    global top or domestic table; one in neither is ``new`` (newly on the table: it may have ranked
    below it before). No previous leaderboard, or one of another ranking (another provider, category
    or style control: :func:`same_ranking`; their ranks do not compare), gives no movements at all: an
    empty dict, as for a first edition. A previous edition stored before the category was recorded
    (``None``) is taken as the same.
    """
    if previous is None or not same_ranking(current, previous):
        return {}
    before = {row.model: row.rank for row in (*previous.global_top, *previous.domestic)}
    moved: dict[str, Movement] = {}
    for row in current.domestic:
        old = before.get(row.model)
        if old is None:
            moved[row.model] = Movement("new", row.rank, None, 0)
        else:
            change = old - row.rank
            kind: MovementKind = "up" if change > 0 else "down" if change < 0 else "same"
            moved[row.model] = Movement(kind, row.rank, old, change)
    return moved
