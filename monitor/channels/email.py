"""Email: one multipart/alternative message (plain text and HTML, UTF-8) to a list of mailboxes.

Charts: when the message carries images (monitor.messages.charts), the HTML alternative becomes
multipart/related, the PNGs inline under the HTML table, each referenced by its Content-ID (``cid:``) and with alt
text naming the indicator; the plain-text alternative is the same as without them.

Connection: ``security="starttls"`` connects in plain text and upgrades with STARTTLS (port 587), ``"tls"``
connects with implicit TLS (port 465), ``"none"`` stays in plain text (port 25, trusted relays only). The server
certificate is verified against the system's trust store (``SSL_CERT_FILE`` points OpenSSL at another bundle),
or against the ``ssl_context`` given to the channel. Login happens when a username is set.

Errors: a connection failure, a timeout or an SMTP 4xx reply are worth retrying; an SMTP 5xx reply, a failed
login, a certificate that does not verify, a server without STARTTLS, missing settings, or settings that cannot be
used (a host name that is no host name, a port out of range) are permanent; none of them raises anything else. When
the server refuses some recipients but takes the message for others, the send counts as accepted and the
receipt's ``errmsg`` lists the refused addresses.
"""

from __future__ import annotations

import base64
import html as markup
import smtplib
import socket
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any, Iterable

from monitor.channels.base import DeliveryError, Message, RateLimit, Receipt
from monitor.channels.http import scrub
from monitor.ops.logs import remember_secrets
from monitor.settings import SmtpSettings


class EmailChannel:
    kind = "email"
    max_bytes: int | None = None
    rate_limits: tuple[RateLimit, ...] = ()

    def __init__(self, to: str | Iterable[str], *, smtp: SmtpSettings, ssl_context: ssl.SSLContext | None = None):
        self.to = [to] if isinstance(to, str) else list(to)
        if not self.to or not all("@" in parseaddr(address)[1] for address in self.to):
            raise ValueError(f"email receivers need mailbox addresses (got {self.to!r})")
        self.smtp = smtp
        self.ssl_context = ssl_context
        remember_secrets(smtp.password.get_secret_value())

    def __repr__(self) -> str:
        return f"EmailChannel({self.target()})"

    def target(self) -> str:
        return "email:" + ",".join(sorted(parseaddr(address)[1].lower() for address in self.to))

    def parts(self, message: Message, max_bytes: int | None = None) -> list[dict[str, Any]]:
        payload: dict[str, Any] = {"to": list(self.to), "subject": message.title, "text": message.text,
                                   "html": message.html}
        if message.images and message.html:
            payload["html"] = with_images(message.html, message.images)
            payload["images"] = [{"cid": image["cid"], "png": image["png"]} for image in message.images]
        return [payload]

    def send(self, payload: dict[str, Any], *, now: datetime) -> Receipt:
        settings = self.smtp
        if not settings.host:
            raise DeliveryError("no SMTP server is configured: set MONITOR_SMTP__HOST (and the other "
                                "MONITOR_SMTP__ settings)", "permanent")
        sender = settings.sender or settings.username
        if "@" not in parseaddr(sender)[1]:
            raise DeliveryError("no sender address: set MONITOR_SMTP__SENDER, e.g. 规划监测 <monitor@example.gov.cn>",
                                "permanent")
        password = settings.password.get_secret_value()
        try:
            mail = build_email(payload, sender=sender, now=now)
        except ValueError as exc:  # a header the email library refuses (a line break in an address or subject)
            raise DeliveryError(f"the message cannot be written as an email: {exc}", "permanent") from None
        try:
            refused = self._deliver(mail, sender, [parseaddr(address)[1] for address in payload["to"]])
        except smtplib.SMTPRecipientsRefused as exc:
            raise _recipients_error(exc.recipients) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP login as {settings.username} refused: {_reply(exc)}", "permanent",
                                errcode=exc.smtp_code) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"{self._server()} does not support what the settings ask for: {exc}; check "
                                "MONITOR_SMTP__SECURITY", "permanent") from None
        except smtplib.SMTPResponseException as exc:
            kind = "retry" if 400 <= exc.smtp_code < 500 else "permanent"
            raise DeliveryError(scrub(f"{self._server()} answered {_reply(exc)}", password), kind,
                                errcode=exc.smtp_code, errmsg=_text(exc.smtp_error)) from None
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(f"the certificate of {self._server()} does not verify: {exc.verify_message}",
                                "permanent") from None
        except ssl.SSLError as exc:
            raise DeliveryError(f"TLS with {self._server()} failed ({exc.reason}); check MONITOR_SMTP__SECURITY "
                                "and MONITOR_SMTP__PORT", "permanent") from None
        except (smtplib.SMTPException, OSError) as exc:  # timeouts, refused connections, dropped connections
            raise DeliveryError(f"could not deliver through {self._server()}: {type(exc).__name__} {exc}", "retry") \
                from None
        except (ValueError, OverflowError) as exc:  # a host name IDNA cannot encode, a port or timeout out of range
            raise DeliveryError(scrub(f"{self._server()} cannot be used ({type(exc).__name__}: {exc}); check "
                                      "MONITOR_SMTP__HOST, MONITOR_SMTP__PORT and MONITOR_SMTP__TIMEOUT", password),
                                "permanent") from None
        if refused:
            listed = "; ".join(f"{address} ({_reply_of(reply)})" for address, reply in refused.items())
            return Receipt(errmsg=f"accepted for some recipients; refused: {listed}")
        return Receipt(errmsg="accepted")

    def _server(self) -> str:
        return f"SMTP server {self.smtp.host}:{self.smtp.port}"

    def _deliver(self, mail: EmailMessage, sender: str, to: list[str]) -> dict[str, tuple[int, bytes]]:
        settings = self.smtp
        context = self.ssl_context or ssl.create_default_context()
        client: smtplib.SMTP
        if settings.security == "tls":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            client.ehlo()
            if settings.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if settings.username:
                client.login(settings.username, settings.password.get_secret_value())
            return client.send_message(mail, from_addr=parseaddr(sender)[1], to_addrs=to)


def build_email(payload: dict[str, Any], *, sender: str, now: datetime) -> EmailMessage:
    """The MIME message: text, and HTML as the preferred alternative when there is some."""
    mail = EmailMessage()
    mail["Subject"] = payload["subject"]
    mail["From"] = sender
    mail["To"] = ", ".join(payload["to"])
    mail["Date"] = format_datetime(now if now.tzinfo else now.replace(tzinfo=timezone.utc))
    domain = parseaddr(sender)[1].rpartition("@")[2] or socket.getfqdn()
    mail["Message-ID"] = make_msgid(domain=domain)
    # base64 keeps the Chinese text 7-bit clean for servers without 8BITMIME
    mail.set_content(payload["text"], charset="utf-8", cte="base64")
    if payload.get("html"):
        mail.add_alternative(payload["html"], subtype="html", charset="utf-8", cte="base64")
        if payload.get("images"):
            html_part = mail.get_payload()[-1]
            for number, image in enumerate(payload["images"], start=1):
                html_part.add_related(base64.b64decode(image["png"], validate=True), maintype="image",
                                      subtype="png", cid=f"<{image['cid']}>", filename=f"chart-{number}.png",
                                      disposition="inline")
    return mail


def with_images(html: str, images: Any) -> str:
    """The HTML with an ``<img src="cid:…">`` per image right under the (last) table; without a table, before
    ``</body>``, or at the end."""
    tags = "".join(f'\n<p><img src="cid:{markup.escape(image["cid"])}" alt="{markup.escape(image["alt"])}" '
                   f'style="max-width:100%;height:auto"></p>' for image in images)
    for mark, after in (("</table>", True), ("</body>", False)):
        at = html.rfind(mark)
        if at >= 0:
            at += len(mark) if after else 0
            return html[:at] + tags + html[at:]
    return html + tags


def _recipients_error(refused: dict[str, tuple[int, bytes]]) -> DeliveryError:
    listed = "; ".join(f"{address} ({_reply_of(reply)})" for address, reply in refused.items())
    codes = [code for code, _ in refused.values()]
    kind = "retry" if any(400 <= code < 500 for code in codes) else "permanent"
    return DeliveryError(f"every recipient was refused: {listed}", kind, errcode=codes[0] if codes else None)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}"


def _reply_of(reply: tuple[int, bytes]) -> str:
    return f"{reply[0]} {_text(reply[1])}"


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
