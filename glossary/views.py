from django.views.generic import ListView

from glossary.models import Term


class GlossaryView(ListView):
    template_name = "glossary/index.html"
    context_object_name = "terms"

    def get_queryset(self):
        return Term.objects.for_reader_pages()
