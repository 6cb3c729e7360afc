import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models.constants import LOOKUP_SEP
from django.http import (
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from articles.models import Article, Topic
from articles.search import suggest
from audit.models import Action, AuditEntry
from inquiries import demand
from inquiries.forms import AddTopicForm, LinkArticleForm, ReaderDataForm, ReplyForm
from inquiries.mail import ReplyNotAllowed, deliver, send_reply
from inquiries.models import (
    PERSONAL_FIELDS,
    ArticleSuggestion,
    DemandReport,
    Inquiry,
    SavedReply,
)
from inquiries.urgent import urgent_phrases

PERSONAL_DATA_PERMISSION = "inquiries.view_personal_data"
EXPORT_CHUNK_SIZE = 2000
# Above this many rows an unfiltered list shows PostgreSQL's estimate instead of counting.
ESTIMATE_ABOVE_ROWS = 100_000


def can_see_personal_data(user):
    return user.has_perm(PERSONAL_DATA_PERMISSION)


def page_context(model_admin, request, title, **extra):
    """The context of an admin page of ours: the admin's own, the title, the model's options."""
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        **extra,
    }


def touches_personal_data(model, path):
    """True when a lookup, search field, filter or ordering `path` on `model` reads a reader's
    name, e-mail or address hash, directly or through relations (topics__inquiries__email)."""
    for part in path.lstrip("^=@-").split(LOOKUP_SEP):
        if issubclass(model, Inquiry) and part in PERSONAL_FIELDS:
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not field.is_relation:
            return False
        model = field.related_model
    return False


# Regular expressions go to the database as written: a bad one is a database error, and any
# one answers questions no filter on the page asks. No page of the admin offers them.
REFUSED_LOOKUPS = ("regex", "iregex")


class InquiryChangeList(ChangeList):
    """The triage list (and its CSV export): for staff without the personal-data permission,
    the only URL parameters are the ones the page itself makes."""

    def get_filters(self, request):
        filters = super().get_filters(request)
        if not can_see_personal_data(request.user):
            # What the list filters and the date drill-down did not take would go straight into
            # queryset.filter(): a yes/no oracle on any field. Only the links the admin itself
            # builds (InquiryAdmin.url_lookups) may.
            remaining = filters[2]
            hierarchy = {f"{self.date_hierarchy}__gte", f"{self.date_hierarchy}__lt"}
            for key in remaining:
                if key not in hierarchy and key not in self.model_admin.url_lookups:
                    raise DisallowedModelAdminLookup(key)
        return filters


class EstimatedCountPaginator(Paginator):
    """Avoids COUNT(*) over the whole table: an unfiltered list uses the planner's estimate."""

    @cached_property
    def count(self):
        queryset = self.object_list
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE_ROWS:
                return row[0]
        return super().count


class AssignedFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", "Assigned to me"), ("nobody", "Not assigned")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class UnansweredFilter(admin.SimpleListFilter):
    """The list opens on the questions still to deal with; closed and spam are one click away."""

    title = "what to show"
    parameter_name = "answer"
    DEFAULT = "open"

    def lookups(self, request, model_admin):
        return [
            ("open", "Open (new or triaged)"),
            ("unanswered", "Unanswered (reply wanted)"),
            ("all", "All, closed and spam too"),
        ]

    def __init__(self, request, params, model, model_admin):
        # A status chosen in its own filter (spam, closed…) is shown whatever this one says.
        self.status_chosen = "status__exact" in params
        super().__init__(request, params, model, model_admin)

    def value(self):
        return super().value() or ("all" if self.status_chosen else self.DEFAULT)

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "unanswered":
            return queryset.unanswered()
        if self.value() == "open":
            return queryset.open()
        return queryset


class _Echo:
    """csv.writer writes into this and hands the line straight back, for streaming."""

    def write(self, value):
        return value


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    # Readers write the questions: never let a spreadsheet run one as a formula.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _when(value):
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


EXPORT_COLUMNS = [
    ("id", lambda i: i.pk),
    ("received", lambda i: _when(i.received_at)),
    ("channel", lambda i: i.get_channel_display()),
    ("status", lambda i: i.get_status_display()),
    ("urgent", lambda i: "yes" if i.is_urgent else "no"),
    ("topics", lambda i: "; ".join(t.name for t in i.topics.all())),
    ("question", lambda i: i.question),
    ("assigned to", lambda i: i.assigned_to.get_username() if i.assigned_to else ""),
    ("answered", lambda i: _when(i.answered_at)),
    ("related article", lambda i: i.related_article.slug if i.related_article else ""),
    ("relation", lambda i: i.get_related_article_role_display() if i.related_article_role else ""),
    ("sent from article", lambda i: i.source_article.slug if i.source_article else ""),
    ("reply wanted", lambda i: "yes" if i.reply_wanted else "no"),
]
PERSONAL_EXPORT_COLUMNS = [
    ("name", lambda i: i.name),
    ("email", lambda i: i.email),
    ("consent given", lambda i: "yes" if i.consent_given else "no"),
    ("consent at", lambda i: _when(i.consent_at)),
    ("consent text version", lambda i: i.consent_text_version),
]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    # Narrow columns only, so the whole row fits at 1366 px without a sideways scroll.
    list_display = [
        "urgent_marker",
        "summary",
        "status",
        "topic_list",
        "age",
        "reply_wanted_marker",
        "assigned_to",
    ]
    list_display_links = ["summary"]
    # The triage list opens with urgent messages on top, newest first (index
    # inquiry_urgent_received); sorting by a column is still possible.
    ordering = ["-is_urgent", "-received_at", "-pk"]
    change_form_template = "admin/inquiries/inquiry/change_form.html"
    # An inquiry has no page on the site (its get_absolute_url is this admin page).
    view_on_site = False
    list_filter = [
        UnansweredFilter,
        "status",
        "channel",
        "topics",
        ("received_at", admin.DateFieldListFilter),
        AssignedFilter,
        "is_urgent",
    ]
    autocomplete_fields = ["related_article"]
    list_select_related = ["assigned_to"]
    date_hierarchy = "received_at"
    # Name and e-mail only for staff with the personal-data permission (get_search_fields).
    search_fields = ["question", "staff_notes", "name", "email"]
    # URL lookups that other admin pages link to besides the filters (the article page's
    # "Prompted by N inquiries"); InquiryChangeList refuses any other.
    url_lookups = {"related_article__id__exact", "related_article_role__exact"}
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50
    filter_horizontal = ["topics"]
    readonly_fields = [
        "source_article",
        "source_version",
        "consent_given",
        "consent_at",
        "consent_text_version",
    ]
    actions = [
        "mark_answered",
        "mark_closed",
        "mark_spam",
        "add_topic",
        "link_to_article",
        "assign_to_me",
    ]
    change_list_template = "admin/inquiries/inquiry/change_list.html"

    def get_fieldsets(self, request, obj=None):
        reader = ["reply_wanted", "consent_given", "consent_at", "consent_text_version"]
        if can_see_personal_data(request.user):
            reader = ["name", "email", *reader]
        fieldsets = [
            (None, {"fields": ["channel", "received_at", "question", "topics", "is_urgent"]}),
            (
                "Triage",
                {
                    "fields": [
                        "status",
                        "assigned_to",
                        "staff_notes",
                        "answered_at",
                        "related_article",
                        "related_article_role",
                    ]
                },
            ),
            ("Reader", {"fields": reader}),
        ]
        if obj is not None and obj.source_article_id:
            fieldsets[0][1]["fields"] += ["source_article", "source_version"]
        return fieldsets

    def get_exclude(self, request, obj=None):
        # Belt and braces: even a crafted POST cannot write what the user cannot see.
        if can_see_personal_data(request.user):
            return []
        return ["name", "email"]

    # Every way the list reads the data (URL lookups, search, filters, ordering, and so the
    # CSV export and autocomplete, which use the same) leaves out the personal fields for
    # staff without the permission.
    def _without_personal_data(self, request, paths):
        if can_see_personal_data(request.user):
            return list(paths)
        return [
            path
            for path in paths
            if not touches_personal_data(
                self.model, path[0] if isinstance(path, (list, tuple)) else str(path)
            )
        ]

    def get_search_fields(self, request):
        return self._without_personal_data(request, self.search_fields)

    def get_list_filter(self, request):
        return self._without_personal_data(request, super().get_list_filter(request))

    def get_sortable_by(self, request):
        return self._without_personal_data(request, super().get_sortable_by(request))

    def get_changelist(self, request, **kwargs):
        return InquiryChangeList

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.rsplit(LOOKUP_SEP, 1)[-1] in REFUSED_LOOKUPS:
            return False
        if touches_personal_data(self.model, lookup) and not (
            request is not None and can_see_personal_data(request.user)
        ):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_changeform_initial_data(self, request):
        # Staff log questions that came by e-mail, phone or at events; web ones log themselves.
        return {
            "channel": "email",
            "received_at": timezone.now(),
            **super().get_changeform_initial_data(request),
        }

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("topics")

    @admin.display(description="urgent", ordering="-is_urgent")
    def urgent_marker(self, obj):
        if obj.is_urgent:
            return format_html('<strong class="inquiry-urgent">{}</strong>', "⚠ URGENT")
        return ""

    def get_readonly_fields(self, request, obj=None):
        # The reader's words stay as they were sent; staff write corrections in their notes.
        if obj is not None and obj.channel != "phone":
            return [*self.readonly_fields, "question"]
        return self.readonly_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        inquiry = self.get_object(request, object_id)
        if inquiry is not None and request.method == "GET":
            extra_context = {
                **(extra_context or {}),
                **self.conversation_context(request, inquiry),
            }
        response = super().change_view(request, object_id, form_url, extra_context)
        # Who looked at which reader's name and address (audit log); only a page that showed it.
        if can_see_personal_data(request.user) and getattr(response, "context_data", None):
            shown = response.context_data.get("original")
            if shown is not None:
                AuditEntry.objects.record(Action.PERSONAL_DATA_VIEWED, request=request, obj=shown)
        return response

    # The reply being written is kept in the staff member's session until it is sent, so a
    # preview, a refusal or leaving the page never loses it (and Back resubmits nothing).
    @staticmethod
    def _draft_key(inquiry):
        return f"inquiries.reply-draft.{inquiry.pk}"

    def _suggestions(self, inquiry):
        found = suggest(Article.objects.live(), inquiry.question)
        if inquiry.source_article_id and inquiry.source_article_id not in {a.pk for a in found}:
            found = [*Article.objects.live().filter(pk=inquiry.source_article_id), *found]
        return found

    @staticmethod
    def _site_url(request):
        return request.build_absolute_uri("/").rstrip("/")

    def can_reply(self, request, inquiry):
        """Replying writes to the reader's address: it needs the personal-data permission."""
        return self.has_change_permission(request, inquiry) and can_see_personal_data(request.user)

    def conversation_context(self, request, inquiry):
        site_url = self._site_url(request)
        can_reply = self.can_reply(request, inquiry)
        draft = request.session.get(self._draft_key(inquiry), {})
        initial = {"body": draft.get("body", ""), "cite": draft.get("cite", [])}
        saved = request.GET.get("saved", "")
        reply = SavedReply.objects.filter(pk=saved).first() if saved.isdigit() else None
        if reply is not None and can_reply:
            initial["body"] = reply.fill(inquiry, site_url)
        reply_form = ReplyForm(initial=initial, suggestions=self._suggestions(inquiry))
        return {
            "thread": inquiry.messages.select_related("created_by").prefetch_related(
                "cited_versions__article"
            ),
            "urgent_phrases": urgent_phrases(inquiry.question),
            "can_reply": can_reply,
            "reply_allowed": bool(inquiry.reply_wanted and inquiry.consent_given and inquiry.email),
            "reply_form": reply_form,
            "reply_preview": draft.get("preview", ""),
            "reply_errors": draft.get("errors", []),
            "saved_replies": [
                (saved_reply, saved_reply.fill(inquiry, site_url) if can_reply else "")
                for saved_reply in SavedReply.objects.all()
            ],
            "suggestions": [
                (article, request.build_absolute_uri(article.get_absolute_url()))
                for article in reply_form.fields["cite"].queryset
            ],
            "reply_url": reverse("admin:inquiries_inquiry_reply", args=[inquiry.pk]),
        }

    def _replying_to(self, request, object_id):
        inquiry = self.get_object(request, object_id)
        if inquiry is None or not self.can_reply(request, inquiry):
            raise PermissionDenied
        return inquiry

    def reply_view(self, request, object_id):
        """Preview or send a reply, then back to the inquiry page (the text kept there)."""
        inquiry = self._replying_to(request, object_id)
        change_url = reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]) + "#reply"
        form = ReplyForm(request.POST, suggestions=self._suggestions(inquiry))
        draft = {"body": request.POST.get("body", ""), "cite": request.POST.getlist("cite")}
        request.session[self._draft_key(inquiry)] = draft
        if not form.is_valid():
            draft["errors"] = [error for errors in form.errors.values() for error in errors]
            return redirect(change_url)
        body = form.text_with_links(request.build_absolute_uri)
        if "send" not in request.POST:
            draft["preview"] = body
            return redirect(change_url)
        versions = [article.live_version for article in form.cleaned_data["cite"]]
        try:
            message = send_reply(inquiry, body, by=request.user, versions=versions)
        except ReplyNotAllowed as refusal:
            draft["errors"] = [str(refusal)]
            return redirect(change_url)
        # From here the text is kept in the thread, sent or not.
        del request.session[self._draft_key(inquiry)]
        self._report_send(request, message.sent_at is not None)
        return redirect(change_url)

    def resend_view(self, request, object_id, message_id):
        inquiry = self._replying_to(request, object_id)
        message = get_object_or_404(inquiry.messages.unsent(), pk=message_id)
        self._report_send(request, deliver(message))
        return redirect(reverse("admin:inquiries_inquiry_change", args=[inquiry.pk]) + "#thread")

    def _report_send(self, request, sent):
        if sent:
            self.message_user(request, "Your reply was sent.", messages.SUCCESS)
        else:
            self.message_user(
                request,
                "The mail server did not take your reply. It is kept in the thread: press "
                "“Send again” when mail works again.",
                messages.ERROR,
            )

    @admin.display(description="waiting", ordering="received_at")
    def age(self, obj):
        return timesince(obj.received_at, depth=1)

    @admin.display(description="reply wanted", boolean=True, ordering="reply_wanted")
    def reply_wanted_marker(self, obj):
        return obj.reply_wanted

    # Deleting a reader's question (an erasure request) is recorded, by id, with who did it.
    def delete_model(self, request, obj):
        AuditEntry.objects.record(Action.ERASURE, request=request, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for inquiry in queryset:
            AuditEntry.objects.record(Action.ERASURE, request=request, obj=inquiry)
        super().delete_queryset(request, queryset)

    @admin.display(description="question", ordering="question")
    def summary(self, obj):
        return str(obj)

    @admin.display(description="topics")
    def topic_list(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all()) or "–"

    # Bulk actions --------------------------------------------------------------------------
    @admin.action(description="Mark as answered", permissions=["change"])
    def mark_answered(self, request, queryset):
        self._done(request, queryset.mark_answered(), "marked answered")

    @admin.action(description="Mark as closed", permissions=["change"])
    def mark_closed(self, request, queryset):
        self._done(request, queryset.mark_closed(), "closed")

    @admin.action(description="Mark as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._done(request, queryset.mark_spam(), "marked as spam")

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._done(request, queryset.assign_to(request.user), "assigned to you")

    @admin.action(description="Add a topic…", permissions=["change"])
    def add_topic(self, request, queryset):
        form = AddTopicForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = queryset.add_topic(form.cleaned_data["topic"])
            return self._done(request, count, f"tagged “{form.cleaned_data['topic']}”")
        return self._intermediate(request, queryset, form, "add_topic", "Add a topic")

    @admin.action(description="Link to an article…", permissions=["change"])
    def link_to_article(self, request, queryset):
        form = LinkArticleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            article = form.cleaned_data["article"]
            count = queryset.link_article(article, form.cleaned_data["role"])
            return self._done(request, count, f"linked to “{article}”")
        return self._intermediate(request, queryset, form, "link_to_article", "Link to an article")

    def _done(self, request, count, what):
        noun = "inquiry" if count == 1 else "inquiries"
        self.message_user(request, f"{count} {noun} {what}.", messages.SUCCESS)

    def _intermediate(self, request, queryset, form, action, title):
        context = page_context(
            self,
            request,
            title,
            form=form,
            action=action,
            inquiries=queryset[:50],
            count=queryset.count(),
            selected=request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            select_across=request.POST.get("select_across", "0"),
        )
        return TemplateResponse(request, "admin/inquiries/inquiry/bulk_action.html", context)

    # CSV export and dashboard --------------------------------------------------------------
    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_csv),
                name="inquiries_inquiry_export",
            ),
            path(
                "reader-data/",
                self.admin_site.admin_view(self.reader_data_view),
                name="inquiries_inquiry_reader_data",
            ),
            path(
                "<path:object_id>/reply/",
                self.admin_site.admin_view(require_POST(self.reply_view)),
                name="inquiries_inquiry_reply",
            ),
            path(
                "<path:object_id>/reply/<int:message_id>/resend/",
                self.admin_site.admin_view(require_POST(self.resend_view)),
                name="inquiries_inquiry_resend",
            ),
            *super().get_urls(),
        ]

    def export_csv(self, request):
        """The current filtered list as CSV, streamed row by row in chunks."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseBadRequest("These filters are not valid. Go back and try again.")
        except DisallowedModelAdminLookup as refused:
            return self._refused_filter(request, refused)
        queryset = (
            changelist.get_queryset(request)
            .select_related("assigned_to", "related_article", "source_article")
            .prefetch_related("topics")
        )
        columns = EXPORT_COLUMNS
        if can_see_personal_data(request.user):
            columns = EXPORT_COLUMNS + PERSONAL_EXPORT_COLUMNS
        AuditEntry.objects.record(
            Action.EXPORT,
            request=request,
            what="inquiries CSV",
            rows=queryset.count(),
            personal_data=can_see_personal_data(request.user),
        )
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow([name for name, _ in columns])
            for inquiry in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
                yield writer.writerow([_cell(value(inquiry)) for _, value in columns])

        filename = f"inquiries-{timezone.localdate().isoformat()}.csv"
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def reader_data_view(self, request):
        """A reader's request for their data: find, download or erase everything from one
        address. POST only, so the address never appears in a URL or an access log."""
        if not (can_see_personal_data(request.user) and self.has_change_permission(request)):
            raise PermissionDenied(
                "Readers' data requests need the permissions “Can see readers' names and "
                "e-mail addresses” and “Can change inquiry” (the “Inquiry staff” role)."
            )
        form = ReaderDataForm(request.POST if request.method == "POST" else None)
        found = None
        if form.is_valid():
            found = Inquiry.objects.from_address(form.cleaned_data["email"])
            ids = list(found.values_list("pk", flat=True))
            if "download" in request.POST:
                AuditEntry.objects.record(
                    Action.EXPORT,
                    request=request,
                    what="reader data",
                    rows=len(ids),
                    personal_data=True,
                    inquiries=ids,
                )
                return self._reader_data_file(found)
            if "erase" in request.POST:
                if form.cleaned_data["confirm_erase"]:
                    count = found.erase_personal_data()
                    AuditEntry.objects.record(
                        Action.ERASURE, request=request, what="reader's request", inquiries=ids
                    )
                    self.message_user(
                        request,
                        f"Erased {count} question(s) from that address: their details, "
                        "words and our replies. The counts on the dashboard stay.",
                        messages.SUCCESS,
                    )
                    return redirect(reverse("admin:inquiries_inquiry_reader_data"))
                form.add_error("confirm_erase", "Tick the box to confirm the erasure.")
            elif ids:
                AuditEntry.objects.record(
                    Action.PERSONAL_DATA_VIEWED,
                    request=request,
                    what="reader data request",
                    inquiries=ids,
                )
        context = page_context(
            self,
            request,
            "A reader's data",
            form=form,
            found=found.prefetch_related("messages") if found is not None else None,
        )
        return TemplateResponse(request, "admin/inquiries/inquiry/reader_data.html", context)

    @staticmethod
    def _reader_data_file(found):
        data = [
            {
                "id": inquiry.pk,
                "received": _when(inquiry.received_at),
                "channel": inquiry.get_channel_display(),
                "name": inquiry.name,
                "email": inquiry.email,
                "question": inquiry.question,
                "consent given": inquiry.consent_given,
                "consent at": _when(inquiry.consent_at),
                "messages": [
                    {
                        "from": message.get_direction_display(),
                        "at": _when(message.created_at),
                        "sent": _when(message.sent_at),
                        "text": message.body,
                    }
                    for message in inquiry.messages.all()
                ],
            }
            for inquiry in found.prefetch_related("messages")
        ]
        response = JsonResponse(
            {"questions": data}, json_dumps_params={"indent": 2, "ensure_ascii": False}
        )
        response["Content-Disposition"] = 'attachment; filename="reader-data.json"'
        return response

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as error:
            # Django's date drill-down (?received_at__year=) checks the date it starts from but
            # not the end of its period (year 9999 ends in year 10000); treat it as any other
            # unusable filter (no 500).
            raise IncorrectLookupParameters(error) from error

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse("admin:inquiries_inquiry_export"),
            "dashboard_url": reverse("admin:inquiries_demandreport_changelist"),
            "reader_data_url": reverse("admin:inquiries_inquiry_reader_data")
            if can_see_personal_data(request.user) and self.has_change_permission(request)
            else "",
        }
        try:
            return super().changelist_view(request, extra_context)
        except DisallowedModelAdminLookup as refused:
            return self._refused_filter(request, refused)

    def _refused_filter(self, request, refused):
        """A 400 that says which parameter the list does not accept, and what to do."""
        parameter = str(refused).removeprefix("Filtering by ").removesuffix(" not allowed")
        context = page_context(
            self,
            request,
            "This list cannot be filtered that way",
            parameter=parameter,
            changelist_url=reverse("admin:inquiries_inquiry_changelist"),
        )
        return TemplateResponse(
            request, "admin/inquiries/inquiry/refused_filter.html", context, status=400
        )


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "order"]
    list_editable = ["order"]
    search_fields = ["title", "body"]


@admin.register(ArticleSuggestion)
class ArticleSuggestionAdmin(admin.ModelAdmin):
    """Read-only: how readers used the articles suggested on the question form."""

    list_display = ["day", "article", "opened", "sent_anyway"]
    list_filter = [("day", admin.DateFieldListFilter)]
    list_select_related = ["article"]
    date_hierarchy = "day"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("inquiries.view_inquiry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StartDraftForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="A working title; change it any time.")
    inquiries = forms.ModelMultipleChoiceField(
        queryset=Inquiry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="The questions the article should answer. They are linked as having "
        "prompted it and named by number in its editor's note.",
        error_messages={"required": "Choose at least one question."},
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inquiries"].queryset = questions


@admin.register(DemandReport)
class DemandDashboardAdmin(admin.ModelAdmin):
    """The demand dashboard, listed in the admin index under Reader questions."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.has_perm("inquiries.view_inquiry")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("", self.admin_site.admin_view(self.changelist_view), name=f"{prefix}_changelist"),
            path(
                "review-queue/",
                self.admin_site.admin_view(self.review_queue_view),
                name=f"{prefix}_review_queue",
            ),
            path(
                "start-draft/<int:topic_id>/",
                self.admin_site.admin_view(self.start_draft_view),
                name=f"{prefix}_start_draft",
            ),
        ]

    def review_queue_view(self, request):
        """Articles due or overdue for review, the most asked-about first."""
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied("The review queue needs the permission “Can view article”.")
        context = page_context(
            self,
            request,
            "Review queue, ranked by demand",
            articles=demand.review_queue(),
            due_within=demand.REVIEW_DUE_WITHIN_DAYS,
            demand_days=demand.REVIEW_DEMAND_DAYS,
            today=timezone.localdate(),
        )
        return TemplateResponse(request, "admin/inquiries/review_queue.html", context)

    def start_draft_view(self, request, topic_id):
        """Staff pick questions on a gap topic and start a draft article from them."""
        user = request.user
        if not (
            user.has_perm("articles.add_article") and user.has_perm("inquiries.change_inquiry")
        ):
            raise PermissionDenied(
                "Starting a draft from questions needs the permissions “Can add article” and "
                "“Can change inquiry” (the “Editors” role has both)."
            )
        topic = get_object_or_404(Topic, pk=topic_id)
        candidates = Inquiry.objects.for_a_draft(topic)
        form = StartDraftForm(
            request.POST if request.method == "POST" else None,
            questions=Inquiry.objects.filter(pk__in=[i.pk for i in candidates]),
            initial={"title": topic.name, "inquiries": [i.pk for i in candidates]},
        )
        if form.is_valid():
            article = form.cleaned_data["inquiries"].start_draft(
                topic, form.cleaned_data["title"], by=user
            )
            count = form.cleaned_data["inquiries"].count()
            messages.success(
                request,
                f"Draft started from {count} question(s), listed under “Prompted by”.",
            )
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        context = page_context(
            self,
            request,
            f"Start a draft on “{topic.name}”",
            topic=topic,
            form=form,
            questions=candidates,
        )
        return TemplateResponse(request, "admin/inquiries/start_draft.html", context)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied("The demand dashboard needs the permission “Can view inquiry”.")
        period, error = demand.period_from_params(request.GET)
        context = page_context(
            self,
            request,
            "Demand dashboard",
            **demand.dashboard(period, refresh="refresh" in request.GET),
            period_error=error,
            period_choices=demand.PERIOD_CHOICES,
            cache_minutes=settings.DEMAND_CACHE_SECONDS // 60 if settings.DEMAND_CACHE else None,
            refresh_query=_refresh_query(request.GET),
            inquiry_list_url=reverse("admin:inquiries_inquiry_changelist"),
        )
        return TemplateResponse(request, "admin/inquiries/demand.html", context)


def _refresh_query(params):
    """The page's own query string with refresh=1: a link that counts this period again."""
    query = params.copy()
    query["refresh"] = "1"
    return query.urlencode()
