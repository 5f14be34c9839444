from django.contrib import admin

from .models import ReceptionRule


@admin.register(ReceptionRule)
class ReceptionRuleAdmin(admin.ModelAdmin):
    """The legal minimums are data: an administrator edits them when the law changes."""

    list_display = ["office", "days_required", "per", "valid_from", "valid_to", "legal_basis"]
    list_filter = ["office", "per"]
