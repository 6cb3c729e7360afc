from django.contrib import admin

from sourcecheck.models import SourceLinkCheck


@admin.register(SourceLinkCheck)
class SourceLinkCheckAdmin(admin.ModelAdmin):
    list_display = ["url", "ok", "status", "error", "checked_at"]
    list_filter = ["ok"]
    search_fields = ["url"]
    readonly_fields = ["url", "status", "error", "final_url", "ok", "checked_at"]

    def has_add_permission(self, request):
        return False
