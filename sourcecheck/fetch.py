"""Fetch one source link the polite way: HEAD first, GET if HEAD is refused, redirects followed."""

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings


@dataclass
class LinkAnswer:
    url: str
    status: int | None
    final_url: str = ""
    error: str = ""

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300


def user_agent():
    return (
        f"{settings.SITE_NAME} source link checker "
        f"(checks the links our articles cite; contact {settings.CONTACT_EMAIL})"
    )


def _request(url, method, timeout):
    # fetch() lets only http and https addresses through.
    headers = {"User-Agent": user_agent()}
    request = urllib.request.Request(url, method=method, headers=headers)  # noqa: S310
    try:
        # urllib follows redirects itself (up to 10), so a 301 to a live page counts as live.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http/https only)
            return LinkAnswer(url, response.status, final_url=response.url)
    except urllib.error.HTTPError as error:
        return LinkAnswer(url, error.code, final_url=error.url or "")
    except (OSError, http.client.HTTPException, ValueError) as error:
        # URLError, refused and reset connections and timeouts are OSErrors; a garbled answer
        # is an HTTPException; an address urllib cannot parse is a ValueError.
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            return LinkAnswer(url, None, error=f"no answer within {timeout:g} s")
        return LinkAnswer(url, None, error=str(reason)[:200])


def fetch(url, timeout=10.0):
    """HEAD, then GET when HEAD failed: many sites answer HEAD with 403, 405 or nothing."""
    if not url.lower().startswith(("http://", "https://")):
        return LinkAnswer(url, None, error="not a web address")
    answer = _request(url, "HEAD", timeout)
    if answer.ok:
        return answer
    return _request(url, "GET", timeout)
