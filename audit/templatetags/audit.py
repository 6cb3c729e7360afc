from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def audit_log_link(obj, user):
    """A link to an article's own audit entries, for those who may read the log (superusers)."""
    if obj is None or obj.pk is None or not (user.is_active and user.is_superuser):
        return ""
    content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
    url = reverse("admin:audit_auditentry_changelist")
    return format_html(
        '<li><a href="{}?content_type__id__exact={}&amp;object_id={}">{}</a></li>',
        url,
        content_type.pk,
        obj.pk,
        "Audit entries for this article",
    )
