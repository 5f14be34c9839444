from django.contrib import admin

from .models import DialogueRule, ReportJob


@admin.register(DialogueRule)
class DialogueRuleAdmin(admin.ModelAdmin):
    list_display = ("level", "per_year", "province_code", "valid_from", "valid_to", "legal_basis")
    list_filter = ("level", "province_code")


@admin.register(ReportJob)
class ReportJobAdmin(admin.ModelAdmin):
    list_display = ("unit", "period", "year", "month", "status", "progress", "requested_at")
    list_filter = ("status", "period")
    readonly_fields = [f.name for f in ReportJob._meta.fields if f.name not in ("docx", "xlsx")]
    exclude = ("docx", "xlsx")

    def has_add_permission(self, request):
        return False
