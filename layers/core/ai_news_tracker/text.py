"""Plain text from feed HTML: a real HTML parser, whitespace collapsing and truncation.

Feed descriptions arrive as HTML fragments (36Kr's RSSHub feed ships whole articles, 机器之心 WeChat-style
markup, 新智元 tracking pixels) or as plain text. :func:`html_to_text` turns either into one line of text
with the markup, scripts, styles, comments and image captions gone and the entities decoded.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from html.parser import HTMLParser

# Elements whose content is never reader text: code, styling, embedded documents, metadata.
_SKIPPED_ELEMENTS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "svg",
        "math",
        "head",
        "title",
        "audio",
        "video",
        "canvas",
    }
)

# Elements that start a new block: their text must not run into the text around them.
_BLOCK_ELEMENTS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "br",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "legend",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    }
)

# Captions and photo credits of images, which are not the article's words: HTML's figcaption and any
# element of one of these classes (36Kr's, as RSSHub gives them: <p class="img-desc">).
_CAPTION_CLASSES = frozenset({"img-desc"})
# A stock caption line: the first text after an image, when it starts as these do (图：…, 图源：…,
# 图片来源：…, 题图：…, 图1：…, 图1. …, （图源：…）, a credit with @ or a bar too: 钛媒体's 图片来源@视觉中国,
# 36Kr's 图片来源｜…, 封面来源｜…) and is short. 机器之心, 36Kr and 新智元 write their captions as plain
# paragraphs; one without such a start (瞬悉 2.0 架构概览) is kept, as it may be text.
_CAPTION_LINE = re.compile(
    r"[（(]?\s*(?:题图|封面|图片|图)\s*(?:\d+\s*)?(?:(?:来源|源)?\s*[:：]|(?:来源|源)\s*[@＠|｜丨/／])"
    r"|图\s*\d+\s*[.．]"
)
CAPTION_LINE_CHARS = 60

# Extended_Pictographic (Unicode's emoji-data.txt): the characters a ZERO WIDTH JOINER joins into one
# emoji (UAX #29, GB11), as code point ranges.
_PICTOGRAPHIC_RANGES = (
    (0xA9, 0xA9), (0xAE, 0xAE), (0x203C, 0x203C), (0x2049, 0x2049), (0x2122, 0x2122), (0x2139, 0x2139),
    (0x2194, 0x2199), (0x21A9, 0x21AA), (0x231A, 0x231B), (0x2328, 0x2328), (0x2388, 0x2388),
    (0x23CF, 0x23CF), (0x23E9, 0x23F3), (0x23F8, 0x23FA), (0x24C2, 0x24C2), (0x25AA, 0x25AB),
    (0x25B6, 0x25B6), (0x25C0, 0x25C0), (0x25FB, 0x25FE), (0x2600, 0x2605), (0x2607, 0x2612),
    (0x2614, 0x2685), (0x2690, 0x2705), (0x2708, 0x2712), (0x2714, 0x2714), (0x2716, 0x2716),
    (0x271D, 0x271D), (0x2721, 0x2721), (0x2728, 0x2728), (0x2733, 0x2734), (0x2744, 0x2744),
    (0x2747, 0x2747), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757),
    (0x2763, 0x2767), (0x2795, 0x2797), (0x27A1, 0x27A1), (0x27B0, 0x27B0), (0x27BF, 0x27BF),
    (0x2934, 0x2935), (0x2B05, 0x2B07), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
    (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1F0FF),
    (0x1F10D, 0x1F10F), (0x1F12F, 0x1F12F), (0x1F16C, 0x1F171), (0x1F17E, 0x1F17F), (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A), (0x1F1AD, 0x1F1E5), (0x1F201, 0x1F20F), (0x1F21A, 0x1F21A), (0x1F22F, 0x1F22F),
    (0x1F232, 0x1F23A), (0x1F23C, 0x1F23F), (0x1F249, 0x1F3FA), (0x1F400, 0x1F53D), (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF), (0x1F774, 0x1F77F), (0x1F7D5, 0x1F7FF), (0x1F80C, 0x1F80F), (0x1F848, 0x1F84F),
    (0x1F85A, 0x1F85F), (0x1F888, 0x1F88F), (0x1F8AE, 0x1F8FF), (0x1F90C, 0x1F93A), (0x1F93C, 0x1F945),
    (0x1F947, 0x1FAFF), (0x1FC00, 0x1FFFD),
)  # fmt: skip
_PICTOGRAPHIC = "".join(f"{chr(first)}-{chr(last)}" for first, last in _PICTOGRAPHIC_RANGES)
# Invisible characters that editors (WeChat especially) scatter through text, or that split a word
# where it may break (the soft hyphen, &shy;): zero-width space, non-joiner and joiner, word joiner, BOM.
# They are removed, not turned into spaces, so "大\u200b模型" reads "大模型" and "Deep\xadSeek" "DeepSeek".
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
# What collapse_whitespace removes: the invisible characters, but for a ZERO WIDTH JOINER inside an emoji
# sequence (group 1, kept): after a pictograph, its VS16 (U+FE0F) and skin tone (U+1F3FB..U+1F3FF), and
# before another (U+1F468 U+200D U+1F4BB is "technologist", without the joiner "man" and "laptop"). A
# joiner beside a letter or a digit joins no emoji, so none is left hidden in a name or a link. (A text
# without a joiner, nearly every one, takes the plain class: the emoji rule makes a search ~25x slower.)
_ZERO_WIDTH = re.compile(
    f"([{_PICTOGRAPHIC}][\ufe0f\U0001f3fb-\U0001f3ff]*\u200d)(?=[{_PICTOGRAPHIC}])|[{_INVISIBLE}]"
)
_ANY_INVISIBLE = re.compile(f"[{_INVISIBLE}]")
# Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): what a font shows nothing of, the
# above and the fillers (HANGUL FILLER, U+3164, the classic blank name), invisible operators, variation
# selectors, tags and the bidi controls among them. In a text they are kept (a variation selector or a
# tag belongs to the emoji before it), but a title of them alone is none, and a link holding one no link.
_DEFAULT_IGNORABLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0000-\U000e0fff"
)
_ANY_IGNORABLE = re.compile(f"[{_DEFAULT_IGNORABLE}]")
_BLANK = re.compile(f"[\\s{_DEFAULT_IGNORABLE}]*")
_ZWJ = "\u200d"
_WHITESPACE_RUN = re.compile(r"\s+")  # str patterns: also \xa0 (&nbsp;), \u3000 (全角空格), \u2028 …

# Lone surrogates: not characters, so no UTF-8 file, page or email can hold them. They reach Python
# strings from JSON escapes ("\\ud800") and from feed character references (&#xD800;).
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# C0 and C1 controls (newline and tab too: every value is shown as one line), DEL, bidi embeddings,
# overrides, isolates and marks (they reorder what a reader sees), line separators, lone surrogates and
# the non-characters (U+FDD0..U+FDEF and the last two code points of every plane: U+FFFE, U+FFFF,
# U+1FFFE, ..., U+10FFFF): none may appear in an edition, whatever its format. Above the BMP the class
# takes the whole range from U+1FFFE, and _unsafe tells the 32 non-characters from the rare letters
# there (CJK extensions B to H): a class listing them one by one makes every search about ten times slower.
_UNSAFE_CHARS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]"
)
_LINE_BREAKING = frozenset("\t\n\r\x0b\x0c\u2028\u2029")  # unsafe characters that become a space
# A text ``str.isprintable()`` calls printable (no character of Unicode's "Other" or "Separator"
# categories but the ASCII space) holds none of the class's characters that _unsafe removes, and no
# whitespace but that space: the fast paths of without_unsafe_characters and clean_text, which the
# editions call for every string they print (tests/unit/test_text.py checks every code point).

# A column tag or an exclamation before a title: "36氪首发｜", "硬氪首发|", "刚刚，", "重磅！" (dedupe
# ignores them when comparing titles; key points leave them out).
TITLE_LEADING_TAG = re.compile(
    r"^\s*(?:36氪首发|硬氪首发|氪星晚报|8点1氪|最前线|早期项目|独家|首发|快讯|速递|重磅|突发|刚刚|震撼)"
    r"\s*[|｜丨:：，,！!]\s*"
)

# Outlet boilerplate before an article's lead, which would take the place of its summary: a WeChat
# account's plea to follow it ("点击上方蓝字关注我们", "点击上方“新智元”，关注并星标", "…关注并设为星标★",
# "…，置顶", once), 新智元's header up to 【新智元导读】 (once),
# 量子位's dateline and header ("梦晨 发自 凹非寺", "量子位 | 公众号 QbitAI"), the outlets' "…报道" marks
# and bylines ("编辑：Aeneas", "作者 | 论文团队", 36Kr's and 虎嗅's "文｜周鑫雨"), each followed
# by a space; 文 only as a byline's label, at the start or after another such piece, never in a word
# (中文｜英文, 论文｜…). A byline with a bar (机器之心's "编辑｜Sia") names one word, so
# the lead after it may start with a Latin one ("编辑｜Sia SWE-Bench 的…", "OpenAI"), though after a
# Latin name not with a word shaped like a surname ("作者 | Sam Altman": half a name would be left,
# so the text stays whole); one with a colon is cut when it names Chinese names of up to four characters
# ("编辑：杜伟、陈陈 OpenAI …"), else only when no Latin letter follows: a name run into the text
# ("编辑：张三今天发布了 GPT-5"), or of two words ("作者：Sam Altman"), is left whole rather than cut.
# The labels of a byline, which dedupe leaves out of the texts it compares too.
BYLINE_LABELS = r"(?:编辑|作者|撰文|文|来源|出品|责编|审校|编译)"
_BYLINE_LABEL = BYLINE_LABELS + r"\s*"
_BYLINE_BAR = r"[|｜丨]"  # not a slash: 文/图/视频 names what a model makes, 文/图 a byline of two
_CHINESE_NAMES = r"[\u4e00-\u9fff·]{1,4}(?:[、，,]\s*[\u4e00-\u9fff·]{1,4})*"
_LEAD_BOILERPLATE = re.compile(
    r"^(?:点击(?:上方)?\s*(?:蓝字|[“\"「][^”\"」]{1,20}[”\"」])\s*[，,]?\s*关注(?:我们)?"
    r"(?:[，,、]?[并和]?(?:设为|加)?(?:星标|置顶)[★☆⭐\ufe0f]*)*\s*[!！。]?\s*)?"
    r"(?:.{0,80}?【新智元导读】\s*)?"
    r"(?:(?:新智元报道|机器之心报道|机器之心编辑部|机器之心发布|机器之心原创|量子位报道)\s*"
    r"|(?:[^\s发]{1,10}\s+){1,3}发自\s*凹非寺\s*"
    r"|量子位\s*[|｜丨]\s*公众号\s*QbitAI\s*"
    rf"|{_BYLINE_LABEL}{_BYLINE_BAR}\s*(?![A-Za-z])\S{{1,20}}\s+"
    rf"|{_BYLINE_LABEL}{_BYLINE_BAR}\s*[A-Za-z]\S{{0,19}}\s+(?![A-Z][a-z]+(?![A-Za-z0-9-]))"
    rf"|{_BYLINE_LABEL}[:：]\s*{_CHINESE_NAMES}\s+"
    rf"|{_BYLINE_LABEL}[:：]\s*\S{{1,20}}\s+(?![A-Za-z]))*"
)
# 36Kr's translation column: its header and its sign-off, wherever they are, and the column labels
# before an editor's note (编者按：, 笔记侠's 笔记君说：).
_COLUMN_BOILERPLATE = re.compile(
    r"神译局是36氪旗下编译团队[^。]*。\s*|本文来自编译，希望对您有所启发。\s*|(?:编者按|笔记君说)\s*[:：]\s*"
)
# The words each of them starts with: a text holding none (nearly every one) is not searched, which was
# most of the cleaning of a new edition's texts (~25 µs a text of 1,500 characters; the words ~6 µs).
_COLUMN_WORDS = ("神译局", "本文来自编译", "编者按", "笔记君说")

# What is left unparsed at the end of the input when a tag, comment or declaration was cut off.
_CUT_OFF_MARKUP = re.compile(r"<[A-Za-z/!?]")
_CDATA_OPEN = re.compile(r"<!\[CDATA\[", re.IGNORECASE)


# Character sets read as their superset (by Python's codec name), feeds and article pages alike: what
# Chinese sites label GB2312 or GBK is often GBK or GB18030 text, and one character outside the label's
# set would garble the rest; ISO-8859-1 is windows-1252, as browsers read it (its dashes and curly
# quotes); US-ASCII is UTF-8; Big5 is Big5-HKSCS, read by :func:`decoded` as browsers read Big5.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso8859-1": "cp1252",
    "ascii": "utf-8",
    "big5": "big5hkscs",
}
# Big5 as the WHATWG Encoding Standard (browsers) reads it: Big5 with the Hong Kong extensions, which
# hold the ETEN ones Taiwan's sites use with Microsoft's cp950 (裏, 恒, 碁, 銹: strict Big5 has none),
# with cp950's punctuation where Python's big5hkscs maps the same bytes to other characters (A145 is
# ‧, the dot between the parts of a name, not the bullet •), and cp950's euro sign, A3E1. Measured
# against Chromium's TextDecoder('big5') over every two-byte sequence, this agrees on 99 %: not on
# HKSCS-2008's additions, read as U+FFFD, nor on A241/A242 (／＼ for ∕﹨); Python's cp950 agreed on 73 %,
# its big5 on 72 %.
_BIG5_PUNCTUATION = str.maketrans("•､‾∼♁☉¥¢£", "‧﹑¯～⊕⊙￥￠￡")
_BIG5_EURO = b"\xa3\xe1"
_BIG5_ERRORS = "ai_news_tracker.big5"


def superset_codec(codec: str) -> str:
    """The codec text labelled ``codec`` (Python's name: ``codecs.lookup(label).name``) is read as."""
    return _SUPERSETS.get(codec, codec)


def decoded(body: bytes, codec: str) -> str:
    """``body`` read as ``codec`` (a :func:`superset_codec`), each invalid sequence as U+FFFD; Big5-HKSCS
    as browsers read Big5 (:data:`_BIG5_PUNCTUATION`)."""
    if codec != "big5hkscs":
        return body.decode(codec, errors="replace")
    return body.decode(codec, errors=_BIG5_ERRORS).translate(_BIG5_PUNCTUATION)


def _big5_error(error: UnicodeError) -> tuple[str, int]:
    """An invalid Big5 sequence: the euro sign, or U+FFFD for a lead byte and the non-ASCII byte after it
    (Python's ``replace`` takes the lead byte alone, and the trail read as a lead garbled what followed)
    or for one byte, as the Encoding Standard reads them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    pair = error.object[error.start : error.start + 2]
    if pair == _BIG5_EURO:
        return "€", error.start + 2
    if len(pair) == 2 and 0x81 <= pair[0] <= 0xFE and pair[1] >= 0x80:
        return "\ufffd", error.start + 2
    return "\ufffd", error.start + 1


codecs.register_error(_BIG5_ERRORS, _big5_error)


def without_surrogates(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD, so that it can be written as UTF-8."""
    try:
        text.encode("utf-8")  # fails on any surrogate; a few times faster than the search when none is there
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def without_unsafe_characters(text: str) -> str:
    """``text`` without control, bidi and non-characters (:data:`_UNSAFE_CHARS`); a line break among
    them becomes a space. Other whitespace is left as it is."""
    if text.isprintable():  # nearly every text: no character of the class but letters kept (see below)
        return text
    return _UNSAFE_CHARS.sub(_unsafe, text)


def _unsafe(match: re.Match[str]) -> str:
    """What an unsafe character becomes: a space for a line break, nothing for the others; a
    character above the BMP is kept unless it is a non-character (U+nFFFE, U+nFFFF)."""
    char = match[0]
    if char in _LINE_BREAKING:
        return " "
    if char > "\uffff" and (ord(char) & 0xFFFE) != 0xFFFE:
        return char
    return ""


def clean_text(value: object) -> str:
    """One line of plain text: control, bidi and non-characters gone, whitespace runs made one space."""
    text = "" if value is None else str(value)
    if text.isprintable() and "  " not in text:  # the usual text: nothing to remove or collapse
        return text.strip()
    return _WHITESPACE_RUN.sub(" ", without_unsafe_characters(text)).strip()


def clean_lines(values: Iterable[object]) -> list[str]:
    """Each value as :func:`clean_text` makes it, those left blank (a key point of bidi controls or
    other invisible characters alone: :func:`is_blank`) left out: a list's entries as every format
    shows them, never a blank one."""
    return [line for line in map(clean_text, values) if not is_blank(line)]


def without_boilerplate(text: str) -> str:
    """An article's text without the outlet boilerplate before its lead (新智元's header, bylines, the
    outlets' "…报道" marks), 36Kr's translation-column header and sign-off and its columns' labels
    (编者按：, 笔记君说：); the text itself when nothing would be left."""
    lead = _LEAD_BOILERPLATE.match(text)  # it always matches, maybe nothing: from the start only
    stripped = text[lead.end() :] if lead else text
    if any(word in stripped for word in _COLUMN_WORDS):
        stripped = _COLUMN_BOILERPLATE.sub("", stripped)
    return stripped.strip() or text


# Punctuation a text cannot start with: what is left of a lead a proxy cut off ("。 ChatGPT访问量…"), or
# of a byline's column ("| 公众号 QbitAI").
_LEADING_PUNCTUATION = re.compile(r"^[\s。，、；：！？,;:!?|｜丨]+")


@lru_cache(maxsize=8192)  # each format of an edition asks for every item's, some twice
def shown_text(text: str) -> str:
    """What the editions show of an item's text: from its lead (:func:`without_boilerplate`), without
    leading punctuation, and without the characters no format shows (:func:`without_unsafe_characters`),
    so that a summary cut at ``summary_chars`` shows that many. The stored text, which the item's
    identity hashes, stays as the feed gave it."""
    return _LEADING_PUNCTUATION.sub("", without_boilerplate(without_unsafe_characters(text)))


def collapse_whitespace(text: str) -> str:
    """Remove invisible characters (zero-width ones, soft hyphens; a ZWJ only outside an emoji sequence),
    turn every whitespace run into one space, and strip the ends."""
    visible = _ZERO_WIDTH.sub(r"\1", text) if _ZWJ in text else _ANY_INVISIBLE.sub("", text)
    return _WHITESPACE_RUN.sub(" ", visible).strip()


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds an invisible (default-ignorable) character, a ZWJ anywhere included (a
    link may hold none)."""
    return _ANY_IGNORABLE.search(text) is not None


def reads_as_written(text: str) -> bool:
    """Whether ``text`` shows as it is: no control, bidi or non-character (:func:`clean_text`), no space
    of any kind (:func:`collapse_whitespace`) and no invisible character (:func:`has_invisible`: a ZWJ
    even in an emoji). A link must: what a reader sees of it is where it goes."""
    return collapse_whitespace(clean_text(text)) == text and not has_invisible(text)


def is_blank(text: str) -> bool:
    """Whether a reader sees nothing of ``text``: whitespace and invisible (default-ignorable)
    characters alone, a title of bidi controls or Hangul fillers say (the formats show none: (无标题))."""
    return _BLANK.fullmatch(text) is not None


def truncate(text: str, limit: int) -> str:
    """The first ``limit`` characters (code points) of ``text``, fewer when the cut would fall inside
    what shows as one character (a flag, an emoji sequence, a letter and its marks: :func:`cluster_start`)
    or inside a number (:func:`number_start`), which is then left out whole.

    No ellipsis is added and a space that falls inside the limit is kept, as in the sample edition
    whose item texts are cut at exactly 300 characters.
    """
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    return text[: cut_start(text, limit)]


def cut_start(text: str, index: int) -> int:
    """Where a cut at ``index`` falls: ``index``, or the start of what shows as one character
    (:func:`cluster_start`) or of the number (:func:`number_start`) a cut there would split."""
    start = cluster_start(text, index)
    number = number_start(text, start)
    return start if number == start else cluster_start(text, number)


def number_start(text: str, index: int) -> int:
    """``index``, or when a number goes on across it (digits, and a decimal point or a thousands comma
    between two digits: 1988, 72.81, 1,500), where that number starts: a cut there shows no figure the
    text does not give ("开封198" for 1988). When nothing but the number and spaces is before
    ``index``, ``index`` itself: a cut there is all a text of one number can give."""
    if not (0 < index < len(text) and _in_number(text, index) and _in_number(text, index - 1)):
        return index
    start = index - 1
    while start > 0 and _in_number(text, start - 1):
        start -= 1
    return start if text[:start].strip() else index


def _in_number(text: str, index: int) -> bool:
    """Whether ``text[index]`` is part of a number: a digit, or a point or a comma between two."""
    char = text[index]
    if char.isdecimal():
        return True
    return (
        char in ".,"
        and 0 < index < len(text) - 1
        and text[index - 1].isdecimal()
        and text[index + 1].isdecimal()
    )


def cluster_start(text: str, index: int) -> int:
    """``index``, or when ``text[index]`` goes on the picture begun before it, where that picture starts:
    a cut there leaves no half of it (UAX #29's grapheme clusters, as far as a cut in this text meets
    them: a combining mark, a joiner and what it joins, a variation selector, a skin tone, an emoji tag,
    the second of a flag's two regional indicators). The standard library has no grapheme rules. An
    ``index`` at or past the end is returned as it is."""
    while 0 < index < len(text):
        here, before = text[index], text[index - 1]
        if _extends(here) or before == _ZWJ:
            index -= 1
        elif _is_regional(here) and _is_regional(before):
            run = index - 1
            while run > 0 and _is_regional(text[run - 1]):
                run -= 1
            if (index - run) % 2 == 0:  # here begins a pair of its own
                break
            index -= 1
        else:
            break
    return index


_ZWJ = "\u200d"


def _extends(char: str) -> bool:
    """Whether ``char`` belongs to the character before it: a joiner, a variation selector, a skin tone,
    an emoji tag (a subdivision flag's letters), a combining or spacing mark."""
    code = ord(char)
    return (
        code == 0x200D
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
        or (code >= 0x300 and unicodedata.category(char) in ("Mn", "Me", "Mc"))
    )


def _is_regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def shorten(text: str, limit: int) -> str:
    """``text``, or when it is longer than ``limit`` characters its first ``limit - 1`` and "…", fewer
    when the cut would fall inside what shows as one character or inside a number (:func:`truncate`)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return text if len(text) <= limit else truncate(text, limit - 1) + "…"


# Mail clients (and phones, in an SMS) link what looks like a link in a message's text: a link in feed
# text would open wherever the feed says, past the http(s) rule every link of ours keeps (``safe_href``).
# An invisible WORD JOINER where their link finders look (after the scheme's colon, after "www", before a
# host name's dots: "chatgpt.com/login" is linked with neither, before an address's "@") leaves the text
# reading the same and links nothing; our own links are given apart.
_SCHEME_SLASHES = re.compile(r"(?<=:)//")
_WWW_DOT = re.compile(r"(?<![0-9A-Za-z])(www)\.", re.IGNORECASE)
# A dot after a word character or a hyphen and before a letter (every top-level domain's), looked for as
# a dot first: an expression that begins with the look-behind is tried at every character, ten times
# slower.
_HOST_DOT = re.compile(r"\.(?<=[\w-]\.)(?=[^\W\d_])")
_ADDRESS_AT = re.compile(r"(?<=[0-9A-Za-z._+\-])@")
WORD_JOINER = "\u2060"


def unlinked(line: str) -> str:
    """``line`` (feed text) with nothing a mail client would make a link of: the email edition's text
    (``mail.feed_line``) and the SNS announcement's (``aws.Announcer``)."""
    if "//" in line:
        line = _SCHEME_SLASHES.sub(WORD_JOINER + "//", line)
    if "." in line:
        if "www." in line.lower():  # what _WWW_DOT looks for, ignoring case (only W's lower case is w)
            line = _WWW_DOT.sub(r"\1" + WORD_JOINER + ".", line)
        line = _HOST_DOT.sub(WORD_JOINER + ".", line)
    if "@" in line:
        line = _ADDRESS_AT.sub(WORD_JOINER + "@", line)
    return line


def html_to_text(fragment: str) -> str:
    """Turn an HTML fragment (or plain text) into one line of plain text.

    The content of scripts, styles, embedded objects and the document head is dropped, comments too,
    and so are the captions of images (a figcaption, 36Kr's ``class="img-desc"``, and a short stock
    caption line such as ``图：…``, ``图片来源：…`` or ``图片来源@…`` just after an image); block elements
    separate their text by a space while inline elements join it directly; entities are decoded;
    whitespace is collapsed. Broken markup never raises: a tag or comment cut off at the end of the
    input is dropped, an unterminated ``<![CDATA[`` is a bogus comment up to the next ``>`` (as in a
    browser), and a ``<`` that does not start markup (``a < b``) is kept as text.
    """
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    return collapse_whitespace(extractor.text)


class _TextExtractor(HTMLParser):
    """Collects the reader-visible text of a document, one event at a time."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._parts: list[str] = []
        self._open_skipped: dict[str, int] = {}
        # The caption element being left out (its tag) and how many of that tag are open in it.
        self._caption: str | None = None
        self._caption_depth = 0
        # No text since the last image yet; then where in _parts the first line after it starts.
        self._after_image = False
        self._line_start: int | None = None
        # Set once the input is known to hold no "]]>" after an unterminated <![CDATA[ (see close).
        self._cdata_unterminated = False

    @property
    def text(self) -> str:
        """The text collected so far, with block boundaries as spaces (not yet collapsed)."""
        return "".join(self._parts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._caption == "p" and tag in _BLOCK_ELEMENTS and tag != "br":
            self._caption = None  # a paragraph left open ends where a block starts, as in a browser
        if self._caption == tag:
            self._caption_depth += 1
        elif self._caption is None and _is_caption(tag, attrs):
            self._caption, self._caption_depth = tag, 1
        if tag in _SKIPPED_ELEMENTS:
            self._open_skipped[tag] = self._open_skipped.get(tag, 0) + 1
            return
        if tag == "body":  # a <head> left open ends where the body starts, as in a browser
            self._open_skipped.pop("head", None)
            self._open_skipped.pop("title", None)
        self._block_boundary(tag)
        if tag == "img":
            self._image()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, <img/>, and a self-closed <iframe/> or caption that opens nothing to skip.
        self._block_boundary(tag)
        if tag == "img":
            self._image()

    def handle_endtag(self, tag: str) -> None:
        if self._caption == tag:
            self._caption_depth -= 1
            if self._caption_depth == 0:
                self._caption = None
        if tag in _SKIPPED_ELEMENTS:
            if self._open_skipped.get(tag, 0) > 0:
                self._open_skipped[tag] -= 1
            return
        self._block_boundary(tag)

    def handle_data(self, data: str) -> None:
        if self._caption is not None or any(self._open_skipped.values()):
            return
        if self._after_image and data.strip():
            self._after_image = False
            self._line_start = len(self._parts)
        self._parts.append(data)

    def unknown_decl(self, data: str) -> None:
        # <![CDATA[text]]> inside HTML: keep the text (other marked sections carry none).
        if data.startswith("CDATA["):
            self.handle_data(data[len("CDATA[") :])

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        if self._cdata_unterminated and _CDATA_OPEN.match(self.rawdata, i):
            return self._bogus_comment(i)
        # The stdlib raises AssertionError on an unknown keyword such as "<![foo[": treat the section
        # as a bogus comment running to the next ">", as browsers do.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self._bogus_comment(i)

    def _bogus_comment(self, i: int) -> int:
        """The end of a bogus comment starting at ``i``: after the next ">", or -1 without one."""
        end = self.rawdata.find(">", i)
        return -1 if end < 0 else end + 1

    def close(self) -> None:
        if _CDATA_OPEN.match(self.rawdata):
            # The parser stopped at a <![CDATA[ that no "]]>" closes, so none closes any later one
            # either: each is a bogus comment up to the next ">", as in a browser, and whatever follows
            # is parsed as HTML again. Searching for "]]>" again from each of them was quadratic.
            self._cdata_unterminated = True
            self.goahead(False)
        if _CUT_OFF_MARKUP.match(self.rawdata):  # cut off inside a tag, comment or CDATA: nothing to show
            self.rawdata = ""
        super().close()
        self._end_line()

    def _block_boundary(self, tag: str) -> None:
        if tag in _BLOCK_ELEMENTS:
            self._end_line()
            self._parts.append(" ")

    def _image(self) -> None:
        self._end_line()
        self._after_image = True

    def _end_line(self) -> None:
        """Close the first line after an image: left out when it is a stock caption line."""
        if self._line_start is None:
            return
        line = collapse_whitespace("".join(self._parts[self._line_start :]))
        if len(line) <= CAPTION_LINE_CHARS and _CAPTION_LINE.match(line):
            del self._parts[self._line_start :]
        self._line_start = None


def _is_caption(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element holds an image's caption: a figcaption, or one of :data:`_CAPTION_CLASSES`."""
    if tag == "figcaption":
        return True
    classes = " ".join(value or "" for name, value in attrs if name == "class").split()
    return not _CAPTION_CLASSES.isdisjoint(classes)
