from django.contrib import admin

from .models import Agency, Succession, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "level", "era", "valid_from", "valid_to"]
    list_filter = ["era", "level", "kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]


@admin.register(Succession)
class SuccessionAdmin(admin.ModelAdmin):
    list_display = ["predecessor", "successor", "source"]
    list_filter = ["source"]
    raw_id_fields = ["predecessor", "successor"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "head_title", "is_active"]
    list_filter = ["kind", "is_active", "unit__level"]
    search_fields = ["name", "unit__name", "unit__code"]
    raw_id_fields = ["unit", "head"]
