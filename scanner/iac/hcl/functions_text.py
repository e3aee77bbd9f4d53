"""Text as Go and Terraform see it: grapheme clusters, Go's simple case mappings, Go's notion of white space.

Grapheme clusters follow Unicode's extended grapheme cluster rules (UAX #29) for everything configurations hold:
CR LF, controls, combining and spacing marks, zero-width joiner sequences, variation selectors, emoji modifiers,
regional indicator pairs and Hangul syllables. The rarely used "prepend" characters are treated as ordinary ones.
"""

from __future__ import annotations

import unicodedata

__all__ = ["GO_SPACE", "go_lower", "go_title", "go_trimspace", "go_upper", "graphemes"]

#: ``unicode.IsSpace`` in Go
GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000" + "".join(map(chr, range(0x2000,
                                                                                                       0x200B))))
_ZWJ = "\u200d"


def _is_extend(ch: str) -> bool:
    code = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200c\u200d" or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F)


def _is_control(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in ("Cc", "Zl", "Zp") or (category == "Cf" and not _is_extend(ch))


def _is_pictographic(ch: str) -> bool:
    code = ord(ch)
    return 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or unicodedata.category(ch) == "So"


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _hangul(ch: str) -> str:
    code = ord(ch)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_JOINS = {("L", "L"), ("L", "V"), ("L", "LV"), ("L", "LVT"), ("LV", "V"), ("LV", "T"), ("V", "V"),
                 ("V", "T"), ("LVT", "T"), ("T", "T")}


def _joins(cluster: str, ch: str, regional_run: int) -> bool:
    prev = cluster[-1]
    if prev == "\r" and ch == "\n":
        return True
    if _is_control(prev) or _is_control(ch) or prev in "\r\n" or ch in "\r\n":
        return False
    if _is_extend(ch):
        return True
    if prev == _ZWJ and _is_pictographic(ch):
        return True
    if _is_regional(prev) and _is_regional(ch):
        return regional_run % 2 == 1
    return (_hangul(prev), _hangul(ch)) in _HANGUL_JOINS


def graphemes(text: str) -> list[str]:
    """``text`` split into user-perceived characters."""
    clusters: list[str] = []
    regional_run = 0
    for ch in text:
        if clusters and _joins(clusters[-1], ch, regional_run):
            clusters[-1] += ch
        else:
            clusters.append(ch)
        regional_run = regional_run + 1 if _is_regional(ch) else 0
    return clusters


def _simple(ch: str, mapped: str) -> str:
    """Go maps case rune by rune with Unicode's simple mappings: a mapping to several characters keeps the rune."""
    if ch == "\u0130" and mapped != ch.upper():
        return "i"
    return mapped if len(mapped) == 1 else ch


def go_upper(text: str) -> str:
    return "".join(_simple(ch, ch.upper()) for ch in text)


def go_lower(text: str) -> str:
    return "".join(_simple(ch, ch.lower()) for ch in text)


def _separator(ch: str) -> bool:
    if ch <= "\x7f":
        return not (ch.isascii() and (ch.isalnum() or ch == "_"))
    if ch.isalpha() or unicodedata.category(ch) == "Nd":
        return False
    return ch in GO_SPACE


def go_title(text: str) -> str:
    """Go's ``strings.Title``: the first letter of every word in title case."""
    out: list[str] = []
    previous = " "
    for ch in text:
        out.append(_simple(ch, ch.title()) if _separator(previous) else ch)
        previous = ch
    return "".join(out)


def go_trimspace(text: str) -> str:
    start, end = 0, len(text)
    while start < end and text[start] in GO_SPACE:
        start += 1
    while end > start and text[end - 1] in GO_SPACE:
        end -= 1
    return text[start:end]
