from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicdesk.registry"
    label = "registry"
    verbose_name = "宛名（納付義務者・世帯・電話番号）"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.privacy.personal_data import register_personal_data
        from civicdesk.registry import personal_data

        register_personal_data(personal_data.PERSONAL_DATA)
