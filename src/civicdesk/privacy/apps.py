from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "civicdesk.privacy"
    label = "privacy"
    verbose_name = "個人情報保護"
