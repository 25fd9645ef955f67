"""The vision or slogan a plan runs under: a quoted phrase the text calls 비전, 슬로건, 목표 or 기조.

Korean reports put the phrase in quotes and name its role right next to it:
``‘…, 부천’ 비전 아래``, ``‘…’를 내걸고``, ``‘…’이라는 슬로건``, ``비전은 ‘…’``,
``‘…’을 비전으로``. A quoted phrase without such a word is a name or a quotation,
not a vision.
"""

from __future__ import annotations

import re

QUOTE = r"[‘'“\"「『<《]"
UNQUOTE = r"[’'”\"」』>》]"
PHRASE = rf"{QUOTE}(?P<v>[^‘’'“”\"「」『』<>《》\n]{{4,60}}){UNQUOTE}"
ROLE = r"(?:비전|슬로건|기치|모토|캐치프레이즈|미래상|도시상|목표상|목표|기조)"

# Each rule: a regex with the phrase in group "v". Tried in order; first hit wins.
VISION_RULES: tuple[re.Pattern[str], ...] = (
    # ‘…’ 비전 아래 / ‘…’이라는 슬로건 / ‘…’를 비전으로 / ‘…’의 비전
    re.compile(rf"{PHRASE}\s?(?:이라는|라는|이란|란|를|을|의|으로|로|이|가)?\s?(?:새로운\s|새\s|미래\s)?{ROLE}"),
    # 비전은 ‘…’ / 비전으로 ‘…’를 제시 / 슬로건인 ‘…’ / 목표로는 ‘…’을 내세웠다
    re.compile(rf"{ROLE}\s?(?:은|는|으로|으로는|로|로는|인|을|를|:)?\s?{PHRASE}"),
    # ‘…’를 조성하는 것이 목표다
    re.compile(rf"{PHRASE}\s?(?:를|을)\s?[가-힣]{{1,8}}\s?(?:하는|되는)\s?것이\s?(?:목표|비전)"),
    # ‘…’를 내걸고 / 표방: a role said by the verb only, when no phrase is named 비전, 슬로건 or 목표
    re.compile(rf"{PHRASE}\s?(?:를|을)\s?(?:내걸|내세우|표방|앞세우|목표로)"),
)
NOT_A_VISION = re.compile(r"계획|용역|위원회|조례|협약|보고회|포럼|축제|센터|사업$|로드맵|플랜|전략$")
# One of two quoted phrases given together ("‘…’과 ‘…’이라는 두 목표"): no single slogan.
PAIRED_BEFORE = re.compile(rf"{UNQUOTE}\s?(?:과|와|및)\s?$")
PAIRED_AFTER = re.compile(rf"^\s?(?:과|와|및)\s?{QUOTE}")


def find_vision(texts: list[str]) -> str | None:
    """The first vision or slogan phrase in ``texts`` (title, subtitle, body)."""
    for rule in VISION_RULES:
        for text in texts:
            for m in rule.finditer(text):
                phrase = m.group("v").strip()
                paired = PAIRED_BEFORE.search(text[max(0, m.start() - 4):m.start()]) or PAIRED_AFTER.match(text[m.end("v") + 1:])
                if not NOT_A_VISION.search(phrase) and not paired:
                    return phrase
    return None
