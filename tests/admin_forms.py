"""The article admin's change form as staff post it, for tests of the admin."""

from django.urls import reverse


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def article_url(name, article, *args):
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


def form_data(article, **overrides):
    """The change form exactly as the admin would post it for `article`, plus overrides."""
    article.refresh_from_db()
    data = {
        "title": article.title,
        "slug": article.slug,
        "subtitle": article.subtitle,
        "summary": article.summary,
        "body": article.body,
        "cautions": article.cautions,
        "evidence_note": article.evidence_note,
        "funding_statement": article.funding_statement,
        "topics": [t.pk for t in article.topics.all()],
        "medical_reviewer": article.medical_reviewer_id or "",
        "disclaimer": article.disclaimer_id or "",
        "last_reviewed": article.last_reviewed.isoformat() if article.last_reviewed else "",
        "next_review_due": article.next_review_due.isoformat() if article.next_review_due else "",
        "image_alt": article.image_alt,
        "image_caption": article.image_caption,
        "image_credit": article.image_credit,
        "image_rights_holder": article.image_rights_holder,
        "image_licence": article.image_licence,
        "image_permission_contact": article.image_permission_contact,
        "image_source_url": article.image_source_url,
        "change_note": "",
        "based_on_version": article.latest_version.number if article.latest_version else 0,
    }
    links = list(article.article_authors.all())
    data.update(management_form("article_authors", len(links)))
    for i, link in enumerate(links):
        data.update(
            {
                f"article_authors-{i}-id": link.pk,
                f"article_authors-{i}-article": article.pk,
                f"article_authors-{i}-author": link.author_id,
                f"article_authors-{i}-order": link.order,
            }
        )
    sources = list(article.sources.all())
    data.update(management_form("sources", len(sources)))
    for i, source in enumerate(sources):
        data.update(
            {
                f"sources-{i}-id": source.pk,
                f"sources-{i}-article": article.pk,
                f"sources-{i}-order": source.order,
                f"sources-{i}-title": source.title,
                f"sources-{i}-publisher": source.publisher,
                f"sources-{i}-url": source.url,
                f"sources-{i}-published_on": "",
                f"sources-{i}-kind": source.kind,
            }
        )
    data.update(overrides)
    return data


def management_form(prefix, initial):
    return {
        f"{prefix}-TOTAL_FORMS": initial,
        f"{prefix}-INITIAL_FORMS": initial,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
