from django.apps import AppConfig


class PersonalAppConfig(AppConfig):
    """A test-only app with personal data (tests/settings.py installs it): it proves that an app
    reaches purge and verification through its declaration alone."""

    name = "tests.personal_app"
    label = "personal_app"
    verbose_name = "テスト用の個人情報アプリ"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.privacy.personal_data import register_personal_data
        from tests.personal_app import personal_data

        register_personal_data(personal_data.PERSONAL_DATA)
