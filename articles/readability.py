"""How plain an article's body is, for editors (issue 17).

The figure is the Flesch-Kincaid grade level, computed by `textstat`:

    grade = 0.39 × (words / sentences) + 11.8 × (syllables / words) − 15.59

We use it because it answers in school grades, the unit of the guidance editors are given
(NIH and AMA: below 8th grade; a reading age of 9–11 is roughly grades 4–6), because it rests
only on sentence length and word length, the two things an author can change, and because it is
the formula most health-literacy audits report, so our figure can be compared with theirs.
It is a guide, not a verdict: it cannot tell whether a short word is a familiar one.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import textstat
from django.conf import settings

# Elements that end a run of text: a heading or a list item without a full stop is still
# its own sentence, not the start of the next one.
BLOCK_TAGS = {
    "p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "td", "th", "caption",
    "figcaption", "br", "tr", "ul", "ol", "table", "figure", "hr",
}  # fmt: skip
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“(]?[A-Z0-9])")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
LONGEST_SHOWN = 3
HARD_WORDS_SHOWN = 10
# A word of this many syllables or more that is not on the Dale-Chall list of words most
# fourth-graders know is one a reader may need explained.
HARD_WORD_SYLLABLES = 3


class _TextBlocks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = [[]]

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.blocks.append([])

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.blocks.append([])

    def handle_data(self, data):
        self.blocks[-1].append(data)


def text_blocks(html):
    """The body's text, one string per paragraph, heading or list item."""
    parser = _TextBlocks()
    parser.feed(html or "")
    parser.close()
    blocks = (" ".join("".join(parts).split()) for parts in parser.blocks)
    return [block for block in blocks if block]


def plain_text(html):
    """Body text with every block ending in a full stop, as the formula expects."""
    return " ".join(b if b[-1] in ".!?:;" else b + "." for b in text_blocks(html))


def sentences(html):
    found = []
    for block in text_blocks(html):
        found.extend(part.strip() for part in SENTENCE_END.split(block) if part.strip())
    return found


def word_count(text):
    return len(WORD.findall(text))


@dataclass
class Readability:
    """The reading level of one body of text, with what to change first."""

    grade: float | None
    target: float
    words: int
    longest_sentences: list = field(default_factory=list)  # (sentence, word count), longest first
    hard_words: list = field(default_factory=list)  # words most likely to need explaining

    @property
    def meets_target(self):
        return self.grade is None or self.grade <= self.target

    @property
    def summary(self):
        if self.grade is None:
            return "No body text to measure yet."
        verdict = "meets" if self.meets_target else "is above"
        return (
            f"Reading level: grade {self.grade:.1f} (Flesch-Kincaid); "
            f"{verdict} the target of grade {self.target:g}."
        )


def target_grade():
    return float(getattr(settings, "LDN_READING_GRADE_TARGET", 8))


def assess(html, target=None):
    """The Flesch-Kincaid grade of `html`'s text, its longest sentences and hardest words."""
    target = target_grade() if target is None else target
    text = plain_text(html)
    words = word_count(text)
    if not words:
        return Readability(grade=None, target=target, words=0)
    # The formula goes below zero for a few very short sentences; no reader is below grade 0.
    grade = max(0.0, round(textstat.flesch_kincaid_grade(text), 1))
    longest = sorted(((s, word_count(s)) for s in sentences(html)), key=lambda p: -p[1])
    return Readability(
        grade=grade,
        target=target,
        words=words,
        longest_sentences=longest[:LONGEST_SHOWN],
        hard_words=hard_words(text),
    )


def hard_words(text, limit=HARD_WORDS_SHOWN):
    """Long words outside the Dale-Chall easy list, most used first, each once."""
    counts = {}
    for word in WORD.findall(text):
        key = word.lower().strip("'’-")
        if key in counts:
            counts[key][1] += 1
            continue
        if textstat.syllable_count(key) < HARD_WORD_SYLLABLES or textstat.is_easy_word(key):
            continue
        counts[key] = [word, 1]
    ranked = sorted(counts.values(), key=lambda pair: -pair[1])
    return [word for word, _count in ranked[:limit]]
