from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "civicdesk.privacy"
    label = "privacy"
    verbose_name = "個人情報保護"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.privacy.services import roster_export

        roster_export.register_exporter()
