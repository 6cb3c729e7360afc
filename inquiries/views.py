from django.views.generic import TemplateView


class AskView(TemplateView):
    template_name = "inquiries/ask.html"
