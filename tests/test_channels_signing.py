"""Signatures for DingTalk, Feishu and our own webhooks, checked against the published recipes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote_plus

from monitor.channels.signing import (
    dingtalk_sign,
    epoch_seconds,
    feishu_sign,
    verify_webhook_signature,
    webhook_signature,
    webhook_signature_header,
)

SECRET = "SECb5a6c3f0e1d2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b"


def recipe_dingtalk(secret: str, timestamp_ms: int) -> str:
    """DingTalk's documented recipe, before URL encoding."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def a_timestamp_whose_signature_has_url_special_characters() -> int:
    timestamp = 1_772_415_000_000
    while not any(c in recipe_dingtalk(SECRET, timestamp) for c in "+/="):
        timestamp += 1
    return timestamp


def test_dingtalk_signature_follows_the_recipe_and_is_url_encoded_exactly_once():
    timestamp = a_timestamp_whose_signature_has_url_special_characters()
    sign = dingtalk_sign(SECRET, timestamp)
    assert not any(c in sign for c in "+/=")
    assert unquote_plus(sign) == recipe_dingtalk(SECRET, timestamp)
    assert "%25" not in sign  # not encoded twice


def test_dingtalk_signature_changes_with_the_timestamp_and_the_secret():
    assert dingtalk_sign(SECRET, 1) != dingtalk_sign(SECRET, 2)
    assert dingtalk_sign(SECRET, 1) != dingtalk_sign(SECRET + "x", 1)


def test_feishu_signature_keys_the_hmac_with_timestamp_and_secret_over_an_empty_message():
    expected = base64.b64encode(hmac.new(f"1772415000\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
    assert feishu_sign(SECRET, 1772415000) == expected
    assert feishu_sign(SECRET, 1772415001) != expected


def test_webhook_signature_is_hex_hmac_over_timestamp_dot_body():
    body = '{"status":"firing","receiver":"城口县"}'.encode()
    expected = hmac.new(b"whsec", b"1772415000." + body, hashlib.sha256).hexdigest()
    assert webhook_signature("whsec", 1772415000, body) == expected
    assert webhook_signature_header("whsec", 1772415000, body) == f"t=1772415000,v1={expected}"


def test_a_receiver_verifies_a_good_signature_within_the_window():
    body = b'{"a":1}'
    header = webhook_signature_header("whsec", 1000, body)
    assert verify_webhook_signature("whsec", header, body, now_s=1000)
    assert verify_webhook_signature("whsec", header, body, now_s=1299)


def test_a_receiver_refuses_a_tampered_body_a_wrong_secret_an_old_timestamp_or_no_header():
    body = b'{"a":1}'
    header = webhook_signature_header("whsec", 1000, body)
    assert not verify_webhook_signature("whsec", header, b'{"a":2}', now_s=1000)
    assert not verify_webhook_signature("other", header, body, now_s=1000)
    assert not verify_webhook_signature("whsec", header, body, now_s=1301)
    assert not verify_webhook_signature("whsec", None, body, now_s=1000)
    assert not verify_webhook_signature("whsec", "t=abc,v1=00", body, now_s=1000)
    forged_time = header.replace("t=1000", "t=1200")
    assert not verify_webhook_signature("whsec", forged_time, body, now_s=1200)


def test_naive_datetimes_are_taken_as_utc():
    aware = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)
    assert epoch_seconds(aware.replace(tzinfo=None)) == epoch_seconds(aware)
    assert epoch_seconds(aware.astimezone(timezone(timedelta(hours=8)))) == epoch_seconds(aware)
