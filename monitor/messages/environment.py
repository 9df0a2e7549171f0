"""The Jinja2 environment messages are rendered in, made quick for a national run (thousands of messages,
hundreds of thousands of macro calls): ``a.key`` on plain dicts without exceptions, plain macros called without
Jinja2's general call machinery, and no reference cycles left behind by templates imported "with context".
What a template renders is exactly what Jinja2 renders (tests/test_pipeline_render.py compares them).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import jinja2
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro, missing
from jinja2.utils import internalcode
from markupsafe import Markup

_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Context(Context):
    """Jinja2's template context with a quicker call of a plain macro (``{{ m.alert(i, loop.index) }}``).

    A national run calls hundreds of thousands of macros; for each, ``Context.call`` looks twice at how the
    callable wants to be called and ``Macro.__call__`` sorts out keyword arguments, ``caller`` and varargs,
    together about a fifth of the rendering time. A macro called with positional arguments only, that takes no
    ``caller``, ``kwargs`` or ``varargs``, gets its arguments as ``Macro.__call__`` would give them (the missing
    ones as ``missing``, so their defaults apply) and its result marked safe where autoescaping is on, as
    ``Macro._invoke`` does; every other call goes the way Jinja2 takes it."""

    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja2's signature
        if __obj.__class__ is Macro:
            # a call in a loop or block passes its variables along, which only a context-taking callable uses
            kwargs.pop("_loop_vars", None)
            kwargs.pop("_block_vars", None)
            if (not kwargs and not __obj.caller and not __obj.catch_kwargs and not __obj.catch_varargs
                    and len(args) <= __obj._argument_count):
                arguments = list(args)
                if len(arguments) < __obj._argument_count:
                    arguments.extend([missing] * (__obj._argument_count - len(arguments)))
                try:
                    rv = __obj._func(*arguments)
                except StopIteration:
                    return __self.environment.undefined("value was undefined because a callable raised a"
                                                        " StopIteration exception")
                return Markup(rv) if __self.eval_ctx.autoescape else rv
        return super().call(__obj, *args, **kwargs)


class _Template(jinja2.Template):
    """A template that tells its environment of the modules it makes for one render (``{% import … with
    context %}``), so that :meth:`TemplateEnvironment.rendering` can take them apart afterwards."""

    def make_module(self, vars: dict[str, Any] | None = None, shared: bool = False,  # noqa: A002 - Jinja2's name
                    locals: Any = None) -> TemplateModule:  # noqa: A002
        ctx = self.new_context(vars, shared, locals)
        if vars is not None:  # without vars: the module Jinja2 keeps for imports without context
            made = getattr(self.environment, "made", None)
            contexts = getattr(made, "contexts", None)
            if contexts is not None:
                contexts.append(ctx)
        return TemplateModule(self, ctx)


class TemplateEnvironment(jinja2.Environment):
    """Jinja2's environment with a quicker ``a.key`` on plain dicts (every assessment a template reads is one).

    Jinja2 first tries ``getattr(obj, "key")``, which on a dict raises and catches AttributeError, then
    ``obj["key"]``: about a fifth of the time a national run spends in the templates went to those exceptions. A
    plain dict has exactly the attributes ``dir(dict)`` names, so for any other name this looks the key up at
    once; the result (the value, or the same Undefined) is what Jinja2 gives. Macros are called through
    :class:`_Context`."""

    context_class = _Context
    template_class = _Template

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.made = threading.local()  # the contexts of the modules made by the render running in this thread

    @contextlib.contextmanager
    def rendering(self) -> Iterator[None]:
        """Take apart, after a render, the modules it imported "with context".

        Each such module's macros hold its context, whose variables hold the macros: reference cycles that
        keep the whole message (its alerts, views and numbers) alive until the cyclic garbage collector finds
        them, and a national run renders thousands of messages with the collector paused
        (monitor.bulk.paused_gc), so collecting them cost about a third of the rendering time. Emptying those
        contexts once the text is rendered (nothing calls their macros any more) lets reference counting free
        every message as soon as it is done."""
        outer = getattr(self.made, "contexts", None)
        self.made.contexts = contexts = []
        try:
            yield
        finally:
            self.made.contexts = outer
            for ctx in contexts:
                ctx.vars.clear()
                ctx.exported_vars.clear()
                ctx.parent = {}

    def getattr(self, obj: Any, attribute: str) -> Any:
        if obj.__class__ is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        try:  # from here on jinja2.Environment.getattr itself, without the cost of calling it
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)
