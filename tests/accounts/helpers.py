"""Signing in as staff do: the admin login, then a code computed like an authenticator app."""

import re
import time
from base64 import b32decode

from django_otp.oath import TOTP

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"
KEY_PATTERN = re.compile(r'class="two-factor-key"[^>]*>([A-Z2-7 ]+)</code>')


def sign_in(client, username, password=PASSWORD, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def key_from_page(html):
    """The setup key as shown to the person (base32 in groups of four)."""
    return KEY_PATTERN.search(html).group(1).replace(" ", "")


def app_code(key, steps_ahead=0):
    """The code an authenticator app shows for `key` (base32), `steps_ahead` 30 s steps on.

    A code is accepted once: a second sign-in in the same 30 seconds uses the next step's code
    (django-otp allows one step of clock drift).
    """
    padded = key + "=" * (-len(key) % 8)
    totp = TOTP(b32decode(padded))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol(client, next_url="/admin/"):
    """Open the setup page, read the key, answer with the app's code; returns key and page."""
    page = client.get("/admin/two-factor/setup/", {"next": next_url})
    key = key_from_page(page.content.decode())
    response = client.post(
        "/admin/two-factor/setup/",
        {"code": app_code(key), "next": next_url},
        REMOTE_ADDR="203.0.113.7",
    )
    return key, response
