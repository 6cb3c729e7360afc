"""Mark the first use of each glossary term in an article body (issue 17).

The term becomes a button that opens its definition in place, as a popover: it needs no
JavaScript (the `popovertarget` attribute does it), opens with Enter or Space, closes with Esc
or its own Close button, and the definition follows the button in the reading order, so a
screen reader reaches it next. A browser without popovers shows the definition inline instead.
"""

import re

from django.utils.html import escape

from articles.reader_body import rewrite_text

CASE_SENSITIVE_CAPITALS = 2  # "ANA" or "anti-dsDNA" match only as written; "Nephritis" any case


def _spelling_pattern(spelling):
    # Any run of spaces or line breaks between words: the editor wraps lines anywhere.
    pattern = r"\s+".join(re.escape(word) for word in spelling.split())
    if sum(c.isupper() for c in spelling) >= CASE_SENSITIVE_CAPITALS:
        return pattern
    return f"(?i:{pattern})"


def mark_terms(html, terms):
    """`html` with the first use of each term wrapped in a definition popover."""
    spellings = []
    for term in terms:
        spellings += [(spelling, term) for spelling in term.spellings]
    if not spellings:
        return html
    spellings.sort(key=lambda pair: len(pair[0]), reverse=True)
    by_spelling = {}
    for spelling, term in spellings:
        by_spelling.setdefault(spelling.lower(), term)
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(_spelling_pattern(s) for s, _t in spellings) + r")(?![\w-])"
    )
    done = set()

    def mark(match):
        term = by_spelling[" ".join(match.group(1).split()).lower()]
        if term.pk in done:
            return match.group(0)
        done.add(term.pk)
        popover = f"term-{term.slug}"
        return (
            f'<button type="button" class="term" popovertarget="{popover}">{match.group(1)}'
            f"</button>"
            f'<span class="term-definition" id="{popover}" popover role="note">'
            f"<strong>{escape(term.term)}:</strong> {escape(term.definition)} "
            f'<a href="/glossary/#{escape(term.slug)}">All words explained</a> '
            f'<button type="button" class="term-close" popovertarget="{popover}" '
            f'popovertargetaction="hide">Close</button></span>'
        )

    return rewrite_text(html, lambda text: pattern.sub(mark, text))
