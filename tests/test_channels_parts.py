"""Every robot channel's parts fit its limit, whatever the text, and together carry the whole text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.channels.base import Message
from monitor.channels.dingtalk import DingTalkChannel
from monitor.channels.feishu import BODY_MAX_BYTES as FEISHU_MAX
from monitor.channels.feishu import FeishuChannel
from monitor.channels.http import encode_json
from monitor.channels.wecom import WeComChannel

LINE = st.text(alphabet=st.sampled_from(list('城口县规划 ab1"\\\t<>*📈')), max_size=300)
TEXTS = st.lists(LINE, max_size=120).map("\n".join)
BUDGETS = st.sampled_from([None, 600, 1500, 4000])
TITLES = st.text(alphabet=st.sampled_from(list("城口县预警 ab")), min_size=1, max_size=120)

WECOM = WeComChannel("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", mention_user_ids=["zhangsan"],
                     mention_mobiles=["13800001111"])
DINGTALK = DingTalkChannel("https://oapi.dingtalk.com/robot/send?access_token=t", secret="SEC",
                           mention_mobiles=["13800001111"], mention_user_ids=["u1"], at_all=True)
FEISHU = FeishuChannel("https://open.feishu.cn/open-apis/bot/v2/hook/t", secret="s", mention_user_ids=["ou_1"],
                       at_all=True)


def strip_number(text: str, n: int) -> str:
    return text.split("\n", 1)[1] if n > 1 else text


@settings(max_examples=60, deadline=None)
@given(title=TITLES, text=TEXTS, budget=BUDGETS)
def test_wecom_markdown_parts_fit_4096_bytes_and_carry_the_whole_text(title, text, budget):
    payloads = [p for p in WECOM.parts(Message(title, text), budget) if p["msgtype"] == "markdown"]
    contents = [p["markdown"]["content"] for p in payloads]
    assert all(len(c.encode()) <= (budget or 4096) for c in contents)
    contents[0] = contents[0].removesuffix("\n<@zhangsan>")
    assert "".join(strip_number(c, len(contents)) for c in contents) == text


@settings(max_examples=60, deadline=None)
@given(title=TITLES, text=TEXTS, budget=BUDGETS)
def test_dingtalk_bodies_stay_under_20000_bytes_and_carry_the_whole_text(title, text, budget):
    payloads = DINGTALK.parts(Message(title, text), budget)
    assert all(len(encode_json(p)) <= (budget or 19999) for p in payloads)
    texts = [p["markdown"]["text"] for p in payloads]
    texts[0] = texts[0].removesuffix("\n\n@13800001111 @u1 @所有人")
    assert "".join(strip_number(t, len(texts)) for t in texts) == text
    assert all(p["markdown"]["title"] for p in payloads)


@settings(max_examples=60, deadline=None)
@given(title=TITLES, text=TEXTS, budget=BUDGETS)
def test_feishu_bodies_fit_once_signed_and_carry_the_whole_text(title, text, budget):
    payloads = FEISHU.parts(Message(title, text), budget)
    signed = [{"timestamp": "1772415000", "sign": "x" * 44, **p} for p in payloads]
    assert all(len(encode_json(b)) <= (budget or FEISHU_MAX) for b in signed)
    texts = [p["content"]["post"]["zh_cn"]["content"][0][0]["text"] for p in payloads]
    assert "".join(strip_number(t, len(texts)) for t in texts) == text
