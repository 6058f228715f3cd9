from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicdesk.accounts"
    label = "accounts"
    verbose_name = "アカウント"

    def ready(self) -> None:
        from civicdesk.accounts import roles, roster

        roles.connect_signals()
        roster.register_exporter()
