"""The email channel against a real SMTP server (aiosmtpd) on loopback: plain, STARTTLS and implicit TLS."""

from __future__ import annotations

import socket
import ssl
from email import message_from_bytes, policy

import pytest
from pydantic import SecretStr

from monitor.channels.base import DeliveryError, Message
from monitor.channels.email import EmailChannel
from monitor.settings import SmtpSettings
from tests.robots import ROBOT_NOW, MailServer

pytest_plugins = ["tests.robots"]

USER, PASSWORD = "monitor", "s3cret-Pa55word"
SENDER = "规划监测 <monitor@example.gov.cn>"
TO = ["fgw@chengkou.example.gov.cn", "县长 <mayor@chengkou.example.gov.cn>"]
MESSAGE = Message(
    "【预警】城口县 2 项指标落后序时进度",
    "城口县\n- 地区生产总值增速：落后 3.2 个百分点\n",
    html="<h2>城口县</h2><ul><li>地区生产总值增速：<b>落后</b> 3.2 个百分点</li></ul>",
)


def settings_for(server, **changes) -> SmtpSettings:
    values = {"host": server.host, "port": server.port, "security": "none", "sender": SENDER, "timeout": 5}
    values.update(changes)
    return SmtpSettings(**values)


def send(channel: EmailChannel, message: Message = MESSAGE):
    [payload] = channel.parts(message)
    return channel.send(payload, now=ROBOT_NOW)


def failure(channel: EmailChannel) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send(channel)
    assert PASSWORD not in str(caught.value)
    return caught.value


@pytest.fixture
def trusting(tls_certificate):
    return ssl.create_default_context(cafile=tls_certificate[0])


def test_the_part_carries_recipients_subject_text_and_html(smtp_server):
    channel = EmailChannel(TO, smtp=settings_for(smtp_server))
    assert channel.parts(MESSAGE) == [{"to": TO, "subject": MESSAGE.title, "text": MESSAGE.text, "html": MESSAGE.html}]
    assert channel.max_bytes is None


def test_a_plain_server_receives_one_multipart_alternative_message_in_utf8(smtp_server):
    send(EmailChannel(TO, smtp=settings_for(smtp_server)))
    [mail] = smtp_server.mails
    assert mail.mail_from == "monitor@example.gov.cn"
    assert mail.rcpt_tos == ["fgw@chengkou.example.gov.cn", "mayor@chengkou.example.gov.cn"]
    raw_subject = next(line for line in mail.content.split(b"\r\n") if line.startswith(b"Subject:"))
    assert b"=?utf-8?" in raw_subject.lower()  # RFC 2047, not raw UTF-8 in the header
    parsed = message_from_bytes(mail.content, policy=policy.default)
    assert parsed["Subject"] == MESSAGE.title
    assert parsed["From"].addresses[0].display_name == "规划监测"
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed.get_body(("plain",)).get_content() == MESSAGE.text
    assert parsed.get_body(("html",)).get_content().strip() == MESSAGE.html
    assert parsed["Date"] == "Mon, 02 Mar 2026 09:30:00 +0800"


def test_a_message_without_html_is_plain_text_only(smtp_server):
    send(EmailChannel(TO[0], smtp=settings_for(smtp_server)), Message("标题", "正文\n"))
    parsed = message_from_bytes(smtp_server.mails[0].content, policy=policy.default)
    assert parsed.get_content_type() == "text/plain" and parsed.get_content() == "正文\n"


def test_starttls_with_login_is_used_and_verified(tls_certificate, trusting):
    with MailServer(security="starttls", certificate=tls_certificate, users={USER: PASSWORD}) as server:
        smtp = settings_for(server, security="starttls", username=USER, password=SecretStr(PASSWORD))
        send(EmailChannel(TO, smtp=smtp, ssl_context=trusting))
        [mail] = server.mails
        assert (mail.tls, mail.login) == (True, USER)


def test_implicit_tls_with_login_is_used(tls_certificate, trusting):
    with MailServer(security="tls", certificate=tls_certificate, users={USER: PASSWORD}) as server:
        smtp = settings_for(server, security="tls", username=USER, password=SecretStr(PASSWORD))
        send(EmailChannel(TO, smtp=smtp, ssl_context=trusting))
        assert [mail.login for mail in server.mails] == [USER]


def test_a_wrong_password_is_permanent_and_not_shown(tls_certificate, trusting):
    with MailServer(security="starttls", certificate=tls_certificate, users={USER: "the-real-one"}) as server:
        smtp = settings_for(server, security="starttls", username=USER, password=SecretStr(PASSWORD))
        error = failure(EmailChannel(TO, smtp=smtp, ssl_context=trusting))
        assert (error.kind, error.errcode) == ("permanent", 535)
        assert server.mails == []


def test_a_certificate_the_client_does_not_trust_is_permanent(tls_certificate):
    with MailServer(security="starttls", certificate=tls_certificate) as server:
        error = failure(EmailChannel(TO, smtp=settings_for(server, security="starttls")))
        assert error.kind == "permanent" and "certificate" in str(error)
        assert server.mails == []


def test_starttls_against_a_server_without_it_is_permanent(smtp_server):
    error = failure(EmailChannel(TO, smtp=settings_for(smtp_server, security="starttls")))
    assert error.kind == "permanent" and "MONITOR_SMTP__SECURITY" in str(error)


def test_implicit_tls_against_a_plain_server_is_permanent(smtp_server):
    error = failure(EmailChannel(TO, smtp=settings_for(smtp_server, security="tls")))
    assert error.kind == "permanent" and "MONITOR_SMTP__SECURITY" in str(error)


def test_a_temporary_refusal_of_the_data_is_retry(smtp_server):
    smtp_server.data_replies.append("451 4.3.0 Mail server temporarily rejected message")
    error = failure(EmailChannel(TO, smtp=settings_for(smtp_server)))
    assert (error.kind, error.errcode) == ("retry", 451)
    send(EmailChannel(TO, smtp=settings_for(smtp_server)))
    assert len(smtp_server.mails) == 1


def test_a_permanent_refusal_of_the_data_is_permanent(smtp_server):
    smtp_server.data_replies.append("554 5.7.1 Message rejected as spam")
    error = failure(EmailChannel(TO, smtp=settings_for(smtp_server)))
    assert (error.kind, error.errcode) == ("permanent", 554)


def test_every_recipient_refused_for_good_is_permanent(smtp_server):
    smtp_server.refuse = {"nobody@example.gov.cn": "550 5.1.1 no such user"}
    error = failure(EmailChannel(["nobody@example.gov.cn"], smtp=settings_for(smtp_server)))
    assert error.kind == "permanent" and "nobody@example.gov.cn" in str(error)


def test_a_recipient_refused_for_now_is_retry(smtp_server):
    smtp_server.refuse = {"busy@example.gov.cn": "450 4.2.1 mailbox busy"}
    assert failure(EmailChannel(["busy@example.gov.cn"], smtp=settings_for(smtp_server))).kind == "retry"


def test_some_refused_recipients_are_named_in_the_receipt(smtp_server):
    smtp_server.refuse = {"nobody@example.gov.cn": "550 5.1.1 no such user"}
    receipt = send(EmailChannel(["nobody@example.gov.cn", TO[0]], smtp=settings_for(smtp_server)))
    assert "nobody@example.gov.cn" in receipt.errmsg
    assert smtp_server.mails[0].rcpt_tos == [TO[0]]


def test_a_server_that_is_down_is_retry():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    error = failure(EmailChannel(TO, smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", sender=SENDER)))
    assert error.kind == "retry"


def test_a_server_that_never_greets_times_out_to_retry():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        smtp = SmtpSettings(host="127.0.0.1", port=listener.getsockname()[1], security="none", sender=SENDER,
                            timeout=0.3)
        assert failure(EmailChannel(TO, smtp=smtp)).kind == "retry"


def test_a_missing_host_is_permanent_and_names_the_setting():
    error = failure(EmailChannel(TO, smtp=SmtpSettings(sender=SENDER)))
    assert error.kind == "permanent" and "MONITOR_SMTP__HOST" in str(error)


def test_a_missing_sender_is_permanent_and_names_the_setting(smtp_server):
    error = failure(EmailChannel(TO, smtp=settings_for(smtp_server, sender="")))
    assert error.kind == "permanent" and "MONITOR_SMTP__SENDER" in str(error)


def test_the_login_name_is_the_sender_when_no_sender_is_set(tls_certificate, trusting):
    login = "monitor@example.gov.cn"
    with MailServer(security="starttls", certificate=tls_certificate, users={login: PASSWORD}) as server:
        smtp = settings_for(server, security="starttls", sender="", username=login, password=SecretStr(PASSWORD))
        send(EmailChannel(TO, smtp=smtp, ssl_context=trusting))
        assert [(mail.mail_from, mail.login) for mail in server.mails] == [(login, login)]


def test_recipients_must_be_mailboxes():
    with pytest.raises(ValueError):
        EmailChannel(["not-an-address"], smtp=SmtpSettings())
    with pytest.raises(ValueError):
        EmailChannel([], smtp=SmtpSettings())


def test_the_target_lists_the_mailboxes_in_a_stable_order():
    one = EmailChannel(["b@x.cn", "A@x.cn"], smtp=SmtpSettings()).target()
    assert one == EmailChannel(["a@x.cn", "b@x.cn"], smtp=SmtpSettings()).target() == "email:a@x.cn,b@x.cn"
