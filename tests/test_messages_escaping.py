"""Values from plan files and submitted files cannot mention people, add links or change a message's format."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from monitor.messages.filters import md_escape, oneline
from monitor.messages.render import Renderer
from tests.message_factory import firing, high_tech, notification, rd_expenditure, resolved

EVIL = "研发<@all> **@13800000000** [x](http://e.vil)"
EVIL_LINES = "研发\n# 标题\n> 引用 <at user_id=\"all\"></at> `code` _em_ ~~del~~ | &lt;b&gt;"

# what would act in some robot's markdown: mentions, emphasis, links, HTML-ish tags, entities
LIVE = ["<@", "@1380", "**", "[x]", "](", "http://", "<at", "</at>", "&lt;", "`", "_em_", "~~", "|"]


@pytest.mark.parametrize("flavour", ["wecom", "dingtalk", "feishu"])
def test_a_malicious_indicator_name_is_inert_in_each_markdown_flavour(flavour):
    escaped = md_escape(EVIL + " " + EVIL_LINES, flavour)

    assert [token for token in LIVE if token in escaped] == []
    assert "\n" not in escaped
    assert "研发" in escaped and "13800000000" in escaped and "e.vil" in escaped  # still readable


@pytest.mark.parametrize("flavour", ["wecom", "dingtalk", "feishu", "text", "html"])
def test_a_value_cannot_start_a_new_line_of_its_own_in_any_flavour(flavour):
    assert "\n" not in str(md_escape("甲\r\n# 乙\u2028> 丙\x85丁", flavour))


def test_ordinary_indicator_names_are_left_as_they_are():
    for name in ("“专精特新”企业数", "高新技术企业研究与试验发展（R&D）经费支出占区地区生产总值比重",
                 "亩均投入强度", "2023Q2"):
        assert md_escape(name, "wecom") == name


def test_the_text_flavour_keeps_characters_and_only_joins_lines():
    assert md_escape("A <b> *c*\n d", "text") == "A <b> *c* d"
    assert oneline(None) == ""


def test_the_html_flavour_escapes_markup():
    assert str(md_escape('<script>"x"</script>\n', "html")) == "&lt;script&gt;&#34;x&#34;&lt;/script&gt;"


def test_an_unknown_flavour_is_refused():
    with pytest.raises(ValueError, match="unknown markdown flavour 'slack'"):
        md_escape("x", "slack")


def poisoned(kind: str):
    """A notification where every text that came from a file carries an injection attempt."""
    def poison(row):
        return {**row, "indicator_name": EVIL, "region_name": EVIL_LINES, "note": EVIL, "period": "2024" + EVIL,
                "unit": "家<@all>"}

    def evil(item):
        return replace(item, alert=replace(item.alert, summary=EVIL, assessment=poison(item.alert.assessment)))

    if kind == "resolved":
        items = [evil(resolved(rd_expenditure(status="on_track")))]
    else:
        items = [evil(firing(high_tech())), evil(firing(rd_expenditure()))]
    extra = {"counts": {EVIL: {"behind": 1}}, "worst": [poison(high_tech())],
             "missing": [{"region_name": EVIL, "indicator_name": EVIL, "period": EVIL}]}
    return notification(kind, items, region=EVIL, extra=extra if kind == "digest" else None)


@pytest.mark.parametrize("kind", ["firing", "reminder", "resolved", "digest"])
@pytest.mark.parametrize("channel", ["wecom", "dingtalk", "feishu"])
def test_robot_messages_built_from_malicious_values_are_inert(channel, kind):
    message = Renderer().render(poisoned(kind), channel)

    # the templates' own **bold** is fine; the value's ** must have become ＊＊
    assert [token for token in LIVE if token != "**" and token in message.text] == []
    assert "＊＊＠13800000000＊＊" in message.text and "**@" not in message.text
    # the value's line break is gone, so its "# 标题" cannot become a heading of its own
    assert not any(re.match(r"[>\-\s]*#+\s*标题", line) for line in message.text.splitlines())
    assert "\n" not in message.title


@pytest.mark.parametrize("kind", ["firing", "reminder", "resolved", "digest"])
def test_the_html_email_escapes_malicious_values_and_the_subject_stays_one_line(kind):
    message = Renderer().render(poisoned(kind), "email")

    assert "<@all>" not in message.html and "<at " not in message.html and "<script" not in message.html
    assert "&lt;@all&gt;" in message.html
    assert "\n" not in message.title and "\r" not in message.title


def test_the_html_email_escapes_a_script_in_a_note():
    item = firing(high_tech(note="<script>alert(1)</script>"))
    message = Renderer().render(notification("firing", [item]), "email")

    assert "<script>" not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html
    assert "<script>alert(1)</script>" in message.text  # plain text is not HTML: nothing to escape
