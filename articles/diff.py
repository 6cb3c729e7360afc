"""Field-by-field comparison of two article versions, for the admin's compare page.

Text is compared word by word with difflib. The body is compared as a stream of HTML tags
and words: the result keeps the newer version's markup, shows added words in <ins> and
removed words in <del>, and is passed through `clean_html` before it is marked safe.
"""

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.sanitize import clean_html

_WORDS = re.compile(r"\w+|[^\w\s]|\s+")
_TOKENS = re.compile(r"<[^>]*>|&#?\w+;|\w+|[^\w\s<]|\s+")
# Private-use characters stand in for <ins>/<del> while the HTML is sanitized, so the
# sanitizer never has to allow those tags in anything a user wrote.
_MARKERS = {
    "ins": ("\ue000", "\ue001"),
    "del": ("\ue002", "\ue003"),
}
_ALL_MARKERS = "".join(a + b for a, b in _MARKERS.values())

# (label, function that turns a version's content into comparable plain text)
FIELDS = [
    ("Title", lambda c: c.get("title", "")),
    ("Subtitle", lambda c: c.get("subtitle", "")),
    ("Summary", lambda c: c.get("summary", "")),
    ("Cautions", lambda c: "\n".join(c.get("cautions", []))),
    ("Evidence note", lambda c: c.get("evidence_note", "")),
    ("Funding statement", lambda c: c.get("funding_statement", "")),
    ("Topics", lambda c: ", ".join(t["name"] for t in c.get("topics", []))),
    (
        "Authors",
        lambda c: "; ".join(f"{a['name']} ({a['credentials']})" for a in c.get("authors", [])),
    ),
    (
        "Medical reviewer",
        lambda c: (c.get("medical_reviewer") or {}).get("name", ""),
    ),
    ("Disclaimer", lambda c: (c.get("disclaimer") or {}).get("text", "")),
    ("Last reviewed", lambda c: c.get("last_reviewed") or ""),
    ("Next review due", lambda c: c.get("next_review_due") or ""),
    (
        "Hero image",
        lambda c: "\n".join(
            f"{key}: {value}" for key, value in (c.get("image") or {}).items() if value
        ),
    ),
    (
        "Sources",
        lambda c: "\n".join(
            " · ".join(
                str(part)
                for part in (s["title"], s.get("publisher"), s.get("url"), s.get("published_on"))
                if part
            )
            for s in c.get("sources", [])
        ),
    ),
]


def _strip_markers(text):
    return text.translate({ord(ch): None for ch in _ALL_MARKERS})


def diff_text(old, new):
    """Plain text with changes marked, escaped and safe to show."""
    old_tokens = _WORDS.findall(old or "")
    new_tokens = _WORDS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new_tokens[j1:j2])))
            continue
        if i2 > i1:
            parts.append(f"<del>{escape(''.join(old_tokens[i1:i2]))}</del>")
        if j2 > j1:
            parts.append(f"<ins>{escape(''.join(new_tokens[j1:j2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece of user text is escaped above)


def _wrapped(tokens, kind, keep_tags):
    """Words wrapped in `kind` markers; tags kept (from the newer version) or dropped."""
    start, end = _MARKERS[kind]
    out, run = [], []

    def flush():
        text = "".join(run)
        run.clear()
        if text.strip():
            out.append(start + text + end)
        elif keep_tags:
            out.append(text)  # Layout whitespace between new tags is not a change to show.

    for token in tokens:
        if token.startswith("<"):
            flush()
            if keep_tags:
                out.append(token)
        else:
            run.append(token)
    flush()
    return out


def diff_html(old, new):
    """The newer body's HTML with added words in <ins> and removed words in <del>.

    Both sides are sanitized first and the result is sanitized again, so nothing a user
    wrote reaches the page unsanitized. Tags removed in the newer version are dropped
    (their words are shown as removed); the structure is the newer version's.
    """
    old_tokens = _TOKENS.findall(clean_html(_strip_markers(old or "")))
    new_tokens = _TOKENS.findall(clean_html(_strip_markers(new or "")))
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.extend(new_tokens[j1:j2])
            continue
        parts.extend(_wrapped(old_tokens[i1:i2], "del", keep_tags=False))
        parts.extend(_wrapped(new_tokens[j1:j2], "ins", keep_tags=True))
    html = clean_html("".join(parts))
    for kind, (start, end) in _MARKERS.items():
        html = html.replace(start, f"<{kind}>").replace(end, f"</{kind}>")
    return mark_safe(html)  # noqa: S308 (sanitized by clean_html; only our own tags added)


def compare(old_content, new_content):
    """Rows for the compare page: label, whether it changed, and the marked-up difference."""
    rows = []
    for label, extract in FIELDS:
        old, new = extract(old_content), extract(new_content)
        rows.append({"label": label, "changed": old != new, "diff": diff_text(old, new)})
    old_body, new_body = old_content.get("body", ""), new_content.get("body", "")
    rows.insert(
        3,
        {"label": "Body", "changed": old_body != new_body, "diff": diff_html(old_body, new_body)},
    )
    return rows
