from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .keys import key_fill, key_revoke
from .models import ApiKey, Open311Request


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys of Open311 clients: listed, created (the key is shown once, on the page that follows
    the creation, and stored nowhere but as its SHA-256) and revoked. Never deleted: the requests
    filed with a key keep pointing at it."""

    list_display = ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name"]
        return ["name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            # For response_add only: never stored, never put in a message (messages can live in
            # a cookie).
            request._open311_new_key = key_fill(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        key = getattr(request, "_open311_new_key", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "api_key": obj,
            "key": key,
            "title": _("The new Open311 API key"),
        }
        response = TemplateResponse(request, "admin/open311/apikey/created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        count = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            key_revoke(api_key=api_key)
            count += 1
        self.message_user(
            request, _("%(count)d key(s) revoked.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    """Which client filed which petition (read-only; the petition is handled as any other)."""

    list_display = ["petition", "api_key", "created_at"]
    list_filter = ["api_key"]
    search_fields = ["petition__tracking_code"]
    fields = ["petition", "api_key", "token", "address_string", "address_id", "lat", "long"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
