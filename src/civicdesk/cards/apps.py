from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "civicdesk.cards"
    label = "cards"
    verbose_name = "個人番号カード交付"

    def ready(self) -> None:
        # Imported here: the models these modules use are loaded only now.
        from civicdesk.cards import demo, personal_data
        from civicdesk.core.demo_parts import register_demo_part
        from civicdesk.privacy.personal_data import register_personal_data

        register_demo_part(demo.DEMO_PART)
        register_personal_data(personal_data.PERSONAL_DATA)
