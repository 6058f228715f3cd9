from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "civicdesk.counter"
    label = "counter"
    verbose_name = "窓口"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.core.demo_parts import register_demo_part
        from civicdesk.counter import demo, personal_data
        from civicdesk.privacy.personal_data import register_personal_data

        register_demo_part(demo.DEMO_PART)
        register_personal_data(personal_data.PERSONAL_DATA)
