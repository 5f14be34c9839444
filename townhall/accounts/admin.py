from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import two_factor
from .models import Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ["agency"]
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "title", "role", "is_active", "two_factor_enrolled", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "title", "first_name", "last_name"]
    inlines = [MembershipInline]
    actions = ["reset_two_factor"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Townhall"), {"fields": ("role", "title")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("totp_device")

    @admin.display(boolean=True, description=_("two-factor"))
    def two_factor_enrolled(self, user: User) -> bool | None:
        device = getattr(user, "totp_device", None)
        if device is None:
            return None if not user.needs_second_factor else False
        return device.confirmed

    @admin.action(description=_("Reset the two-factor device (enrol again at next login)"))
    def reset_two_factor(self, request, queryset):
        count = sum(two_factor.device_reset(user=user, actor=request.user) for user in queryset)
        self.message_user(
            request,
            _("Two-factor devices reset: %(count)d.") % {"count": count},
            messages.SUCCESS,
        )
