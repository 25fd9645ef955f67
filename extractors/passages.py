"""Which parts of an article facts are read from: title, subtitle, lead, body sentences.

The cleaner upstream removes boilerplate, but a text capture can still leak some:
a ranking block that names other cities, a copyright line, a second copy of the
body. Facts are therefore read only from the *article zone*: the body up to the
first line that starts such a block, with repeated paragraphs dropped. The lead
(the first few news sentences) is where Korean news says who did what and when.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planwatch.records import Article

# A line starting one of these ends the article: what follows is the page around it.
END_OF_ARTICLE = re.compile(
    r"^\s*(?:[-•·*]\s*)?(?:랭킹\s?뉴스|많이\s?본\s?뉴스|인기\s?기사|헤드라인\s?뉴스|실시간\s?뉴스|포토\s?뉴스|"
    r"HOT\s?ISSUE|관련\s?기사|추천\s?기사|기자의\s?다른\s?기사|이\s?기사를\s?공유|나도\s?한마디|"
    r"이전\s?기사\s?보기|다음\s?기사\s?보기|모바일\s?버전|저작권자|.{0,40}무단\s?전재|.{0,40}재배포\s?금지)",
    re.IGNORECASE,
)
# Sentence ends: Korean declaratives end in 다/요/음/함 before the period; quotes may follow.
SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’」)]*\s+|(?<=다)\s+(?=[A-Z가-힣▲▶△①-⑳\[(‘'“\"])")
BYLINE_LINE = re.compile(r"^\s*(?:/\s*)?[가-힣]{2,6}\s?=\s?[가-힣]{2,4}\s?기자|^\s*[가-힣]{2,4}\s?기자\s*[\w.@-]*\s*$")
LEAD_SIZE = 3


@dataclass
class Passages:
    """An article cut into the pieces extraction looks at."""

    title: str
    subtitle: str
    paragraphs: list[str]
    sentences: list[str] = field(default_factory=list)

    @property
    def body(self) -> str:
        return "\n".join(self.paragraphs)

    def lead(self, size: int = LEAD_SIZE) -> list[str]:
        """The first news sentences (captions and bylines skipped)."""
        out = [s for s in self.sentences if _is_news_sentence(s)]
        return out[:size]

    @property
    def head(self) -> str:
        """Title, subtitle and lead: where the event of the article is said."""
        return "\n".join([self.title, self.subtitle, *self.lead()])

    @property
    def everything(self) -> str:
        return "\n".join([self.title, self.subtitle, self.body])


def article_passages(article: Article) -> Passages:
    paragraphs = article_zone(article.text)
    sentences = [s for p in paragraphs for s in split_sentences(p)]
    return Passages(article.title or "", article.subtitle or "", paragraphs, sentences)


def article_zone(text: str) -> list[str]:
    """The body's paragraphs up to the first leaked page block, each paragraph once."""
    out: list[str] = []
    seen: set[str] = set()
    for line in (text or "").split("\n"):
        line = line.strip()
        if not line:
            continue
        if out and END_OF_ARTICLE.match(line):
            break
        key = re.sub(r"\s+", "", line)
        if key in seen:
            continue
        seen.add(key)
        out.append(line)
    return out


def split_sentences(paragraph: str) -> list[str]:
    parts = [p.strip() for p in SENTENCE_END.split(paragraph)]
    return [p for p in parts if p]


def _is_news_sentence(sentence: str) -> bool:
    if BYLINE_LINE.search(sentence):
        return False
    return len(sentence) >= 20 and bool(re.search(r"(?:다|다\.|요\.)[\"'”’]?$|했다|밝혔다", sentence))
