"""Rendering at national scale: macros called the quick way render what Jinja2 renders, a rendered message leaves
no reference cycles for the garbage collector, and a renderer keeps the templates it compiled."""

from __future__ import annotations

import gc
from pathlib import Path

import jinja2
import jinja2.compiler
import pytest

from monitor.messages.model import Notification
from monitor.messages.render import CHANNEL_KINDS, KINDS, Renderer
from monitor.messages.samples import sample_notification


def jinja2s_own(renderer: Renderer) -> Renderer:
    """The same renderer, compiling templates, calling macros and importing templates the way Jinja2 itself does."""
    renderer.env.code_generator_class = jinja2.compiler.CodeGenerator
    renderer.env.context_class = jinja2.runtime.Context
    renderer.env.template_class = jinja2.Template
    return renderer


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_every_bundled_message_renders_as_jinja2_renders_it(kind):
    quick, plain = Renderer(), jinja2s_own(Renderer())
    notification = sample_notification(kind)
    for channel in CHANNEL_KINDS:
        assert quick.render(notification, channel) == plain.render(notification, channel), channel


# macros called every way a template may call one: defaults left out, keyword arguments, a call block (caller),
# extra positional arguments (varargs), extra keyword arguments (kwargs), inside loops, and into an HTML template
MACROS = """\
{% macro plain(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}
{% macro defaults(a, b="默认", c=3) %}<{{ a }},{{ b }},{{ c }}>{% endmacro %}
{% macro wrapped(a) %}({{ caller(a) }}){% endmacro %}
{% macro many() %}{{ varargs|join("+") }}{% for k, v in kwargs|dictsort %};{{ k }}={{ v }}{% endfor %}{% endmacro %}
{% macro recurse(n) %}{{ n }}{% if n > 0 %},{{ recurse(n - 1) }}{% endif %}{% endmacro %}
"""
TEXT = """\
{% import "common/_test_macros.j2" as t %}
{% import "common/_headline.j2" as h with context %}
{{ h.headline("text") }}
{% for i in items %}
{{ t.plain(i.a.indicator_name, loop.index) }} {{ t.defaults(loop.index) }} {{ t.defaults(1, c=loop.index) }}
{{ t.defaults(1, "乙") }} {% call(x) t.wrapped(loop.index) %}调用{{ x }}{% endcall %} {{ t.many(1, 2, k=loop.index) }}
{% endfor %}
{{ t.recurse(3) }}
"""
HTML_MACROS = '{% macro mark(a) %}<b>{{ a }}</b>{% endmacro %}\n'  # autoescaped: its result is marked safe
HTML = """\
{% import "common/_test_macros.j2" as t %}
{% import "email/_test_macros.html.j2" as e %}
<p>{{ e.mark("a&b") }} {{ t.plain("<i>", "&") }}</p>
"""


def test_macros_called_every_way_render_as_jinja2_renders_them(tmp_path):
    write(tmp_path, "common/_test_macros.j2", MACROS)
    write(tmp_path, "email/firing.txt.j2", TEXT)
    write(tmp_path, "email/firing.html.j2", HTML)
    write(tmp_path, "email/_test_macros.html.j2", HTML_MACROS)
    quick, plain = Renderer(tmp_path), jinja2s_own(Renderer(tmp_path))
    notification = sample_notification("firing")

    message = quick.render(notification, "email")

    assert message == plain.render(notification, "email")
    assert "<1,默认,3>" in message.text and "<1,默认,2>" in message.text and "<1,乙,3>" in message.text
    assert "(调用1)" in message.text and "1+2;k=1" in message.text and "3,2,1,0" in message.text
    assert "<b>a&amp;b</b>" in message.html  # escaped once, inside the macro, not again by the caller
    assert "[<i>|&]" in message.html  # a macro of a template without autoescaping, as Jinja2 leaves it


def test_a_macro_argument_left_out_is_the_same_error_as_in_jinja2(tmp_path):
    write(tmp_path, "common/_test_macros.j2", MACROS)
    write(tmp_path, "wecom/firing.md.j2", '{% import "common/_test_macros.j2" as t %}{{ t.plain("少一个") }}\n')
    errors = []
    for renderer in (Renderer(tmp_path), jinja2s_own(Renderer(tmp_path))):
        with pytest.raises(Exception, match="parameter 'b' was not provided") as caught:
            renderer.render(sample_notification("firing"), "wecom")
        errors.append(str(caught.value))
    assert errors[0] == errors[1] and "common/_test_macros.j2" in errors[0]


def garbage_after(render) -> int:  # type: ignore[no-untyped-def]
    """How many objects a call leaves in reference cycles (found by the collector, not freed by counting)."""
    gc.collect()
    was = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        render()
        gc.collect()
        found = len(gc.garbage)
    finally:
        gc.set_debug(was)
        gc.garbage.clear()
    return found


@pytest.mark.parametrize("channel", CHANNEL_KINDS)
def test_a_rendered_message_leaves_no_reference_cycles_behind(channel):
    renderer = Renderer()
    notifications: list[Notification] = [sample_notification(kind) for kind in KINDS]
    for notification in notifications:  # the templates compiled and the modules Jinja2 keeps made first
        renderer.render(notification, channel)

    assert garbage_after(lambda: [renderer.render(n, channel) for n in notifications]) == 0
    # Jinja2's own imports "with context" leave every message's context in cycles (the reason for the change)
    if channel in ("wecom", "dingtalk", "feishu"):
        plain = jinja2s_own(Renderer())
        assert garbage_after(lambda: [plain.render(n, channel) for n in notifications]) > 0


def test_a_failing_macro_still_names_its_file_and_line_and_the_template_that_called_it(tmp_path):
    write(tmp_path, "common/_test_macros.j2", MACROS + '{% macro broken(a) %}{{ a.missing_key }}{% endmacro %}\n')
    write(tmp_path, "wecom/firing.md.j2",
          '{% import "common/_headline.j2" as h with context %}{% import "common/_test_macros.j2" as t %}\n'
          "{{ h.headline('wecom') }}\n{{ t.broken({}) }}\n")

    with pytest.raises(Exception, match=r"common/_test_macros.j2 .*line 6.*called from wecom/firing.md.j2"):
        Renderer(tmp_path).render(sample_notification("firing"), "wecom")


def test_a_renderer_keeps_the_templates_it_compiled_and_a_new_one_reads_the_edited_files(tmp_path):
    write(tmp_path, "wecom/title.j2", "第一版 {{ receiver }}")
    renderer = Renderer(tmp_path)
    notification = sample_notification("firing")
    assert renderer.render(notification, "wecom").title.startswith("第一版")

    write(tmp_path, "wecom/title.j2", "第二版 {{ receiver }}")

    assert renderer.render(notification, "wecom").title.startswith("第一版")  # checked once, kept (SIGHUP reloads)
    assert Renderer(tmp_path).render(notification, "wecom").title.startswith("第二版")
