"""Requests that no page can use, answered with a clear 400 before any view or middleware
reads them.

Two kinds reach the database or Django's form parsing and end in a 500 otherwise:
- a NUL character in the address or its query string (PostgreSQL refuses NUL in any text
  parameter, so a search or ?article= lookup with one raises instead of finding nothing);
- a form body whose Content-Type names a charset other than UTF-8 (Django refuses to decode
  it, and the CSRF check or the view is the first to read it). Every form we serve is UTF-8.
"""

from django.shortcuts import render

FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def problem(request):
    """What is wrong with the request, in words for the person who sent it, or None."""
    # On the raw query string, so that a normal request parses nothing here: a NUL can only
    # arrive as "%00" or as itself.
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path or "%00" in query or "\x00" in query:
        return "The address contains a NUL character. Remove it and try again."
    content_type = request.content_type or ""
    if content_type in FORM_CONTENT_TYPES:
        # Django itself accepts only this spelling for url-encoded forms.
        charset = request.content_params.get("charset", "utf-8")
        if charset.lower() != "utf-8":
            return "Forms must be sent as UTF-8. Reload the page and send the form again."
    return None


class BadInputMiddleware:
    """Refuse what `problem` finds with a 400 page that says what to change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = problem(request)
        if message:
            return render(request, "bad_request.html", {"message": message}, status=400)
        return self.get_response(request)
