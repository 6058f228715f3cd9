from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "civicdesk.receivables"
    label = "receivables"
    verbose_name = "収納（口座・期別・納付）"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.core.demo_parts import register_demo_part
        from civicdesk.privacy.personal_data import register_personal_data
        from civicdesk.receivables import demo, personal_data

        register_demo_part(demo.DEMO_PART)
        register_personal_data(personal_data.PERSONAL_DATA)
