from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicdesk.accounts"
    label = "accounts"
    verbose_name = "アカウント"

    def ready(self) -> None:
        from civicdesk.accounts import demo, roles
        from civicdesk.core.demo_parts import register_demo_part

        roles.connect_signals()
        register_demo_part(demo.DEMO_PART)
