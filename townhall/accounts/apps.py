from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "townhall.accounts"
    label = "accounts"
    verbose_name = _("Staff and roles")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .two_factor import reset_on_login

        user_logged_in.connect(reset_on_login, dispatch_uid="townhall.two_factor.reset_on_login")
