"""Cross-source duplicates: the same story told by several outlets becomes one cluster.

Identity (:mod:`ai_news_tracker.identity`) already makes one item of one URL. This module finds the
same *story* behind different URLs and differently worded titles: 36Kr's "36氪获悉，…", 机器之心's terse
technical title and 新智元's "刚刚！…杀疯了" about one release. It is pure: items in, clusters out.

**Features.** Chinese has no spaces, so items are compared by character n-grams. Title and text are
normalised (NFKC, lower case; outlet boilerplate such as "36氪获悉", "新智元报道 编辑：…【新智元导读】",
"作者丨…", and title tags such as "| 早期项目", "36氪首发｜", "刚刚，" removed), then cut into *units*:
one per Chinese character, one per Latin word, one per number (``DeepSeek-V4`` → ``deepseek``,
``v``, ``4``; ``Qwen3.5`` → ``qwen``, ``3.5``). Punctuation and spaces are dropped, so
``DeepSeek V4`` and ``DeepSeek-V4`` agree. A text's features are its unit bigrams plus its Latin
words and numbers alone: a Latin word counts once, not once per letter pair, so a shared company name
(``deepseek``) weighs like one Chinese word, not like a sentence.

**Generic features.** A unit inside a generic word (news verbs, the funding / listing / earnings
templates, the AI vocabulary: :data:`_GENERIC_WORDS`), a function character (的, 了, 在 …) or a round
number ("10亿", "5月") is generic; a feature touching one weighs ``GENERIC_WEIGHT``, the others
(*distinctive*: names, exact figures, unusual words) weigh 1. So "智元机器人完成10亿元B轮融资" and
"星海图完成10亿元B轮融资" are told apart by their companies, not made one by their template.

**Score.** ``TITLE_WEIGHT`` × the weighted Dice coefficient of the titles plus the rest × that of the
*documents* (title and the first ``LEAD_CHARS`` characters of text): 新智元's dramatic titles share
little with 36Kr's, but the leads repeat the facts. Two items are one story when the score reaches
the threshold (:data:`DEFAULT_THRESHOLD`, tuned on labelled pairs: ``bench/dedupe.py``) and no guard
objects.

**Guards** (they only ever keep items apart):

- *source*: never two items of one source; an outlet does not tell a story twice in one window, and
  when it sends one article twice, identity has made it one item already;
- *evidence*: the documents share at least ``MIN_EVIDENCE`` distinctive features (a template and a
  date in common are not a story in common);
- *versions*: when both titles name versions (``V4``, ``R2``, ``Qwen3.5``, ``235B``, ``3.0``) and none
  is shared, they are different releases (DeepSeek V3.1 vs V3.2);
- *names*: when each title has a Latin name (``Opus``, ``Sonnet``, ``Coder``) the other item never
  mentions, they are different products (Claude Sonnet 4.5 vs Claude Opus 4.5).

**Clusters.** Pairs are merged best first (single link), and two groups merge only when they share
no source and the versions and names guards hold between all their members, so a chain A~B~C cannot
join what the guards keep apart. The primary item is the one with the longest text (then the
earliest, then the smallest id): the reader gets the fullest summary, and title, text and link stay
together. The time shown is the earliest publication among the members (:meth:`Cluster.merged`).
Sources are listed primary first, then by earliest shown time, then by name.

The output is deterministic: the same items in any order give the same clusters in the same order
(newest first, like :func:`~ai_news_tracker.edition.newest_first`). Only pairs sharing distinctive
features are scored (an inverted index): exactly up to ``EXACT_UP_TO`` items, by each item's rarest
features beyond. A distinctive feature of more than ``STOP_FEATURE_ITEMS`` items' documents (a
sentence every item of a feed repeats, the topic of the day) is a *stop feature*: too common to be
evidence that two items are one story, it proposes no pair (it still counts in the score of a pair
that other features propose). So an item is scored against fewer than ``STOP_FEATURE_ITEMS`` others
per feature it is indexed by, and the work grows linearly with the items however repetitive their
text. 5,000 items take two to three times as long as computing their features alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .edition import newest_key
from .models import Item
from .text import BYLINE_LABELS, TITLE_LEADING_TAG

DEFAULT_THRESHOLD = 0.27
GENERIC_WEIGHT = 0.25
MIN_EVIDENCE = 2
TITLE_WEIGHT = 0.3
LEAD_CHARS = 200  # normalised characters of text compared: the lead, where every outlet puts the facts
_CLEANED_CHARS = LEAD_CHARS + 400  # of raw text, enough to remove a byline header and keep a lead
# Candidate pairs (see _indexed): exact up to this many items, the rarest features beyond.
EXACT_UP_TO = 500
INDEX_PREFIX = 40
# A distinctive feature of more items' documents than this proposes no pair: a stop feature (see
# _indexed). One story is told at most once per source, and an edition's window holds a few hundred
# items from a handful of sources: a phrase in more than 50 of them is boilerplate or the topic of the
# day, not the mark of one story. (The labelled window and the real feeds have no feature in more than
# 19 items; bench/dedupe.py's precision and recall are the same with and without the cutoff.)
STOP_FEATURE_ITEMS = 50

# -- normalisation ---------------------------------------------------------------------------------
# Outlet boilerplate, matched on NFKC + lower-cased text. Each is removed wherever it occurs.
_TEXT_BOILERPLATE = (
    # 新智元: "新智元报道 编辑：好困 桃子【新智元导读】…": everything up to the 导读 marker is header
    re.compile(r"^.{0,80}?【新智元导读】"),
    # 量子位: "梦晨 发自 凹非寺 量子位 | 公众号 QbitAI"
    re.compile(r"^\S{1,12}\s*发自\s*\S{1,8}\s*"),
    re.compile(r"量子位\s*[|｜丨]\s*公众号\s*qbitai"),
    # "36氪获悉，", "硬氪获悉", "投资界获悉", "Tech星球独家获悉": the outlet's own byline
    re.compile(r"^\s*[^\s，,。:：]{0,10}获悉\s*[，,:：]?"),
    re.compile(r"新智元报道|机器之心报道|机器之心编辑部|机器之心发布|机器之心原创|【新智元导读】"),
    # bylines: "编辑：Aeneas", "编辑 | 泽南、杜伟", "作者丨论文团队", "文｜张三", "来源：…", "图片来源：…"
    # (text's labels, which the editions leave out before a lead)
    re.compile(rf"(?:{BYLINE_LABELS}|图片来源)\s*[:：|｜丨]\s*\S{{1,20}}"),
    # 36Kr's translation column header
    re.compile(r"神译局是36氪旗下编译团队[^。]*。"),
    re.compile(r"编者按\s*[:：]"),
)
# Column tags and exclamations around a title: "| 早期项目", "丨最前线", "36氪首发｜", "刚刚，", "重磅！"
_TITLE_TRAILING_TAG = re.compile(r"\s*[|｜丨]\s*[^|｜丨]{1,8}$")

# One unit: a Latin word, a number (with its decimal point) or one other letter (a Chinese character).
_UNIT = re.compile(r"[a-z]+|[0-9]+(?:\.[0-9]+)*|[^\W\d_]")

# -- the version guard -----------------------------------------------------------------------------
# A version: letters and a number joined directly or by a space or hyphen (v4, r1, qwen3.5, gpt-5.2,
# step 3, 235b, h20), or a bare decimal that is not a quantity (文心4.5, 2.5 turbo; not 28.8亿, 80.9%).
_VERSION = re.compile(
    r"(?<![a-z0-9.])(?:[a-z]+[\s\-_]?[0-9]+(?:\.[0-9]+)*[a-z]*|[0-9]+(?:\.[0-9]+)*[a-z]+)(?![a-z0-9])"
    r"|(?<![a-z0-9.])[0-9]+\.[0-9]+(?![0-9.%万亿千百元美倍])"
)
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)*")

# -- generic vocabulary ----------------------------------------------------------------------------
# Words every story of the digest uses: verbs of news reports, the funding, listing and earnings
# templates, the AI vocabulary. A unit inside one of them is generic, and so is a function character
# or a round number (at most two significant digits: "10亿", "5月", "30%"), which two stories share by
# chance ("28.81亿", "7440亿" and "321B" stay evidence). A feature touching a generic unit weighs
# GENERIC_WEIGHT: "X完成10亿元B轮融资" and "Y完成10亿元B轮融资" are told apart by X and Y.
_GENERIC_WORDS = " ".join(
    (
        # how news is reported
        "发布 宣布 推出 上线 开源 完成 获得 获 正式 今日 今天 近日 日前 官方 表示 宣称 消息",
        "报道 最新 首次 首个 首款 全面 进一步 显示 据悉 了解到 相关 方面 提升 显著 大幅",
        "超过 达到 实现 支持 基于 采用 通过 用于 计划 预计 将于",
        # funding
        "融资 轮融资 天使轮 轮 pre 战略投资 数亿元 数千万元 数百万元 超亿元 近亿元 亿元",
        "万元 美元 亿美元 人民币 领投 跟投 联合领投 投资 投资方 创投 资本 基金 老股东 估值 投后",
        # listing, earnings, deals
        "上市 挂牌 辅导 备案 受理 获受理 申请 募资 募集资金 科创板 港交所 上交所 深交所",
        "证监会 证监局 机构 聆讯 招股书 递表 营收 营业收入 收入 同比 增长 净利润 亏损 财报",
        "半年报 季度 股份 股票 停牌 公告 合并 收购 并购",
        # companies and research
        "公司 集团 科技 企业 创业公司 初创公司 团队 研究团队 研究 研究者 研发 提出 方法 框架",
        "技术 系列 版本 新一代 新版本 旗舰 升级",
        # the AI vocabulary
        "人工智能 智能体 大模型 模型 基础模型 基座模型 参数 总参数 激活 推理 训练 算力 芯片",
        "国产 多模态 具身智能 机器人 人形机器人 能力 性能 基准 评测 成绩 用户 产品 应用 平台",
        "行业 市场 领域 国内 全球 中国 美国",
        "ai agi aigc api app agent llm gpu cpu npu moe ipo ceo cto sota token tokens",
        "pro max mini plus lite turbo preview beta open source model chat",
    )
).split()
_FUNCTION_CHARS = frozenset("的了在是和与及将为已等也都而又还就被把对从向于以其之这那个些并或但该此由至")

# -- the name guard --------------------------------------------------------------------------------
# Latin words too generic, or too short, to tell two products apart; the generic words above count too.
_NOT_NAMES = frozenset(
    {"flash", "the", "of", "and", "in", "on", "for", "to", "is", "with", "new", "vs", "hbm", "saas", "rl"}
)


# Stock lines a feed puts in place of a description: no words of the story's own
_STOCK_LEAD = re.compile(
    r"(?:点击)?(?:阅读|查看)(?:全文|原文|更多)|全文(?:约|共)?\s*[0-9,]+\s*字|read\s+more|continue\s+reading"
)
_DIGITS = re.compile(r"[0-9]+")


def normalize(text: str) -> str:
    """NFKC and lower case: full-width letters, digits and punctuation become their plain forms."""
    return unicodedata.normalize("NFKC", text).lower()


def clean_title(title: str) -> str:
    """The normalised title without column tags and leading exclamations."""
    text = normalize(title).strip()
    previous = None
    while previous != text:
        previous = text
        text = TITLE_LEADING_TAG.sub("", text)
        text = _TITLE_TRAILING_TAG.sub("", text).strip()
    return text or normalize(title).strip()


def clean_text(text: str) -> str:
    """The normalised text without outlet boilerplate (bylines, "36氪获悉", the 新智元 header)."""
    cleaned = normalize(text).strip()
    for pattern in _TEXT_BOILERPLATE:
        cleaned = pattern.sub(" ", cleaned).strip()
    return cleaned


def units(text: str) -> list[str]:
    """Latin words, numbers and single characters of normalised text; punctuation and spaces dropped."""
    return _UNIT.findall(text)


def _index_words(words: Iterable[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Generic words as unit tuples by their first unit, longest first (for the longest match)."""
    by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for word in words:
        word_units = tuple(units(normalize(word)))
        if word_units:
            by_first[word_units[0]].add(word_units)
    return {k: tuple(sorted(v, key=lambda w: (-len(w), w))) for k, v in by_first.items()}


_GENERIC_INDEX = _index_words(_GENERIC_WORDS)


def generic_mask(text_units: Sequence[str]) -> list[bool]:
    """Which units are generic: inside a generic word, a function character or a round number."""
    mask = [False] * len(text_units)
    for i, unit in enumerate(text_units):
        if unit in _FUNCTION_CHARS or (unit[:1].isdigit() and _is_round(unit)):
            mask[i] = True
        for word in _GENERIC_INDEX.get(unit, ()):
            if tuple(text_units[i : i + len(word)]) == word:
                for k in range(i, i + len(word)):
                    mask[k] = True
                break
    return mask


def _is_round(number: str) -> bool:
    return "." not in number and len(number.strip("0")) <= 2


@dataclass(frozen=True, slots=True, eq=False)
class Bag:
    """The features of a text: all of them, the distinctive ones (no generic unit) and their weight."""

    every: frozenset[str]
    distinct: frozenset[str]

    @property
    def weight(self) -> float:
        return len(self.distinct) + GENERIC_WEIGHT * (len(self.every) - len(self.distinct))

    def __or__(self, other: Bag) -> Bag:
        return Bag(self.every | other.every, self.distinct | other.distinct)


def features(text_units: Sequence[str]) -> Bag:
    """Unit bigrams, and each Latin word and number alone (a lone unit too); a feature touching a
    generic unit (:func:`generic_mask`) is generic, else distinctive."""
    mask = generic_mask(text_units)
    every: set[str] = set()
    distinct: set[str] = set()
    for i in range(len(text_units) - 1):
        feature = f"{text_units[i]}\x1f{text_units[i + 1]}"
        every.add(feature)
        if not (mask[i] or mask[i + 1]):
            distinct.add(feature)
    for i, unit in enumerate(text_units):
        if (unit.isascii() and len(unit) > 1) or len(text_units) == 1:
            every.add(unit)
            if not mask[i]:
                distinct.add(unit)
    return Bag(frozenset(every), frozenset(distinct))


def versions(title: str) -> frozenset[str]:
    """The version numbers a normalised title names (``DeepSeek-V3.2`` → ``3.2``; ``3.0`` → ``3``)."""
    found: set[str] = set()
    for match in _VERSION.finditer(title):
        for number in _NUMBER.findall(match.group(0)):
            found.add(re.sub(r"(?:\.0+)+$", "", number))
    return frozenset(found)


def names(text_units: Sequence[str]) -> frozenset[str]:
    """The Latin words that can name a product or a company (not generic, at least two letters)."""
    mask = generic_mask(text_units)
    return frozenset(
        u
        for u, generic in zip(text_units, mask, strict=True)
        if not generic and u.isascii() and u.isalpha() and len(u) > 1 and u not in _NOT_NAMES
    )


def dice(a: Bag, b: Bag) -> float:
    """The weighted Dice coefficient: twice the shared weight over the total weight.

    A feature shared as distinctive by both counts 1; shared otherwise, GENERIC_WEIGHT.
    """
    total = a.weight + b.weight
    if not total:
        return 0.0
    both = len(a.distinct & b.distinct)
    return 2 * (both + GENERIC_WEIGHT * (len(a.every & b.every) - both)) / total


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What the comparison needs of one item, computed once."""

    title: Bag
    document: Bag  # the title and the lead
    versions: frozenset[str]
    title_names: frozenset[str]
    all_names: frozenset[str]
    lead: Bag  # the lead alone
    # whether the text says more than the title, past the outlet's boilerplate and a stock line (阅读原文)
    has_lead: bool
    title_shape: str  # the cleaned title, its digits one mark: two issues of a column have the same

    @classmethod
    def of(cls, title: str, text: str) -> Fingerprint:
        title_clean = clean_title(title)
        title_units = units(title_clean)
        lead_text = clean_text(text[:_CLEANED_CHARS])[:LEAD_CHARS]
        lead_units = units(lead_text)
        title_bag = features(title_units)
        title_names = names(title_units)
        lead = features(lead_units)
        own_text = _STOCK_LEAD.sub(" ", lead_text)
        own_bag = lead if own_text == lead_text else features(units(own_text))
        own = own_bag.distinct - title_bag.every  # a description that repeats the title is no lead
        return cls(
            title=title_bag,
            document=title_bag | lead,
            versions=versions(title_clean),
            title_names=title_names,
            all_names=title_names | names(lead_units),
            lead=lead,
            has_lead=bool(own),
            title_shape=_DIGITS.sub("#", title_clean),
        )


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """How alike two items read, from 0 to 1 (see the module docstring)."""
    return TITLE_WEIGHT * dice(a.title, b.title) + (1 - TITLE_WEIGHT) * dice(a.document, b.document)


def evidence(a: Fingerprint, b: Fingerprint) -> int:
    """How many distinctive features the two documents share."""
    return len(a.document.distinct & b.document.distinct)


def conflict(a: Fingerprint, b: Fingerprint) -> str | None:
    """Why two items cannot be one story whatever their score, else None.

    "versions": both titles name versions and share none; "names": each title has a Latin name the
    other item never mentions; "evidence": fewer than MIN_EVIDENCE distinctive features in common.
    """
    return _cannot_link(a, b) or ("evidence" if evidence(a, b) < MIN_EVIDENCE else None)


def _cannot_link(a: Fingerprint, b: Fingerprint) -> str | None:
    """The guards that hold between every two members of a cluster, not only the pair that joined."""
    if a.versions and b.versions and not a.versions & b.versions:
        return "versions"
    if (a.title_names - b.all_names) and (b.title_names - a.all_names):
        return "names"
    return None


def same_story(a: Item, b: Item, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether two items are one story by the rules of :func:`cluster` (two items alone)."""
    return len(cluster([a, b], threshold)) == 1


# -- clusters --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Cluster:
    """One story: the primary item first, then the same story from the other sources."""

    items: tuple[Item, ...]

    @property
    def primary(self) -> Item:
        return self.items[0]

    @property
    def sources(self) -> tuple[str, ...]:
        """Every source of the story, the primary's first."""
        return tuple(dict.fromkeys(item.source for item in self.items))

    @property
    def published_at(self) -> datetime | None:
        """The earliest publication time among the members (None when no member has one)."""
        times = [item.published_at for item in self.items if item.published_at is not None]
        return min(times) if times else None

    @property
    def shown_at(self) -> datetime:
        return self.merged().shown_at

    def merged(self) -> Item:
        """The primary item showing the earliest publication time of the story."""
        return replace(
            self.primary,
            published_at=self.published_at or self.primary.published_at,
            also_in=self.sources[1:],
            also_urls=tuple(self._member(source).url for source in self.sources[1:]),
        )

    def _member(self, source: str) -> Item:
        return next(item for item in self.items if item.source == source)


def cluster(items: Sequence[Item], threshold: float = DEFAULT_THRESHOLD) -> list[Cluster]:
    """Group the same story from different sources; newest first, like ``newest_first``.

    Items with the same id are taken once. The result does not depend on the order of ``items``.
    """
    unique = sorted({item.id: item for item in items}.values(), key=lambda i: i.id)
    prints = [Fingerprint.of(item.title, item.text) for item in unique]
    pairs = _scored_pairs(unique, prints, threshold)

    parent = list(range(len(unique)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(unique))}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _, i, j in pairs:
        ri, rj = root(i), root(j)
        if ri == rj or not _compatible(members[ri], members[rj], unique, prints):
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        parent[gone] = keep
        members[keep] = members[keep] + members.pop(gone)

    clusters = [_make_cluster([unique[k] for k in group]) for group in members.values()]
    return sorted(clusters, key=_newest_key, reverse=True)


def _scored_pairs(
    items: Sequence[Item], prints: Sequence[Fingerprint], threshold: float
) -> list[tuple[float, int, int]]:
    """Every pair of different sources that is one story by score and guards, best first.

    Only pairs sharing MIN_EVIDENCE distinctive features can pass the evidence guard, so only those
    are scored: they come from an inverted index of the distinctive features (:func:`_indexed`).
    Stop features are not indexed, so a pair must share MIN_EVIDENCE of the others to be scored.
    Every posting list then holds at most STOP_FEATURE_ITEMS items: each item is paired through one
    feature with fewer than STOP_FEATURE_ITEMS others, however many items repeat the same sentences.
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for index, indexed in enumerate(_indexed(prints)):
        for feature in indexed:
            postings[feature].append(index)
    shared: Counter[tuple[int, int]] = Counter()
    sources = [item.source for item in items]
    for posting in postings.values():
        if len(posting) > STOP_FEATURE_ITEMS:  # a stop feature (beyond EXACT_UP_TO, _indexed left it out)
            continue
        for x, i in enumerate(posting[:-1]):
            source = sources[i]
            shared.update((i, j) for j in posting[x + 1 :] if sources[j] != source)
    pairs = []
    for (i, j), count in shared.items():
        if count < MIN_EVIDENCE:
            continue
        score = similarity(prints[i], prints[j])
        if score >= threshold and conflict(prints[i], prints[j]) is None:
            pairs.append((score, i, j))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return pairs


def _indexed(prints: Sequence[Fingerprint]) -> list[Iterable[str]]:
    """The features each item is indexed by.

    Up to EXACT_UP_TO items (an edition's window), every distinctive feature: a feature's posting
    list is then the items that have it, :func:`_scored_pairs` skips the stop features' (longer than
    STOP_FEATURE_ITEMS), and no pair that shares MIN_EVIDENCE other distinctive features is missed.
    Beyond, each item's INDEX_PREFIX rarest distinctive features in the batch (ties by the feature
    itself), stop features left out: the same story shares its rare features (names, exact figures,
    unusual phrases), while two items that share only common ones are rarely one.
    """
    if len(prints) <= EXACT_UP_TO:
        return [fp.document.distinct for fp in prints]
    frequency: Counter[str] = Counter()
    for fp in prints:
        frequency.update(fp.document.distinct)
    return [
        sorted(
            (f for f in fp.document.distinct if frequency[f] <= STOP_FEATURE_ITEMS),
            key=lambda f: (frequency[f], f),
        )[:INDEX_PREFIX]
        for fp in prints
    ]


def _compatible(
    left: Sequence[int], right: Sequence[int], items: Sequence[Item], prints: Sequence[Fingerprint]
) -> bool:
    """Two groups may merge when they share no source and no two members are different releases or
    products (the versions and names guards)."""
    if {items[i].source for i in left} & {items[j].source for j in right}:
        return False
    return all(_cannot_link(prints[i], prints[j]) is None for i in left for j in right)


def _make_cluster(group: Sequence[Item]) -> Cluster:
    primary = min(group, key=lambda i: (-len(i.text), i.shown_at, i.id))
    others = sorted((i for i in group if i is not primary), key=lambda i: (i.shown_at, i.source, i.id))
    return Cluster(items=(primary, *others))


def _newest_key(c: Cluster) -> tuple[datetime, datetime, datetime, int, str]:
    return newest_key(c.merged())


# -- stories published before (by earlier editions) -------------------------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Published:
    """The stories earlier editions published, oldest first, fingerprinted and indexed once: a day's items
    are compared with them one at a time (:meth:`story_of`), so a day checks only as many as it needs.

    The index holds every distinctive feature of the stories but those of more than STOP_FEATURE_ITEMS
    of them (stop features, as in :func:`_scored_pairs`): an item is scored against a story only when
    they share MIN_EVIDENCE of the others, each posting list is bounded, and the work per item too."""

    stories: tuple[Item, ...]
    prints: tuple[Fingerprint, ...]
    postings: dict[str, tuple[int, ...]]

    @classmethod
    def of(cls, stories: Iterable[Item]) -> Published:
        published = tuple(stories)
        prints = tuple(Fingerprint.of(story.title, story.text) for story in published)
        postings: dict[str, list[int]] = defaultdict(list)
        for index, fp in enumerate(prints):
            for feature in fp.document.distinct:
                postings[feature].append(index)
        kept = {f: tuple(posting) for f, posting in postings.items() if len(posting) <= STOP_FEATURE_ITEMS}
        return cls(stories=published, prints=prints, postings=kept)

    def story_of(self, item: Item, threshold: float = DEFAULT_THRESHOLD) -> Item | None:
        """The published story ``item`` is, by the rules of :func:`cluster` (score and guards), else None;
        several: the best score, then the oldest. A story one of whose outlets (``sources``: its primary's
        and ``also_in``) is the item's is not: an outlet's later article on a story it told is a follow-up.
        Nor is one when either has no lead (:attr:`Fingerprint.has_lead`): titles alone are the name of a
        model or a company and a verb, and a launch and its open weights a day later share them; nor two
        issues of a column (:func:`_columns`)."""
        if not self.stories:
            return None
        fp = Fingerprint.of(item.title, item.text)
        if not fp.has_lead:
            return None
        shared = Counter(j for feature in fp.document.distinct for j in self.postings.get(feature, ()))
        best: tuple[float, int] | None = None
        for j, count in shared.items():
            if count < MIN_EVIDENCE or item.source in self.stories[j].sources or not self.prints[j].has_lead:
                continue
            score = similarity(fp, self.prints[j])
            if (
                score < threshold
                or conflict(fp, self.prints[j]) is not None
                or _columns(fp, self.prints[j], threshold)
            ):
                continue
            if best is None or (score, -j) > (best[0], -best[1]):
                best = (score, j)
        return None if best is None else self.stories[best[1]]


def reported_before(
    items: Iterable[Item], earlier: Sequence[Item], threshold: float = DEFAULT_THRESHOLD
) -> dict[str, Item]:
    """The ``items`` that are one of the ``earlier`` stories (published before, oldest first): each such
    item's id → that story (:meth:`Published.story_of`)."""
    published = Published.of(earlier)
    found = ((item.id, published.story_of(item, threshold)) for item in items)
    return {id_: story for id_, story in found if story is not None}


def _columns(a: Fingerprint, b: Fingerprint, threshold: float) -> bool:
    """Whether two items are two issues of a column, not one story: the same title but for its numbers
    ("AI日报", "每日AI早报", "AI日报（第121期）"), and leads that do not read as one story by themselves
    (their Dice below ``threshold``: two outlets' daily roundups, one stock opening). A reprint keeps
    its lead."""
    return a.title_shape == b.title_shape and dice(a.lead, b.lead) < threshold
