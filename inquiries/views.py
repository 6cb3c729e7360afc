import logging

from django.conf import settings
from django.core.mail import send_mail
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_ratelimit.core import is_ratelimited

from articles.models import Article
from inquiries.forms import AskForm, new_form_token
from inquiries.models import hash_client_address
from ldn_portal.security import client_ip_address

logger = logging.getLogger(__name__)


def client_key(group, request):
    """Rate-limit key: the hashed client address, so the cache never holds a raw IP either."""
    return hash_client_address(client_ip_address(request) or "unknown")


def _rate(group, request):
    return settings.INQUIRY_RATE_LIMIT


class AskView(View):
    """The public question form: GET shows it (prefilled from ?article=), POST records it."""

    template_name = "inquiries/ask.html"

    def get(self, request):
        slug = request.GET.get("article", "")
        article = Article.objects.live().filter(slug=slug).first() if slug else None
        return self._render(AskForm.for_article(article), article)

    def post(self, request):
        if is_ratelimited(
            request,
            group="inquiries.ask",
            key=client_key,
            rate=_rate,
            method="POST",
            increment=True,
        ):
            return render(request, "inquiries/rate_limited.html", status=429)
        form = AskForm(request.POST)
        if not form.is_valid():
            # A fresh token so the corrected form can be sent; everything typed stays.
            form.data = form.data.copy()
            form.data["form_token"] = new_form_token()
            return self._render(form, form.cleaned_data.get("article"), status=400)
        if form.is_bot:
            # Look the same as success so the bot learns nothing.
            return redirect("inquiries:thanks")
        inquiry, created = form.save(client_hash=hash_client_address(client_ip_address(request)))
        if created:
            logger.info("Web inquiry %s received", inquiry.pk)
            _notify_staff(request, inquiry)
        return redirect("inquiries:thanks")

    def _render(self, form, article, status=200):
        return render(
            request=self.request,
            template_name=self.template_name,
            context={
                "form": form,
                "article": article,
                "consent_version": settings.INQUIRY_CONSENT_TEXT_VERSION,
            },
            status=status,
        )


ask = never_cache(AskView.as_view())


class ThanksView(TemplateView):
    template_name = "inquiries/thanks.html"


def _notify_staff(request, inquiry):
    """Tell staff a question arrived. Only a link: no question text or personal data."""
    if not settings.INQUIRY_NOTIFY_EMAIL:
        return
    link = request.build_absolute_uri(reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]))
    lines = [
        "A reader sent a question through the website.",
        f"Reply wanted: {'yes' if inquiry.reply_wanted else 'no'}",
    ]
    if inquiry.source_article_id:
        lines.append(f"Sent from the article: {inquiry.source_article.title}")
    lines += ["", f"Read and triage it here (staff sign-in needed): {link}"]
    send_mail(
        subject=f"[{settings.SITE_NAME}] New reader question",
        message="\n".join(lines),
        from_email=None,
        recipient_list=[settings.INQUIRY_NOTIFY_EMAIL],
        fail_silently=True,
    )
