"""A corpus of known cross-site-scripting vectors, for the injection tests.

Each vector calls a recorder with its own number when it runs: `__xss(N)` (defined by the
browser tests' init script) or a dialog (`alert`, `confirm`, `prompt`, which the tests also
record). `VECTORS` is the list of (number, payload) pairs. Sources: the OWASP XSS filter
evasion cheat sheet, PortSwigger's XSS cheat sheet, and published mutation-XSS (mXSS) and
DOM-clobbering write-ups, rewritten to call the recorder.
"""

import datetime
from unittest import mock

# "XSSID" is replaced by the vector's number, so a recorded call names the payload that ran.
_TEMPLATES = [
    # <script> variants --------------------------------------------------------------
    "<script>__xss(XSSID)</script>",
    "<SCRIPT>__xss(XSSID)</SCRIPT>",
    "<ScRiPt>__xss(XSSID)</sCrIpT>",
    "<script >__xss(XSSID)</script >",
    "<script/src=data:,__xss(XSSID)></script>",
    "<script src=data:text/javascript,__xss(XSSID)></script>",
    "<script>/*</script>*/__xss(XSSID)</script>",
    "<<script>__xss(XSSID);//<</script>",
    "<scr<script>ipt>__xss(XSSID)</scr</script>ipt>",
    '<script type="text/javascript">__xss(XSSID)</script>',
    "<script\x0c>__xss(XSSID)</script>",
    "<script>\\u005f_xss(XSSID)</script>",
    "<script>eval('\\x5f\\x5fxss(XSSID)')</script>",
    "<script>window['__x'+'ss'](XSSID)</script>",
    "</title><script>__xss(XSSID)</script>",
    "</textarea><script>__xss(XSSID)</script>",
    "</style><script>__xss(XSSID)</script>",
    "</script><script>__xss(XSSID)</script>",
    "<!--<script>-->__xss(XSSID)<!--</script>-->",
    "<![CDATA[<script>__xss(XSSID)</script>]]>",
    # Event handlers ------------------------------------------------------------------
    "<img src=x onerror=__xss(XSSID)>",
    "<IMG SRC=x ONERROR=__xss(XSSID)>",
    '<img src=x onerror="__xss(XSSID)">',
    "<img src=x onerror='__xss(XSSID)'>",
    "<img src=x onerror=`__xss(XSSID)`>",
    "<img/src=x/onerror=__xss(XSSID)>",
    "<img src=x\tonerror=__xss(XSSID)>",
    "<img src=x\nonerror=__xss(XSSID)>",
    "<img src=x onerror=&#95;&#95;xss(XSSID)>",
    "<img src=x onerror=&#x5f;&#x5f;xss&#x28;XSSID&#x29;>",
    "<img src=/media/x.png onload=__xss(XSSID)>",
    "<img src=x:alert(XSSID) onerror=eval(src)>",
    "<body onload=__xss(XSSID)>",
    "<svg onload=__xss(XSSID)>",
    "<svg/onload=__xss(XSSID)>",
    "<input autofocus onfocus=__xss(XSSID)>",
    "<select autofocus onfocus=__xss(XSSID)>",
    "<textarea autofocus onfocus=__xss(XSSID)></textarea>",
    "<details open ontoggle=__xss(XSSID)>",
    "<video><source onerror=__xss(XSSID)></video>",
    "<audio src=x onerror=__xss(XSSID)>",
    "<marquee onstart=__xss(XSSID)>x</marquee>",
    "<div onmouseover=__xss(XSSID)>hover</div>",
    '<p style="animation-name:x" onanimationstart=__xss(XSSID)>x</p>',
    "<object data=x onerror=__xss(XSSID)></object>",
    "<style onload=__xss(XSSID)></style>",
    "<link rel=stylesheet href=x onerror=__xss(XSSID)>",
    "<a href=x onfocus=__xss(XSSID) autofocus id=x>x</a>",
    # javascript:, data:, vbscript: URLs -------------------------------------------------
    '<a href="javascript:__xss(XSSID)">link</a>',
    '<a href="JaVaScRiPt:__xss(XSSID)">link</a>',
    '<a href=" javascript:__xss(XSSID)">link</a>',
    '<a href="java\tscript:__xss(XSSID)">link</a>',
    '<a href="java\nscript:__xss(XSSID)">link</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:__xss(XSSID)">link</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:__xss(XSSID)">l</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058__xss(XSSID)">link</a>',
    '<a href="javascript&colon;__xss(XSSID)">link</a>',
    '<a href="jav&#x09;ascript:__xss(XSSID)">link</a>',
    '<a href="\x01javascript:__xss(XSSID)">link</a>',
    '<a href="data:text/html,<script>parent.__xss(XSSID)</script>">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX194c3MoMSk8L3NjcmlwdD4=">link</a>',
    '<a href="vbscript:msgbox(XSSID)">link</a>',
    "javascript:__xss(XSSID)",
    "JAVASCRIPT:alert(XSSID)",
    '<img src="javascript:__xss(XSSID)">',
    '<form><button formaction="javascript:__xss(XSSID)">go</button></form>',
    '<form action="javascript:__xss(XSSID)"><input type=submit></form>',
    "<isindex type=image src=1 onerror=__xss(XSSID)>",
    '<math><a xlink:href="javascript:__xss(XSSID)">m</a></math>',
    # SVG and MathML --------------------------------------------------------------------
    "<svg><script>__xss(XSSID)</script></svg>",
    "<svg><script href=data:,__xss(XSSID) />",
    "<svg><animate onbegin=__xss(XSSID) attributeName=x dur=1s>",
    "<svg><a><animate attributeName=href values=javascript:__xss(XSSID) /><text y=20>x</text>"
    "</a></svg>",
    "<svg><set onbegin=__xss(XSSID) attributeName=x to=1>",
    "<svg><image href=x onerror=__xss(XSSID)></svg>",
    "<svg><foreignObject><img src=x onerror=__xss(XSSID)></foreignObject></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x xmlns=http://www.w3.org/2000/svg>'
    '<image href=1 onerror=__xss(XSSID) /></svg>#x" /></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=__xss(XSSID)>",
    "<math><mi xlink:href=javascript:__xss(XSSID)>x</mi></math>",
    "<math><maction actiontype=statusline xlink:href=javascript:__xss(XSSID)>x</maction></math>",
    # Mutation XSS, namespace confusion, nesting ---------------------------------------------
    '<noscript><p title="</noscript><img src=x onerror=__xss(XSSID)>"></noscript>',
    "<template><img src=x onerror=__xss(XSSID)></template>",
    '<svg></p><style><a id="</style><img src=1 onerror=__xss(XSSID)>">',
    '<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title="</style>'
    '<img src onerror=__xss(XSSID)>"></style></h1>',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=__xss(XSSID)>",
    "<svg><style><img src=x onerror=__xss(XSSID)></style></svg>",
    "<table><td><svg><img src=x onerror=__xss(XSSID)>",
    '<xmp><p title="</xmp><img src=x onerror=__xss(XSSID)>">',
    "<listing>&lt;img src=x onerror=__xss(XSSID)&gt;</listing>",
    '<textarea><img title="</textarea><img src=x onerror=__xss(XSSID)>">',
    '<title><img title="</title><img src=x onerror=__xss(XSSID)>"></title>',
    '<iframe><img title="</iframe><img src=x onerror=__xss(XSSID)>"></iframe>',
    '<a href="x"<img src=x onerror=__xss(XSSID)>>x</a>',
    '<img """><script>__xss(XSSID)</script>">',
    "<img src=`x`onerror=__xss(XSSID)>",
    "<<img src=x onerror=__xss(XSSID)//<",
    "<img src=x onerror=__xss(XSSID)//",
    "<p <img src=x onerror=__xss(XSSID)>>",
    # Attribute and context breakouts ------------------------------------------------------
    '"><img src=x onerror=__xss(XSSID)>',
    "'><img src=x onerror=__xss(XSSID)>",
    '" onmouseover="__xss(XSSID)',
    "' onfocus='__xss(XSSID)' autofocus '",
    '" autofocus onfocus="__xss(XSSID)',
    "</a><img src=x onerror=__xss(XSSID)>",
    "--><img src=x onerror=__xss(XSSID)>",
    "]]><img src=x onerror=__xss(XSSID)>",
    "';__xss(XSSID);//",
    '";__xss(XSSID);//',
    "</script><img src=x onerror=__xss(XSSID)>",
    "\\u003cimg src=x onerror=__xss(XSSID)\\u003e",
    "${__xss(XSSID)}",
    "{{constructor.constructor('__xss(XSSID)')()}}",
    # Frames, forms, meta refresh, base href ----------------------------------------------
    '<iframe src="javascript:parent.__xss(XSSID)"></iframe>',
    '<iframe srcdoc="<script>parent.__xss(XSSID)</script>"></iframe>',
    '<iframe srcdoc="&lt;img src=x onerror=parent.__xss(XSSID)&gt;"></iframe>',
    '<embed src="javascript:__xss(XSSID)">',
    '<object data="javascript:__xss(XSSID)"></object>',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(XSSID)">',
    '<base href="javascript:/a/-__xss(XSSID)///////"><a href=../lol/safari.html>x</a>',
    '<base href="//evil.example/">',
    "<form id=test><input name=action value=x></form><button form=test "
    "formaction=javascript:__xss(XSSID)>x</button>",
    "<input type=image src=x onerror=__xss(XSSID)>",
    "<frameset onload=__xss(XSSID)>",
    # Style and legacy expression ----------------------------------------------------------
    '<div style="width:expression(__xss(XSSID))">x</div>',
    '<div style="background:url(javascript:__xss(XSSID))">x</div>',
    "<style>@import 'javascript:__xss(XSSID)';</style>",
    "<style>*{x:expression(__xss(XSSID))}</style>",
    '<div style="behavior:url(x.htc)" onclick=__xss(XSSID)>x</div>',
    # DOM clobbering ----------------------------------------------------------------------
    '<a id=__xss href="javascript:alert(XSSID)">x</a>',
    "<form id=__xssHits><input name=push></form>",
    "<img name=getElementById src=x onerror=__xss(XSSID)>",
    '<a id=defaultConfig><a id=defaultConfig name=src href="data:,__xss(XSSID)">',
    "<form name=body><img id=cookie></form>",
    # Unicode and encodings -----------------------------------------------------------------
    "\uff1cscript\uff1e__xss(XSSID)\uff1c/script\uff1e",
    "\u003cscript\u003e__xss(XSSID)\u003c/script\u003e",
    "%3Cscript%3E__xss(XSSID)%3C%2Fscript%3E",
    "&lt;script&gt;__xss(XSSID)&lt;/script&gt;",
    "&#60;script&#62;__xss(XSSID)&#60;/script&#62;",
    "<scr\u0131pt>__xss(XSSID)</scr\u0131pt>",
    "<img src=x onerror=\u0061lert(XSSID)>",
    "<img src=x one\u200brror=__xss(XSSID)>",
    "+ADw-script+AD4-__xss(XSSID)+ADw-/script+AD4-",
    "<img src=x onerror=confirm(XSSID)>",
    "<img src=x onerror=prompt(XSSID)>",
    "<svg onload=alert`XSSID`>",
    "<img src=x onerror=top['al'+'ert'](XSSID)>",
    "<img src=x onerror=window.onerror=alert;throw+XSSID>",
]

VECTORS = [
    (number, template.replace("XSSID", str(number)))
    for number, template in enumerate(_TEMPLATES, start=1)
]


GROUP = 10


def _packed(max_length, vectors):
    """As many whole vectors as fit in a field of `max_length` characters."""
    text = ""
    for _, payload in vectors:
        candidate = f"{text} {payload}" if text else payload
        if len(candidate) > max_length:
            break
        text = candidate
    return text


def _all_lines(vectors):
    return "\n".join(payload for _, payload in vectors)


def build_corpus(vectors=VECTORS):
    """_build_corpus with the content checks' publish block off: vectors such as
    <img src=x onerror=…> are body images without alt text, which the publish checklist refuses
    (issue 17), and they must still reach readers to prove they cannot run."""
    with mock.patch("articles.content_checks.publish_blocks", return_value=[]):
        return _build_corpus(vectors)


def _build_corpus(vectors=VECTORS):
    """Save every vector into every text field readers or staff see, and publish it all.

    One small published article per vector carries it in every field (title, subtitle,
    summary, body, cautions, evidence note, funding statement, a source's title and
    publisher, its author's name, credentials and bio, its topic's name and description, its
    disclaimer, its public change note), with an inquiry whose question, notes and name are
    the vector. One "corpus" article with a hero image holds all vectors at once (body, text
    fields, one source per vector, image caption and credit) in two versions, so the admin's
    change form, history, version, compare and preview pages show every vector. Returns a
    dict of what was made, for the tests to visit.
    """
    from django.contrib.auth.models import User

    from articles.models import (
        Article,
        ArticleAuthor,
        Author,
        Disclaimer,
        Source,
        Topic,
    )
    from inquiries.models import Inquiry
    from tests.factories import make_hero_image

    chief = User.objects.create_superuser("xss-chief", password="correct horse battery staple")
    articles, topics, authors = [], [], []
    for index, (number, payload) in enumerate(vectors):
        # The first topic and author of every ten also carry the next ten vectors, so a
        # browser visiting one page in ten still sees every description and biography.
        group = _all_lines(vectors[index : index + GROUP]) if index % GROUP == 0 else payload
        topic = Topic.objects.create(
            name=f"{number} {payload}"[:100], slug=f"xss-topic-{number}", description=group
        )
        author = Author.objects.create(
            name=payload[:150],
            slug=f"xss-author-{number}",
            credentials=payload[:150],
            bio=group,
        )
        disclaimer = Disclaimer.objects.create(name=f"xss disclaimer {number}", text=payload)
        article = Article.objects.create(
            slug=f"xss-{number}",
            title=payload[:200],
            subtitle=payload[:250],
            summary=payload,
            body=payload,
            cautions=payload,
            evidence_note=payload,
            funding_statement=payload,
            disclaimer=disclaimer,
            last_reviewed=datetime.date(2026, 1, 15),
            featured=number <= 3,
        )
        article.topics.set([topic])
        ArticleAuthor.objects.create(article=article, author=author)
        Source.objects.create(
            article=article,
            title=payload[:300],
            publisher=payload[:200],
            url="https://example.org/",
        )
        article.save_version(by=chief, change_note=payload, note_is_public=True)
        article.publish(by=chief)
        Inquiry.objects.create(question=payload, staff_notes=payload, name=payload[:150])
        articles.append(article)
        topics.append(topic)
        authors.append(author)

    corpus = Article.objects.create(
        slug="xss-corpus",
        title=_packed(200, vectors),
        subtitle=_packed(250, vectors),
        summary=_all_lines(vectors),
        body="".join(f"<p>{payload}</p>" for _, payload in vectors),
        cautions=_all_lines(vectors),
        evidence_note=_all_lines(vectors),
        funding_statement=_all_lines(vectors),
        disclaimer=articles[0].disclaimer,
        last_reviewed=datetime.date(2026, 1, 15),
        image=make_hero_image(),
        image_alt=_packed(250, vectors),
        image_caption=_packed(300, vectors),
        image_credit=_packed(200, vectors),
        image_rights_holder=_packed(200, vectors),
        image_permission_contact=_packed(200, vectors),
    )
    corpus.topics.set(topics[:5])
    ArticleAuthor.objects.create(article=corpus, author=authors[0])
    for order, (_, payload) in enumerate(vectors):
        Source.objects.create(
            article=corpus, order=order, title=payload[:300], publisher=payload[:200]
        )
    corpus.save_version(by=chief, change_note=_all_lines(vectors), note_is_public=True)
    corpus.body = "".join(f"<p>{payload} changed</p>" for _, payload in reversed(vectors))
    corpus.save()
    corpus.save_version(by=chief, change_note=_all_lines(vectors), note_is_public=True)
    corpus.publish(by=chief)
    inquiry = Inquiry.objects.create(
        question=_all_lines(vectors), staff_notes=_all_lines(vectors), name=_packed(150, vectors)
    )
    inquiry.topics.set(topics[:10])
    return {
        "user": chief,
        "articles": articles,
        "corpus": corpus,
        "topics": topics,
        "authors": authors,
        "inquiry": inquiry,
    }


def public_urls(made, vectors=VECTORS, every_page=True):
    """Every reader page that shows the corpus, with searches for every vector.

    With `every_page` false (the browser test, where each page costs time): topic and author
    pages only for the first of every ten (they carry the ten vectors' descriptions and
    biographies; every name is also shown on the article pages), and searches packed with
    as many vectors as one query holds.
    """
    from urllib.parse import urlencode

    from articles.views import MAX_QUERY_LENGTH, PAGE_SIZE

    pages = -(-(len(made["articles"]) + 1) // PAGE_SIZE)
    step = 1 if every_page else GROUP
    urls = ["/", "/articles/", "/ask/", "/feeds/articles/", "/feeds/articles/atom/"]
    urls += ["/sitemap.xml", "/ask/?article=xss-corpus"]
    urls += [f"/sitemap-{section}.xml" for section in ("articles", "topics", "authors")]
    urls += [f"/articles/?page={number}" for number in range(2, pages + 1)]
    urls += [article.get_absolute_url() for article in [made["corpus"], *made["articles"]]]
    urls += [topic.get_absolute_url() for topic in made["topics"][::step]]
    urls += [author.get_absolute_url() for author in made["authors"][::step]]
    urls += [f"/ask/?article={article.slug}" for article in made["articles"][:10]]
    if every_page:
        queries = [payload for _, payload in vectors]
    else:
        queries = _packed_runs(MAX_QUERY_LENGTH, vectors)
    urls += ["/articles/?" + urlencode({"q": query}) for query in queries]
    return urls


def _packed_runs(max_length, vectors):
    """All vectors, consecutive ones joined by spaces into strings of at most `max_length`."""
    runs, current = [], ""
    for _, payload in vectors:
        if current and len(current) + 1 + len(payload) > max_length:
            runs.append(current)
            current = ""
        current = f"{current} {payload}" if current else payload
    return [*runs, current] if current else runs


def admin_urls(made):
    """The admin pages that show the corpus (change forms run CKEditor on the body)."""
    corpus = made["corpus"].pk
    article = made["articles"][0]
    inquiry = made["inquiry"].pk
    base = "/admin/articles/article"
    return [
        "/admin/",
        f"{base}/",
        f"{base}/?p=1",
        f"{base}/?q=script",
        f"{base}/{corpus}/change/",
        f"{base}/{corpus}/history/",
        f"{base}/{corpus}/compare/?a=1&b=2",
        f"{base}/{corpus}/versions/1/",
        f"{base}/{corpus}/versions/2/",
        f"{base}/{corpus}/preview/",
        f"{base}/{corpus}/versions/1/preview/",
        f"{base}/{article.pk}/change/",
        f"{base}/{article.pk}/history/",
        "/admin/articles/topic/",
        f"/admin/articles/topic/{made['topics'][0].pk}/change/",
        "/admin/articles/author/",
        f"/admin/articles/author/{made['authors'][0].pk}/change/",
        "/admin/articles/disclaimer/",
        f"/admin/articles/disclaimer/{article.disclaimer_id}/change/",
        "/admin/inquiries/inquiry/",
        "/admin/inquiries/inquiry/?p=1",
        "/admin/inquiries/inquiry/?p=2",
        "/admin/inquiries/inquiry/?q=onerror",
        f"/admin/inquiries/inquiry/{inquiry}/change/",
        "/admin/inquiries/demandreport/",
        "/admin/inquiries/demandreport/?period=365",
    ]
