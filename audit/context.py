"""The request being served, for entries recorded where no request is at hand.

Django's m2m_changed and save signals (a role given in the admin's user form) carry no
request, yet the entry must say who did it.
"""

from contextvars import ContextVar

current_request = ContextVar("audit_current_request", default=None)


class CurrentRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
