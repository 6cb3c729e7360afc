from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = "Reader questions"

    def ready(self):
        # Registers the questions' panels on the staff home.
        from inquiries import panels  # noqa: F401
