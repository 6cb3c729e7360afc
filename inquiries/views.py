import logging

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import slug_re
from django.db import InterfaceError, OperationalError
from django.forms import HiddenInput
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from django_ratelimit.core import get_usage

from articles.models import Article
from articles.search import suggest
from inquiries.forms import AskForm, FeedbackForm, new_form_token
from inquiries.models import ArticleSuggestion, hash_client_address
from ldn_portal.middleware import RETRY_AFTER_SECONDS
from ldn_portal.security import client_ip_address

logger = logging.getLogger(__name__)

# What a store that did not happen looks like: the server gone, or a statement or lock timeout
# (PostgreSQL's query-canceled error). A programming error still surfaces as a 500.
NOT_STORED = (OperationalError, InterfaceError)


def client_key(group, request):
    """Rate-limit key: the hashed client address, so the cache never holds a raw IP either."""
    return hash_client_address(client_ip_address(request) or "unknown")


def _rate(group, request):
    return settings.INQUIRY_RATE_LIMIT


def _over_limit(request, group, rate):
    """True when this client has already sent as many as `rate` allows.

    Only checks: a send counts (`_count_send`) once it is stored, so sends refused for a
    mistake or lost to an outage never lock a reader out.
    """
    usage = get_usage(request, group=group, key=client_key, rate=rate, increment=False)
    return usage is not None and usage["count"] >= usage["limit"]


def _count_send(request, group, rate):
    get_usage(request, group=group, key=client_key, rate=rate, increment=True)


def _not_stored_reply(response):
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
        if _over_limit(request, "inquiries.ask", _rate):
            return render(request, "inquiries/rate_limited.html", status=429)
        form = AskForm(request.POST)
        try:
            if not form.is_valid():
                # A fresh token so the corrected form can be sent; everything typed stays.
                form.data = form.data.copy()
                form.data["form_token"] = new_form_token()
                return self._render(form, form.cleaned_data.get("article"), status=400)
            if form.is_bot:
                # Look the same as success so the bot learns nothing; a person never fills
                # the hidden field, so counting it costs no reader anything.
                _count_send(request, "inquiries.ask", _rate)
                return redirect("inquiries:thanks")
            inquiry, created = form.save(
                client_hash=hash_client_address(client_ip_address(request))
            )
            if created:
                ArticleSuggestion.objects.record(form.cleaned_data["suggested"], "sent_anyway")
        except NOT_STORED:
            logger.warning("A web question could not be stored: the database did not answer")
            return self._render_not_stored(request.POST)
        _count_send(request, "inquiries.ask", _rate)
        if created:
            logger.info("Web inquiry %s received", inquiry.pk)
            _notify_staff(request, inquiry)
        # A message that may describe an emergency is answered at once, on the next page.
        return redirect("inquiries:thanks_urgent" if inquiry.is_urgent else "inquiries:thanks")

    def _render_not_stored(self, posted):
        """The form again with everything the reader typed, drawn without the database.

        Unbound, so nothing is validated (validation reads the database); the same token, so
        if the store did happen after all, sending again is recognised as the same question.
        The topic list comes from the database, so the chosen topic rides along hidden.
        """
        form = AskForm(initial=posted.dict())
        form.fields["topic"].widget = HiddenInput()
        response = self._render(form, None, status=503, not_stored=True)
        return _not_stored_reply(response)

    def _render(self, form, article, status=200, not_stored=False):
        return render(
            request=self.request,
            template_name=self.template_name,
            context={
                "form": form,
                "article": article,
                "consent_version": settings.INQUIRY_CONSENT_TEXT_VERSION,
                "not_stored": not_stored,
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
    if _over_limit(request, "inquiries.feedback", _feedback_rate):
        return _feedback_reply(
            request, "We have had a lot of feedback from your connection: please try later.", 429
        )
    form = FeedbackForm(request.POST)
    try:
        if not form.is_valid():
            article = form.cleaned_data.get("article")
            message = " ".join(error for errors in form.errors.values() for error in errors)
            return _feedback_reply(request, message, 400, article)
        kind = form.cleaned_data["kind"]
        if not form.is_bot:
            inquiry = form.save()
            if inquiry is not None:
                logger.info("Error report %s received", inquiry.pk)
    except NOT_STORED:
        logger.warning("Article feedback could not be stored: the database did not answer")
        return _feedback_not_stored(request)
    _count_send(request, "inquiries.feedback", _feedback_rate)
    flag = "reported" if kind == FeedbackForm.ERROR else "thanks"
    article = form.cleaned_data["article"]
    return _feedback_reply(request, FEEDBACK_MESSAGES[kind], 200, article, flag)


FEEDBACK_NOT_STORED = (
    "We could not store your feedback just now, because of a problem on our side. "
    "Nothing is lost: please send it again in a minute."
)


def _feedback_not_stored(request):
    """503 with what the reader sent, ready to send again (drawn without the database)."""
    posted = request.POST
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"ok": False, "message": FEEDBACK_NOT_STORED, "report": posted.get("report", "")},
            status=503,
        )
    else:
        form = FeedbackForm(initial=posted.dict())
        slug = posted.get("article", "")
        response = render(
            request,
            "inquiries/feedback_problem.html",
            {
                "message": FEEDBACK_NOT_STORED,
                "resend": form,
                "article_url": reverse("articles:detail", args=[slug])
                if slug_re.match(slug)
                else "",
            },
            status=503,
        )
    return _not_stored_reply(response)


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
