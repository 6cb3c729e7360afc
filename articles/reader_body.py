"""The article body as readers get it: headings with ids for "On this page", and citation
markers such as "[2]" linked to the second source and back (issue 17).

Works on sanitized HTML only (articles.sanitize.clean_html output), whose tags are
well-formed, so a tag pattern can split it into tags and text safely.
"""

import html as html_lib
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.text import slugify

TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")
HEADINGS = {"h2", "h3", "h4"}
CITATION = re.compile(r"\[(\d{1,2})\]")
# Text inside these is left alone: a link inside a link is invalid, a heading stays plain.
NO_MARKUP_INSIDE = {"a", "h2", "h3", "h4", "caption", "figcaption", "sup"}
ON_THIS_PAGE_MINIMUM = 3


def tokens(html):
    """(is_tag, name, closing, text) for each tag and each run of text, in order."""
    position = 0
    for match in TAG.finditer(html):
        if match.start() > position:
            yield False, "", False, html[position : match.start()]
        yield True, match.group(2).lower(), bool(match.group(1)), match.group(0)
        position = match.end()
    if position < len(html):
        yield False, "", False, html[position:]


def rewrite_text(html, replace, skip=NO_MARKUP_INSIDE):
    """`html` with each text run outside `skip` elements passed through replace(text)."""
    out = []
    inside = []
    for is_tag, name, closing, text in tokens(html):
        if is_tag:
            if name in skip:
                if closing and name in inside:
                    inside.remove(name)
                elif not closing:
                    inside.append(name)
            out.append(text)
        else:
            out.append(text if inside else replace(text))
    return "".join(out)


@dataclass
class ReaderBody:
    html: str
    headings: list = field(default_factory=list)  # (level, text, id)

    @property
    def on_this_page(self):
        """The h2 sections, when there are enough of them to be worth a list."""
        sections = [h for h in self.headings if h[0] == 2]
        return sections if len(sections) >= ON_THIS_PAGE_MINIMUM else []

    @property
    def cited(self):
        """The source numbers the body cites, so each source can link back to its marker."""
        return {int(n) for n in re.findall(r'id="cite-(\d+)"', self.html)}

    def __str__(self):
        return self.html


def with_heading_ids(html):
    out, headings, taken = [], [], set()
    heading = None  # [name, start tag, parts]
    for is_tag, name, closing, text in tokens(html):
        if heading is not None:
            if is_tag and closing and name == heading[0]:
                inner = "".join(heading[2])
                label = " ".join(html_lib.unescape(TAG.sub("", inner)).split())
                anchor = slugify(label) or "section"
                base, n = anchor, 2
                while anchor in taken:
                    anchor, n = f"{base}-{n}", n + 1
                taken.add(anchor)
                headings.append((int(name[1]), label, anchor))
                # tabindex: an "On this page" link then moves focus to the section, not only
                # the view, so the next Tab continues from there.
                out.append(f'<{name} id="{escape(anchor)}" tabindex="-1">{inner}</{name}>')
                heading = None
            else:
                heading[2].append(text)
        elif is_tag and not closing and name in HEADINGS:
            heading = [name, text, []]
        else:
            out.append(text)
    return "".join(out), headings


def with_citation_links(html, source_count):
    """Turn "[n]" into a link to source n (and give it an id the source links back to)."""
    seen = set()

    def link(match):
        number = int(match.group(1))
        if not 1 <= number <= source_count:
            return match.group(0)
        anchor = f"cite-{number}" if number not in seen else ""
        seen.add(number)
        id_attribute = f' id="{anchor}"' if anchor else ""
        return (
            f'<sup class="cite"><a href="#source-{number}"{id_attribute} '
            f'aria-label="Source {number}">[{number}]</a></sup>'
        )

    return rewrite_text(html, lambda text: CITATION.sub(link, text))


def prepare(html, source_count=0):
    body, headings = with_heading_ids(html)
    return ReaderBody(html=with_citation_links(body, source_count), headings=headings)
