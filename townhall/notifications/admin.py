from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Notification, State


def masked(recipient: str) -> str:
    """Enough of a phone or an address to tell recipients apart, not to contact one."""
    if not recipient:
        return ""
    if "@" in recipient:
        name, _at, domain = recipient.partition("@")
        return f"{name[:1]}•••@{domain}"
    return f"{recipient[:3]}•••{recipient[-3:]}" if len(recipient) > 6 else "•••"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "purpose",
        "channel",
        "masked_recipient",
        "state",
        "attempts",
        "available_at",
        "sent_at",
        "case",
    ]
    list_filter = ["state", "channel", "purpose"]
    list_select_related = ["case"]
    search_fields = ["dedupe_key", "case__reference"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "purpose",
        "channel",
        "masked_recipient",
        "subject",
        "body",
        "case",
        "dedupe_key",
        "state",
        "attempts",
        "available_at",
        "claimed_until",
        "sent_at",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields
    actions = ["requeue"]

    @admin.display(description=_("recipient"))
    def masked_recipient(self, obj: Notification) -> str:
        return masked(obj.recipient)

    def has_add_permission(self, request) -> bool:
        return False  # notifications are written by the services, with the change they report

    @admin.action(
        description=_("Send the selected failed notifications again"), permissions=["change"]
    )
    def requeue(self, request, queryset):
        count = queryset.filter(state=State.FAILED).update(
            state=State.PENDING,
            attempts=0,
            available_at=timezone.now(),
            claimed_until=None,
            claim_token=None,
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d notification queued again.",
                "%(count)d notifications queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
