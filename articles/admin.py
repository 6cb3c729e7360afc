"""The staff side of articles: writing, versions, review and publishing.

Every save that changes content records an immutable ArticleVersion. Versions are shown
(history, one version, compare, preview) and restored, never edited or deleted here.
Publishing, unpublishing, archiving and restoring need the `articles.publish_article`
permission (the Editors group); Authors get 403.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import (
    Http404,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from articles import conflicts, diff
from articles.forms import ArticleAdminForm, AuthorAdminForm, checklist, draft_problems
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Disclaimer,
    NewerVersionExists,
    OrganizationPolicy,
    PublishBlocked,
    ScheduleChanged,
    Source,
    Topic,
    VersionConflict,
    scheduled_changes,
)
from articles.sanitize import clean_html
from ldn_portal.security import reader_page_policy

PUBLISH_PERMISSION = "articles.publish_article"
# The edit form's tabs, in order: (key used in fieldset classes "tab-<key>", label).
EDITOR_TABS = [
    ("content", "Content"),
    ("people", "People and sources"),
    ("image", "Image and rights"),
    ("review", "Review and publishing"),
]
# The query parameter that shows an editor's kept text from a refused save (articles.conflicts).
CONFLICT_PARAMETER = "kept"


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "is_off_label")
    list_filter = ("is_off_label",)
    search_fields = ("name", "search_synonyms")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    form = AuthorAdminForm
    list_display = ("name", "credentials", "user")
    search_fields = ("name", "credentials")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("user",)


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ("name", "is_default")


@admin.register(OrganizationPolicy)
class OrganizationPolicyAdmin(admin.ModelAdmin):
    """One row: the add page is offered only until it exists, and it is never deleted."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not OrganizationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class BylineFormSet(BaseInlineFormSet):
    """Refuses an author twice in one byline, counting rows the submitted forms do not show.

    Without this a crafted POST could reach the database's unique constraint and a 500.
    """

    def clean(self):
        super().clean()
        kept = [
            form.cleaned_data["author"]
            for form in self.forms
            if form.cleaned_data.get("author") and not form.cleaned_data.get("DELETE")
        ]
        shown = {form.instance.pk for form in self.initial_forms if form.instance.pk}
        if self.instance.pk:
            kept += [
                link.author
                for link in self.instance.article_authors.select_related("author")
                if link.pk not in shown
            ]
        if len({author.pk for author in kept}) != len(kept):
            raise ValidationError("Each author can appear only once in the byline.")


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    formset = BylineFormSet
    extra = 1
    fields = ("author", "order")
    verbose_name = "author"
    verbose_name_plural = "authors (in byline order)"


class SourceInline(admin.TabularInline):
    model = Source
    extra = 1
    fields = ("order", "title", "publisher", "url", "published_on", "kind")
    # A plain address box: the admin's "Currently: <link> Change:" widget is too tall for a row.
    formfield_overrides = {models.URLField: {"widget": forms.URLInput}}
    verbose_name_plural = "sources (in the order readers see them)"


class ReviewOverdueFilter(admin.SimpleListFilter):
    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("overdue", "Review overdue"), ("current", "Review not yet due")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "current":
            return queryset.exclude(next_review_due__lt=today)
        return queryset


class _SaveRefused(Exception):
    """Raised inside the admin's save transaction to undo it and show the form again."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(errors)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    delete_confirmation_template = "admin/articles/article/trash_confirmation.html"
    delete_selected_confirmation_template = (
        "admin/articles/article/trash_selected_confirmation.html"
    )
    inlines = [ArticleAuthorInline, SourceInline]
    list_display = (
        "title",
        "status",
        "live_version_number",
        "last_edited_by",
        "last_edited",
        "review_due",
    )
    list_filter = ("status", "topics", "authors", ReviewOverdueFilter)
    list_select_related = ("live_version", "updated_by")
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("topics",)
    actions = ["submit_selected_for_review", "publish_selected", "unpublish_selected"]
    # Each fieldset's first class names its tab (EDITOR_TABS); the bylines and sources inlines
    # sit in the "people" tab. What is about this save (change note, publish time, the version
    # the form was opened on) sits beside the form with the Save and Publish buttons.
    fieldsets = [
        (
            None,
            {
                "classes": ("tab-content",),
                "fields": ("title", "slug", "subtitle", "summary", "main_topic"),
            },
        ),
        (None, {"classes": ("tab-content", "body-row"), "fields": ("body",)}),
        ("Cautions", {"classes": ("tab-content",), "fields": ("cautions",)}),
        (
            "Topics and medical review",
            {"classes": ("tab-people",), "fields": ("topics", "medical_reviewer")},
        ),
        (
            "Hero image and its rights",
            {
                "classes": ("tab-image",),
                "fields": (
                    "image",
                    "image_alt",
                    ("image_credit", "image_caption"),
                    ("image_rights_holder", "image_licence"),
                    "image_permission_contact",
                    ("image_source_url", "image_link_back_required"),
                ),
            },
        ),
        (
            "Evidence and review",
            {
                "classes": ("tab-review",),
                "fields": ("evidence_note", ("last_reviewed", "next_review_due"), "disclaimer"),
            },
        ),
        (
            "Trust statements",
            {"classes": ("tab-review",), "fields": ("funding_statement", "advertising_statement")},
        ),
        (
            "For staff",
            {"classes": ("tab-review",), "fields": ("featured", "editor_note")},
        ),
    ]

    # List columns ---------------------------------------------------------------------
    @admin.display(description="live version", ordering="live_version__number")
    def live_version_number(self, article):
        return f"v{article.live_version.number}" if article.live_version else "—"

    @admin.display(description="last edited by", ordering="updated_by__username")
    def last_edited_by(self, article):
        return article.updated_by or "—"

    @admin.display(description="last edited", ordering="updated_at")
    def last_edited(self, article):
        return date_format(timezone.localtime(article.updated_at), "DATETIME_FORMAT")

    @admin.display(description="next review due", ordering="next_review_due")
    def review_due(self, article):
        due = article.next_review_due
        if due is None:
            return "—"
        if due < timezone.localdate():
            return format_html(
                '<strong class="review-overdue">{} (overdue)</strong>', date_format(due)
            )
        return date_format(due)

    # Permissions ------------------------------------------------------------------------
    def has_publish_permission(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    # Deleting moves to the trash: versions never disappear until a superuser empties it.
    def get_queryset(self, request):
        return super().get_queryset(request).not_trashed().with_live_version()

    def delete_model(self, request, obj):
        obj.move_to_trash(by=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            article.move_to_trash(by=request.user)

    def get_deleted_objects(self, objs, request):
        # Nothing is deleted, so list only the articles and need no permission on versions.
        objs = list(objs)
        perms_needed = set() if self.has_delete_permission(request) else {"article"}
        return [str(obj) for obj in objs], {"articles": len(objs)}, perms_needed, []

    def response_delete(self, request, obj_display, obj_id):
        messages.success(
            request,
            f"“{obj_display}” was moved to the trash. Restore it from the trash at any time.",
        )
        return HttpResponseRedirect(reverse("admin:articles_article_changelist"))

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            function, name, _ = actions["delete_selected"]
            actions["delete_selected"] = (function, name, "Move selected articles to the trash")
        return actions

    def get_readonly_fields(self, request, obj=None):
        return [] if self.has_publish_permission(request) else ["featured"]

    # The form -------------------------------------------------------------------------
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            # Source mode (raw HTML) for superusers only; everyone else gets the author toolbar.
            config = "superuser" if request.user.is_superuser else "default"
            kwargs["config_name"] = config
            kwargs.pop("widget", None)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "main_topic":
            # One of the topics chosen on the next tab: no add, change or delete buttons here.
            for link in ("add", "change", "delete", "view"):
                setattr(field.widget, f"can_{link}_related", False)
        return field

    class Media:
        css = {"all": ["articles/admin/editor.css"]}
        js = ["articles/admin/editor.js"]

    def view_on_site(self, obj):
        """A live article opens on the site; anything else opens its preview, not a 404."""
        if obj.is_live():
            return obj.get_absolute_url()
        return reverse("admin:articles_article_preview", args=[obj.pk])

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.save_errors = getattr(request, "_article_save_errors", {})
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and object_id and CONFLICT_PARAMETER in request.GET:
            kept = conflicts.kept_text(request, object_id, request.GET[CONFLICT_PARAMETER])
            if kept is None:
                messages.info(request, "That refused save is no longer kept: it was saved since.")
                return HttpResponseRedirect(request.path)
            # Show the kept text as a refused save again: the form is bound to it and the
            # stale-version check fails again (the newer version still exists), so nothing
            # is saved; the kept data passed the CSRF check when it was first posted.
            request.method = "POST"
            request.POST = kept
            # Files cannot be kept; set no files so reading FILES does not re-parse the body.
            request._files = MultiValueDict()
            request._dont_enforce_csrf_checks = True
            request._article_showing_kept_text = True
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _SaveRefused as refused:
            # The save transaction is rolled back; show the same posted form with the reason.
            request._article_save_errors = refused.errors
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _publishing(self, request):
        """The editor pressed a publish button of the form: save, then publish (or schedule)."""
        if "_publish" not in request.POST:
            return False
        if not self.has_publish_permission(request):
            raise PermissionDenied
        return True

    def save_model(self, request, obj, form, change):
        if getattr(request, "_article_showing_kept_text", False):
            raise _SaveRefused({None: "Not saved yet: press Save to save the text below."})
        if change:
            # Hold the row until the save commits, so two saves cannot both pass the check.
            current = Article.objects.select_for_update().get(pk=obj.pk)
            latest = current.latest_version
            based_on = form.cleaned_data.get("based_on_version") or 0
            if latest is not None and latest.number != based_on:
                # Saved by someone else since the form was checked; the form's own check
                # reports it when the form is shown again.
                raise _SaveRefused({})
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        note = {
            "change_note": form.cleaned_data.get("change_note", ""),
            "note_is_public": form.cleaned_data.get("note_is_public", False),
        }
        try:
            if self._publishing(request):
                # One operation: what is in the form is what readers get (now or at `at`).
                version = article.save_and_publish(
                    by=request.user, at=form.cleaned_data.get("publish_at"), **note
                )
            else:
                version = article.save_version(by=request.user, **note)
        except PublishBlocked as blocked:
            refusal = "Nothing was saved or published. The publish checklist found:"
            raise _SaveRefused({None: [refusal, *blocked.problems]}) from None
        except ValidationError as error:
            raise _SaveRefused(error.message_dict) from None
        if self._publishing(request):
            based_on = form.cleaned_data.get("based_on_version") or 0
            saved = f"Saved as version {version.number}. " if version.number > based_on else ""
            messages.success(request, saved + _published_message(article, version))
        elif version:
            messages.info(request, f"Saved as version {version.number}.")
        else:
            messages.info(request, "Nothing changed, so no new version was saved.")
        conflicts.forget(request, article.pk)

    def response_change(self, request, obj):
        # After publishing from the form, stay on the article: its status has just changed.
        if "_publish" in request.POST:
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return HttpResponseRedirect(self._change_url(obj))
        return super().response_add(request, obj, post_url_continue)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        stale = any(error.code == "stale" for error in form.errors.as_data().get("__all__", []))
        if stale and obj is not None and not getattr(request, "_article_showing_kept_text", False):
            # Keep the typed text on the server and show it again by GET: Back and reload
            # then never ask to resend a form, and the text is still there.
            token = conflicts.keep_text(request, obj.pk, request.POST)
            url = f"{self._change_url(obj)}?{CONFLICT_PARAMETER}={token}"
            return HttpResponseRedirect(url, status=303)
        latest = obj.latest_version if obj is not None else None
        if form.is_bound:
            problems = draft_problems(form.data, obj)
        else:
            problems = latest.publish_problems() if latest else draft_problems(_initial_data(form))
        rows = conflicts.rows(form, obj) if stale and obj is not None else None
        context.update(
            can_publish=self.has_publish_permission(request),
            can_change=obj is None or self.has_change_permission(request, obj),
            latest_version=latest,
            checklist=checklist(problems),
            checklist_url=reverse("admin:articles_article_checklist"),
            scheduled_version=obj.scheduled_version if obj is not None else None,
            editor_tabs=EDITOR_TABS,
            conflict=rows,
            conflict_values={
                row["id"]: {"theirs": row["theirs_value"], "mine": row["mine_value"]}
                for row in rows or []
                if row["settable"]
            },
            kept_conflict=(
                conflicts.kept_link(request, obj) if obj is not None and not stale else None
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @method_decorator(require_POST)
    def checklist_view(self, request):
        """The publish checklist for the form as it is now (posted by the page as staff type)."""
        article = None
        if request.POST.get("article"):
            article = Article.objects.filter(pk=request.POST["article"]).first()
            if article is None or not self.has_view_permission(request, article):
                raise Http404("No such article.")
        elif not self.has_add_permission(request):
            raise PermissionDenied
        return JsonResponse({"items": checklist(draft_problems(request.POST, article))})

    # Extra pages --------------------------------------------------------------------------
    def get_urls(self):
        def view(function, name):
            wrapped = self.admin_site.admin_view(function)
            if function == self.preview_view:
                # A preview is a reader page: it must prove itself under the readers' policy.
                wrapped = reader_page_policy(wrapped)
            return wrapped, f"articles_article_{name}"

        # Most specific first: <path:object_id> would also match "1/versions/2" or "trash/".
        patterns = [
            (
                "<path:object_id>/versions/<int:number>/preview/",
                self.preview_view,
                "preview_version",
            ),
            (
                "<path:object_id>/versions/<int:number>/restore/",
                self.restore_view,
                "restore",
            ),
            ("<path:object_id>/versions/<int:number>/", self.version_view, "version"),
            ("checklist/", self.checklist_view, "checklist"),
            ("<path:object_id>/compare/", self.compare_view, "compare"),
            ("<path:object_id>/preview/", self.preview_view, "preview"),
            ("<path:object_id>/publish/", self.publish_view, "publish"),
            ("<path:object_id>/unpublish/", self.unpublish_view, "unpublish"),
            (
                "<path:object_id>/cancel-unpublish/",
                self.cancel_unpublish_view,
                "cancel_unpublish",
            ),
            ("<path:object_id>/cancel-schedule/", self.cancel_schedule_view, "cancel_schedule"),
            ("<path:object_id>/archive/", self.archive_view, "archive"),
            ("<path:object_id>/submit/", self.submit_view, "submit"),
            ("trash/", self.trash_view, "trash"),
            ("scheduled/", self.scheduled_view, "scheduled"),
            ("trash/empty/", self.empty_trash_view, "empty_trash"),
            ("trash/<int:pk>/restore/", self.restore_from_trash_view, "restore_from_trash"),
        ]
        custom = []
        for route, function, name in patterns:
            wrapped, full_name = view(function, name)
            custom.append(path(route, wrapped, name=full_name))
        return custom + super().get_urls()

    def _article(self, request, object_id, *, publish=False, change=False):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        if change and not self.has_change_permission(request, article):
            raise PermissionDenied
        if publish and not self.has_publish_permission(request):
            raise PermissionDenied
        return article

    def _version(self, article, number):
        return get_object_or_404(article.versions.select_related("created_by"), number=number)

    def _change_url(self, article):
        return reverse("admin:articles_article_change", args=[article.pk])

    def _context(self, request, article, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            "has_view_permission": True,
            "can_publish": self.has_publish_permission(request),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        """Replaces the admin's action log with the article's versions."""
        article = self._article(request, object_id)
        versions = list(article.versions.select_related("created_by").order_by("-number"))
        for version in versions:
            version.previous_number = version.number - 1 if version.number > 1 else None
        context = self._context(
            request,
            article,
            title=f"History: {article.title}",
            versions=versions,
            numbers=[v.number for v in versions],
        )
        return TemplateResponse(request, "admin/articles/article/history.html", context)

    def version_view(self, request, object_id, number):
        article = self._article(request, object_id)
        version = self._version(article, number)
        content = version.content
        context = self._context(
            request,
            article,
            title=f"{article.title}: version {version.number}",
            version=version,
            content=content,
            body=mark_safe(clean_html(content.get("body", ""))),  # noqa: S308 (sanitized)
            problems=version.publish_problems(),
        )
        return TemplateResponse(request, "admin/articles/article/version.html", context)

    def compare_view(self, request, object_id):
        article = self._article(request, object_id)
        numbers = list(article.versions.order_by("number").values_list("number", flat=True))
        if not numbers:
            raise Http404("This article has no versions yet.")
        try:
            a = int(request.GET.get("a", numbers[max(len(numbers) - 2, 0)]))
            b = int(request.GET.get("b", numbers[-1]))
        except ValueError:
            raise Http404("Choose two version numbers to compare.") from None
        older, newer = self._version(article, min(a, b)), self._version(article, max(a, b))
        context = self._context(
            request,
            article,
            title=f"Compare version {older.number} with version {newer.number}",
            older=older,
            newer=newer,
            numbers=numbers,
            rows=diff.compare(older.content, newer.content),
        )
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def preview_view(self, request, object_id, number=None):
        """The article exactly as readers would see it: the working copy or one version."""
        article = self._article(request, object_id)
        version = None if number is None else self._version(article, number)
        content = version.content if version else article.snapshot()
        response = TemplateResponse(
            request,
            "articles/detail.html",
            {"article": article, "content": content, "is_preview": True},
        )
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Cache-Control"] = "private, no-store"
        return response

    def _confirm(self, request, article, *, action, title, readers, button, **extra):
        """A confirmation page in the admin layout that says what readers will see afterwards."""
        context = self._context(
            request,
            article,
            title=title,
            readers=readers,
            button=button,
            action=action,
            **extra,
        )
        return TemplateResponse(request, "admin/articles/article/confirm.html", context)

    def _readers_now(self, article):
        live = article.live_version
        # Both are read: an unpublish committed meanwhile leaves no live version to name.
        if live is not None and article.is_live():
            return f"Readers now see version {live.number} at {article.get_absolute_url()}."
        return "Readers do not see this article now."

    def restore_view(self, request, object_id, number):
        article = self._article(request, object_id, publish=True, change=True)
        version = self._version(article, number)
        if request.method != "POST":
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Restore version {version.number}?",
                readers=(
                    f"{self._readers_now(article)} That does not change: restoring saves "
                    f"version {version.number}'s content as a new version, which readers see "
                    "only once it is published."
                ),
                button=f"Restore version {version.number}",
            )
        with transaction.atomic():
            restored = article.restore(version, by=request.user)
        if restored:
            messages.success(
                request,
                f"Restored version {version.number} as version {restored.number}. "
                "Publish it to show it to readers.",
            )
        else:
            messages.info(request, f"The working copy already matches version {version.number}.")
        return HttpResponseRedirect(self._change_url(article))

    @method_decorator(require_POST)
    def publish_view(self, request, object_id):
        """Publish (or schedule, with `at`) the version the editor saw, posted as `version`.

        Without a version number, or when a newer version was saved since, nothing is
        published: the editor is asked which version readers should see.
        """
        article = self._article(request, object_id, publish=True)
        try:
            seen = int(request.POST.get("version", ""))
        except ValueError:
            seen = None
        try:
            at = _posted_moment(request.POST.get("at"))
        except ValueError:
            messages.error(request, "Not published: the moment was not a valid date and time.")
            return HttpResponseRedirect(self._change_url(article))
        version = article.versions.filter(number=seen).first() if seen else None
        if version is None:
            return self._ask_which_version(request, article, None, at)
        try:
            published = article.publish(
                version, by=request.user, at=at, allow_newer="confirmed" in request.POST
            )
        except PublishBlocked as blocked:
            messages.error(request, "Not published. The publish checklist found:")
            for problem in blocked.problems:
                messages.error(request, problem)
        except NewerVersionExists:
            return self._ask_which_version(request, article, version, at)
        else:
            messages.success(request, _published_message(article, published))
        return HttpResponseRedirect(self._change_url(article))

    def _ask_which_version(self, request, article, seen, at):
        latest = article.latest_version
        if seen is not None and latest is not None:
            situation = (
                f"You looked at version {seen.number}, but version {latest.number} was saved "
                "since. Nothing has been published."
            )
            compare_url = (
                f"{reverse('admin:articles_article_compare', args=[article.pk])}"
                f"?a={seen.number}&b={latest.number}"
            )
        else:
            situation, compare_url = "Nothing has been published.", None
        return self._confirm(
            request,
            article,
            action=request.path,
            title="Which version should readers see?",
            readers=f"{self._readers_now(article)} {situation}",
            button=f"Publish version {latest.number}" if latest else None,
            hidden={"version": latest.number, "confirmed": "1", "at": request.POST.get("at", "")}
            if latest
            else {},
            compare_url=compare_url,
        )

    def unpublish_view(self, request, object_id):
        """Unpublish now, or at a moment (`at`): readers keep the live state until then."""
        article = self._article(request, object_id, publish=True)
        if request.method != "POST":
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Unpublish “{article}”?",
                readers=f"{self._readers_now(article)} Afterwards readers will no longer find "
                "it: its address, lists, topics, search and feeds stop showing it. Every "
                "version stays here, and publishing again brings it back.",
                button="Unpublish",
                hidden=self._live_seen(article),
                moment={
                    "label": "Unpublish at (optional)",
                    "help": "Leave empty to unpublish now. Until that moment readers keep "
                    "seeing what is live.",
                },
            )
        try:
            at = _posted_moment(request.POST.get("at"))
        except ValueError:
            messages.error(request, "Not unpublished: the moment was not a valid date and time.")
            return HttpResponseRedirect(self._change_url(article))
        if self._act(request, article, article.unpublish, at=at):
            if at and at > timezone.now():
                messages.success(
                    request,
                    f"Scheduled to leave the site at {_when(at)}: until then readers see it.",
                )
            else:
                messages.success(request, "Unpublished: readers no longer see it.")
        return HttpResponseRedirect(self._change_url(article))

    def cancel_unpublish_view(self, request, object_id):
        article = self._article(request, object_id, publish=True)
        if request.method != "POST":
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Keep “{article}” on the site?",
                readers=f"{self._readers_now(article)} It was to leave the site on "
                f"{_when(article.expire_at) if article.expire_at else '(no date)'}; afterwards "
                "it stays until someone unpublishes it.",
                button="Cancel the planned unpublish",
            )
        article.cancel_unpublish(by=request.user)
        messages.success(request, "The planned unpublish is cancelled: the article stays live.")
        return HttpResponseRedirect(self._change_url(article))

    def cancel_schedule_view(self, request, object_id):
        article = self._article(request, object_id, publish=True)
        pending = article.scheduled_version
        if request.method != "POST":
            if pending is None:
                messages.info(request, "Nothing is scheduled for this article.")
                return HttpResponseRedirect(self._change_url(article))
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Cancel the schedule of version {pending.number}?",
                readers=f"{self._readers_now(article)} That stays so: version "
                f"{pending.number} will not go live at {_when(pending.live_from)}; it stays "
                "saved and can be published or scheduled again.",
                button=f"Cancel the schedule of version {pending.number}",
                hidden={"version": pending.number},
            )
        try:
            number = int(request.POST.get("version", ""))
        except ValueError:
            number = None
        try:
            cancelled = article.cancel_schedule(by=request.user, version=number)
        except ScheduleChanged as changed:
            messages.error(request, f"Nothing was cancelled: the schedule changed. {changed}")
        else:
            if cancelled:
                messages.success(
                    request, f"Cancelled: version {cancelled.number} will not go live."
                )
        return HttpResponseRedirect(self._change_url(article))

    def archive_view(self, request, object_id):
        article = self._article(request, object_id, publish=True)
        if request.method != "POST":
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Archive “{article}”?",
                readers=f"{self._readers_now(article)} Afterwards readers will no longer find "
                "it anywhere on the site. It leaves the lists of work in progress; every version "
                "stays here and it can be published again.",
                button="Archive",
                hidden=self._live_seen(article),
            )
        if self._act(request, article, article.archive):
            messages.success(request, "Archived: readers no longer see it.")
        return HttpResponseRedirect(self._change_url(article))

    @staticmethod
    def _live_seen(article):
        """The live version the confirmation page showed, so the action applies to that one."""
        live = article.live_version
        return {"version": live.number} if live else {}

    def _act(self, request, article, method, **kwargs):
        """Run a workflow `method` on the live version the editor saw; False if it changed."""
        try:
            number = int(request.POST["version"]) if request.POST.get("version") else None
        except ValueError:
            number = None
        try:
            method(by=request.user, version=number, **kwargs)
        except VersionConflict as conflict:
            messages.error(request, f"Nothing was changed: readers' version changed. {conflict}")
            return False
        return True

    def scheduled_view(self, request):
        """What will change for readers at a set moment, soonest first."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Scheduled",
            "changes": scheduled_changes(),
        }
        return TemplateResponse(request, "admin/articles/article/scheduled.html", context)

    def submit_view(self, request, object_id):
        article = self._article(request, object_id, change=True)
        latest = article.latest_version
        problems = latest.publish_problems() if latest else []
        if request.method != "POST":
            return self._confirm(
                request,
                article,
                action=request.path,
                title=f"Submit “{article}” for review?",
                readers=(
                    f"{self._readers_now(article)} Submitting changes nothing for readers: an "
                    "editor reviews the latest saved version"
                    + (f" (version {latest.number})" if latest else "")
                    + " before it is published."
                ),
                button="Submit for review",
                checklist=checklist(problems),
            )
        article.submit_for_review(by=request.user)
        if problems:
            messages.warning(
                request,
                "Submitted for review. Before an editor can publish it: " + " ".join(problems),
            )
        else:
            messages.success(request, "Submitted for review. An editor can now publish it.")
        return HttpResponseRedirect(self._change_url(article))

    # Trash ------------------------------------------------------------------------------------
    def trash_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        trashed = Article.objects.trashed().select_related("updated_by").order_by("-trashed_at")
        purgeable = set(Article.objects.trashed().purgeable().values_list("pk", flat=True))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Trash",
            "articles": trashed,
            "purgeable": purgeable,
            "retention_days": settings.TRASH_RETENTION_DAYS,
            "can_restore": self.has_delete_permission(request),
            "can_empty": request.user.is_superuser,
        }
        return TemplateResponse(request, "admin/articles/article/trash.html", context)

    @method_decorator(require_POST)
    def restore_from_trash_view(self, request, pk):
        if not self.has_delete_permission(request):
            raise PermissionDenied
        article = get_object_or_404(Article.objects.trashed(), pk=pk)
        article.restore_from_trash(by=request.user)
        messages.success(request, f"“{article}” was restored from the trash.")
        return HttpResponseRedirect(self._change_url(article))

    @method_decorator(require_POST)
    def empty_trash_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        count = Article.objects.empty_trash()
        days = settings.TRASH_RETENTION_DAYS
        messages.success(
            request,
            f"Deleted {count} article(s) for good: those in the trash longer than {days} days.",
        )
        return HttpResponseRedirect(reverse("admin:articles_article_trash"))

    # List actions ----------------------------------------------------------------------------
    @admin.action(description="Submit selected articles for review", permissions=["change"])
    def submit_selected_for_review(self, request, queryset):
        for article in queryset:
            article.submit_for_review(by=request.user)
        messages.success(request, f"Submitted {len(queryset)} article(s) for review.")

    @admin.action(
        description="Publish the latest version of selected articles", permissions=["publish"]
    )
    def publish_selected(self, request, queryset):
        for article in queryset:
            try:
                version = article.publish(by=request.user)
            except PublishBlocked as blocked:
                messages.error(
                    request, f"“{article}” was not published: {' '.join(blocked.problems)}"
                )
            else:
                messages.success(request, _published_message(article, version))

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        for article in queryset:
            article.unpublish(by=request.user)
        messages.success(request, f"Unpublished {len(queryset)} article(s).")


def _initial_data(form):
    """An unbound form's initial values as form data, for the checklist of a new article."""
    data = QueryDict(mutable=True)
    for name in ("summary", "disclaimer", "last_reviewed", "evidence_note"):
        value = form[name].value()
        data[name] = "" if value is None else str(getattr(value, "pk", value))
    return data


def _posted_moment(value):
    """A posted ISO date and time (local time when it names no zone), or None."""
    if not value:
        return None
    moment = datetime.datetime.fromisoformat(value)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _published_message(article, version):
    if version.live_from and version.live_from > timezone.now():
        # Dates end in "p.m." or "a.m.": the moment goes mid-sentence, not before a full stop.
        return (
            f"Version {version.number} is scheduled for {_when(version.live_from)}: "
            "until then readers see what is live now."
        )
    return f"Published version {version.number}: readers now see it."
