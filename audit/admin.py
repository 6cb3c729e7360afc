import csv
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from audit.models import Action, AuditEntry

EXPORT_FIELDS = [
    "at",
    "action",
    "by_username",
    "by_id",
    "content_type",
    "object_id",
    "object_label",
    "ip_address",
    "details",
]


class _Echo:
    """csv.writer writes into this and hands each line straight back, for streaming."""

    def write(self, value):
        return value


class PersonFilter(admin.SimpleListFilter):
    """By user name as recorded, so entries of a deleted account can still be found."""

    title = "person"
    parameter_name = "by_username"

    def lookups(self, request, model_admin):
        names = (
            AuditEntry.objects.exclude(by_username="")
            .order_by("by_username")
            .values_list("by_username", flat=True)
            .distinct()
        )
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(by_username=self.value())
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Superusers read, filter and export the log; nobody adds, changes or deletes entries."""

    list_display = [
        "when",
        "by_username",
        "action_label",
        "object_link",
        "details_text",
        "ip_address",
    ]
    list_display_links = ["when"]
    list_filter = [
        "action",
        PersonFilter,
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("at", admin.DateFieldListFilter),
    ]
    date_hierarchy = "at"
    search_fields = ["by_username", "object_label", "=object_id"]
    list_select_related = ["content_type"]
    fields = EXPORT_FIELDS
    readonly_fields = EXPORT_FIELDS
    list_per_page = 100
    show_full_result_count = False
    change_list_template = "admin/audit/auditentry/change_list.html"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="when", ordering="at")
    def when(self, entry):
        # To the second, in the site's time zone: the order of events is the point.
        return timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="details")
    def details_text(self, entry):
        return (
            "; ".join(
                f"{key.replace('_', ' ')}: {_plain(value)}"
                for key, value in sorted(entry.details.items())
            )
            or "–"
        )

    @admin.display(description="action", ordering="action")
    def action_label(self, entry):
        return entry.get_action_display()

    @admin.display(description="object")
    def object_link(self, entry):
        if not entry.content_type_id:
            return "–"
        url = reverse("admin:audit_auditentry_changelist")
        query = f"?content_type__id__exact={entry.content_type_id}&object_id={entry.object_id}"
        return format_html('<a href="{}{}">{}</a>', url, query, entry.object_label)

    def get_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_csv),
                name="audit_auditentry_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "export_url": reverse("admin:audit_auditentry_export"),
        }
        return super().changelist_view(request, extra_context)

    def export_csv(self, request):
        """The filtered log as CSV (no reader data is ever in it), itself recorded."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).select_related("content_type")
        AuditEntry.objects.record(
            Action.EXPORT, request=request, what="audit log", rows=queryset.count()
        )
        writer = csv.writer(_Echo())

        def rows():
            yield writer.writerow(EXPORT_FIELDS)
            for entry in queryset.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        entry.at.isoformat(),
                        entry.action,
                        entry.by_username,
                        entry.by_id or "",
                        entry.content_type.model if entry.content_type_id else "",
                        entry.object_id,
                        _cell(entry.object_label),
                        entry.ip_address or "",
                        json.dumps(entry.details, sort_keys=True),
                    ]
                )

        filename = f"audit-log-{timezone.localdate().isoformat()}.csv"
        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _plain(value):
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _cell(value):
    # A title starting with = + - @ would run as a formula in a spreadsheet.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value
