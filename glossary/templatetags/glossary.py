from django import template
from django.utils.safestring import mark_safe

from glossary.markup import mark_terms
from glossary.models import Term

register = template.Library()


@register.filter
def glossary_terms(html):
    """Sanitized body HTML with the first use of each glossary term explained in place."""
    marked = mark_terms(str(html), list(Term.objects.for_reader_pages()))
    return mark_safe(marked)  # noqa: S308 (input is sanitized; definitions are escaped)
