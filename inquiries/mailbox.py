"""Questions that arrive by e-mail: read from an IMAP mailbox (settings.INQUIRY_IMAP_URL).

Each run reads the messages not yet marked seen, stores each one (inquiries.mail.take_in)
and only after that is committed marks it seen on the server. A run that fails half way
loses nothing: what was not marked is read again next time, and what was stored already is
recognised by its Message-ID and only marked.
"""

import ssl
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from imapclient import IMAPClient

from inquiries.mail import take_in
from inquiries.models import Inquiry


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    username: str
    password: str
    folder: str
    tls: str  # "implicit" (imaps), "starttls" (imap, the default) or "none" (imap ?tls=none)

    @classmethod
    def from_url(cls, url):
        """imaps://user:password@host[:993]/FOLDER, or imap://… (STARTTLS; ?tls=none for a
        server on this machine without TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("imap", "imaps"):
            raise ValueError("The mailbox address must start with imaps:// or imap://.")
        tls = "implicit" if parts.scheme == "imaps" else "starttls"
        if parse_qs(parts.query).get("tls") == ["none"]:
            tls = "none"
        return cls(
            host=parts.hostname or "",
            port=parts.port or (993 if tls == "implicit" else 143),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
            tls=tls,
        )

    def connect(self, timeout=30):
        context = ssl.create_default_context()
        client = IMAPClient(
            self.host,
            port=self.port,
            ssl=self.tls == "implicit",
            ssl_context=context,
            timeout=timeout,
        )
        if self.tls == "starttls":
            client.starttls(context)
        client.login(self.username, self.password)
        return client


@dataclass
class FetchResult:
    new_questions: int = 0
    thread_messages: int = 0
    already_taken: int = 0


def fetch(mailbox):
    """Take every unseen message in `mailbox`; returns what was done."""
    result = FetchResult()
    with mailbox.connect() as client:
        client.select_folder(mailbox.folder)
        for uid in client.search(["UNSEEN"]):
            # BODY.PEEK leaves the message unseen until it is stored.
            raw = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
            taken = take_in(raw)
            if taken is None:
                result.already_taken += 1
            elif isinstance(taken, Inquiry):
                result.new_questions += 1
            else:
                result.thread_messages += 1
            client.add_flags([uid], [b"\\Seen"])
    return result
