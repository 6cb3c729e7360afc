"""Checks an editor sees before publishing (issue 17): plain language and accessible markup.

`check_version(content)` takes a version's snapshot (`ArticleVersion.content`, or
`Article.snapshot()` for the text in the form) and returns a list of `Check`s. A check of level
"block" must stop publishing (an image a screen-reader user cannot know); "warn" explains
something to improve. static/js/content-checks.js applies the same rules in the editor as the
author types; the rule values below are repeated there, so change both together.

Other apps add checks of their own with `register(function)`, a function taking the snapshot
and returning Checks (sourcecheck does, for broken source links), so articles imports none of them.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from articles import readability

BLOCK = "block"
WARN = "warn"
LONG_PARAGRAPH_WORDS = 100
# Link text that says nothing out of context (a screen reader's list of links reads only this).
VAGUE_LINK_TEXT = {
    "click here", "here", "read more", "more", "this link", "link", "this", "this page",
    "click", "find out more", "learn more", "see here", "go here",
}  # fmt: skip
BARE_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
CITATION = re.compile(r"\[(\d{1,2})\]")
BODY_FIELD = "body"
# Where a check's link leads in the admin form: the field's input, or an inline's group.
ADMIN_ANCHORS = {"sources": "sources-group"}

_registered = []


@dataclass(frozen=True)
class Check:
    level: str  # BLOCK or WARN
    message: str
    field: str = BODY_FIELD  # the form field to fix; the admin's element id is "id_<field>"

    @property
    def blocks(self):
        return self.level == BLOCK

    @property
    def anchor(self):
        return ADMIN_ANCHORS.get(self.field, f"id_{self.field}")


def register(function):
    """Add a check function (content -> list of Check) to every check_version call."""
    if function not in _registered:
        _registered.append(function)
    return function


class _BodyScan(HTMLParser):
    """One pass over the body: images, headings, links and paragraphs with their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.images = []  # alt text or None
        self.headings = []  # (level, text)
        self.links = []  # (href, text)
        self.paragraphs = []  # text
        self._open = []  # [tag, attrs, text parts] of headings, links, paragraphs

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("alt"))
        elif tag in {"h2", "h3", "h4", "h5", "h6", "a", "p"}:
            self._open.append([tag, attrs, []])

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                _tag, attrs, parts = self._open.pop(index)
                text = " ".join("".join(parts).split())
                if tag == "a":
                    self.links.append((attrs.get("href") or "", text))
                elif tag == "p":
                    self.paragraphs.append(text)
                else:
                    self.headings.append((int(tag[1]), text))
                return

    def handle_data(self, data):
        for element in self._open:
            element[2].append(data)


def scan(html):
    parser = _BodyScan()
    parser.feed(html or "")
    parser.close()
    return parser


def check_body(html, source_count=None):
    """The markup rules, on body HTML alone."""
    found = scan(html)
    checks = []
    missing_alt = sum(1 for alt in found.images if alt is None or not alt.strip())
    if missing_alt:
        checks.append(
            Check(
                BLOCK,
                f"{missing_alt} image(s) in the body have no alt text: describe each image "
                "for readers who cannot see it.",
            )
        )
    previous = 1  # the article title is the page's h1
    for level, text in found.headings:
        if not text:
            checks.append(
                Check(WARN, f"An empty level-{level} heading: give it words or remove it.")
            )
        if level > previous + 1:
            checks.append(
                Check(
                    WARN,
                    f"The heading “{text or '(empty)'}” skips from level {previous} to level "
                    f"{level}: screen-reader users move by heading levels.",
                )
            )
        previous = level
    for href, text in found.links:
        label = text.lower().strip(" .:!")
        if label in VAGUE_LINK_TEXT or BARE_URL.match(text):
            checks.append(
                Check(
                    WARN,
                    f"The link text “{text}” does not say where it goes: name the page "
                    "instead (for example the title of what it opens).",
                )
            )
        elif not text:
            checks.append(Check(WARN, f"A link to {href} has no text."))
        if href.lower().startswith("http://"):
            checks.append(
                Check(WARN, f"The link to {href} does not use https: use its https address.")
            )
    for text in found.paragraphs:
        words = readability.word_count(text)
        if words > LONG_PARAGRAPH_WORDS:
            checks.append(
                Check(
                    WARN,
                    f"A paragraph of {words} words (starting “{' '.join(text.split()[:6])}…”) is "
                    f"long for a phone screen: split it (at most {LONG_PARAGRAPH_WORDS} words).",
                )
            )
    if source_count is not None:
        cited = sorted({int(n) for n in CITATION.findall(readability.plain_text(html))})
        unknown = [n for n in cited if not 1 <= n <= source_count]
        if unknown:
            checks.append(
                Check(
                    WARN,
                    "Citation marker(s) "
                    + ", ".join(f"[{n}]" for n in unknown)
                    + f" point to no source: the article has {source_count}.",
                )
            )
    return checks


def check_readability(html):
    result = readability.assess(html)
    if result.meets_target:
        return []
    longest = result.longest_sentences[0][0] if result.longest_sentences else ""
    return [
        Check(
            WARN,
            f"{result.summary} Shorter sentences and everyday words bring it down; the longest "
            f"sentence is “{longest}”.",
        )
    ]


def check_version(content):
    """Every content check on one version's snapshot, blocking ones first."""
    body = content.get("body", "")
    checks = check_body(body, source_count=len(content.get("sources", [])))
    checks += check_readability(body)
    for function in _registered:
        checks += function(content)
    return sorted(checks, key=lambda check: check.level != BLOCK)


def publish_blocks(content):
    """The messages of the checks that must stop publishing, for the publish checklist.

    Only the body's markup rules can block, so only they run here (no reading level, no
    source-link lookups)."""
    return [check.message for check in check_body(content.get("body", "")) if check.blocks]
