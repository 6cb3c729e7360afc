import logging

from django.conf import settings
from django.core.mail import send_mail
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from django_ratelimit.core import is_ratelimited

from articles.models import Article
from articles.search import suggest
from inquiries.forms import AskForm, FeedbackForm, new_form_token
from inquiries.models import ArticleSuggestion, hash_client_address
from ldn_portal.security import client_ip_address

logger = logging.getLogger(__name__)


def client_key(group, request):
    """Rate-limit key: the hashed client address, so the cache never holds a raw IP either."""
    return hash_client_address(client_ip_address(request) or "unknown")


def _rate(group, request):
    return settings.INQUIRY_RATE_LIMIT


def _cross_site(request):
    """True when the browser says the POST came from another site (the check Django's CSRF
    middleware makes on the Origin header, plus Sec-Fetch-Site)."""
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        return True
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}"
    return origin != own and origin not in settings.CSRF_TRUSTED_ORIGINS


class AskView(View):
    """The public question form: GET shows it (prefilled from ?article=), POST records it."""

    template_name = "inquiries/ask.html"

    def get(self, request):
        slug = request.GET.get("article", "")
        article = Article.objects.live().filter(live_version__slug=slug).first() if slug else None
        return self._render(AskForm.for_article(article), article)

    def post(self, request):
        if _cross_site(request):
            return render(request, "inquiries/cross_site.html", status=403)
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
            ArticleSuggestion.objects.record(form.cleaned_data["suggested"], "sent_anyway")
        # A message that may describe an emergency is answered at once, on the next page.
        return redirect("inquiries:thanks_urgent" if inquiry.is_urgent else "inquiries:thanks")

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


# Exempt from Django's CSRF check, for the reasons given at `feedback` below: the form sits on
# cached article pages that carry no cookie and nothing per reader. Protected instead by the
# Origin / Sec-Fetch-Site check, the signed form token with its minimum fill time, the
# honeypot, the rate limit and the submission id against doubles (tests/inquiries).
ask = csrf_exempt(never_cache(AskView.as_view()))


FEEDBACK_MESSAGES = {
    FeedbackForm.HELPFUL: "Thank you for telling us.",
    FeedbackForm.NOT_HELPFUL: "Thank you for telling us. We use this to improve our articles.",
    FeedbackForm.ERROR: "Thank you: your report has reached our team, who will check the article.",
}


def _feedback_rate(group, request):
    return settings.INQUIRY_FEEDBACK_RATE_LIMIT


def _feedback_reply(request, message, status, article=None, flag=""):
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"ok": status == 200, "message": message}, status=status)
    if status == 200 and article is not None:
        return redirect(f"{article.get_absolute_url()}?feedback={flag}#feedback")
    return render(
        request,
        "inquiries/feedback_problem.html",
        {"message": message, "article": article},
        status=status,
    )


# Exempt from Django's CSRF check on purpose: article pages are served from a shared page
# cache (articles/cache.py), so a CSRF token in their HTML would belong to another reader and
# fail, and adding one would stop those pages being cached at all. The check protects nothing
# here: the request carries no session or identity, so a forged one can only do what anyone
# can do directly. What does protect it: POST only, a same-site Origin / Sec-Fetch-Site
# check, a honeypot, and the per-address rate limit (tests/inquiries/test_closing_the_loop.py).
@csrf_exempt
@require_POST
@never_cache
def feedback(request):
    """Helpful votes and error reports from article pages, with or without JavaScript."""
    if _cross_site(request):
        return _feedback_reply(request, "Feedback must be sent from our own pages.", 403)
    if is_ratelimited(
        request,
        group="inquiries.feedback",
        key=client_key,
        rate=_feedback_rate,
        method="POST",
        increment=True,
    ):
        return _feedback_reply(
            request, "We have had a lot of feedback from your connection: please try later.", 429
        )
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        article = form.cleaned_data.get("article")
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return _feedback_reply(request, message, 400, article)
    kind = form.cleaned_data["kind"]
    if not form.is_bot:
        inquiry = form.save()
        if inquiry is not None:
            logger.info("Error report %s received", inquiry.pk)
    flag = "reported" if kind == FeedbackForm.ERROR else "thanks"
    article = form.cleaned_data["article"]
    return _feedback_reply(request, FEEDBACK_MESSAGES[kind], 200, article, flag)


@method_decorator(never_cache, name="dispatch")
class ThanksView(TemplateView):
    template_name = "inquiries/thanks.html"
    urgent = False

    def get_context_data(self, **kwargs):
        return super().get_context_data(urgent=self.urgent, **kwargs)


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


SUGGESTIONS_MIN_LENGTH = 12
SUGGESTIONS_MAX_LENGTH = 500


@require_GET
def suggestions(request):
    """Live articles that may answer the question a reader is typing (JSON, for ask.js)."""
    text = request.GET.get("q", "")[:SUGGESTIONS_MAX_LENGTH]
    found = suggest(Article.objects.live(), text) if len(text) >= SUGGESTIONS_MIN_LENGTH else []
    response = JsonResponse(
        {
            "suggestions": [
                {
                    "id": article.pk,
                    "title": article.title,
                    "url": reverse("inquiries:open_suggestion", args=[article.pk]),
                }
                for article in found
            ]
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def open_suggestion(request, article_id):
    """A suggested article, opened from the question form: counted, then shown."""
    article = get_object_or_404(Article.objects.live(), pk=article_id)
    ArticleSuggestion.objects.record([article.pk], "opened")
    return redirect(article.get_absolute_url())
