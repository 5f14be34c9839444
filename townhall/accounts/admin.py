from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["agency"]
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "title", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "title", "first_name", "last_name"]
    inlines = [MembershipInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Townhall"), {"fields": ("role", "title")}),
    )
