"""The Jinja2 environment messages are rendered in, made quick for a national run (thousands of messages,
hundreds of thousands of macro calls): ``a.key`` on plain dicts without exceptions, plain macros called without
Jinja2's general call machinery, the commonest of these steps compiled into the templates' own code
(:class:`_CodeGenerator`), and no reference cycles left behind by templates imported "with context".
What a template renders is exactly what Jinja2 renders (tests/test_pipeline_render.py compares them).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.environment import TemplateModule
from jinja2.runtime import Context, Macro, missing
from jinja2.tests import test_none
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
        if __obj.__class__ is _PlainMacro or __obj.__class__ is Macro:
            if kwargs:  # a call in a loop or block passes its variables along, which only a context-taking
                kwargs.pop("_loop_vars", None)  # callable uses
                kwargs.pop("_block_vars", None)
            count = __obj._argument_count
            if (not kwargs and len(args) <= count and not __obj.caller and not __obj.catch_kwargs
                    and not __obj.catch_varargs):
                try:
                    if len(args) == count:
                        rv = __obj._func(*args)
                    else:
                        rv = __obj._func(*args, *[missing] * (count - len(args)))
                except StopIteration:
                    return __self.environment.undefined("value was undefined because a callable raised a"
                                                        " StopIteration exception")
                return Markup(rv) if __self.eval_ctx.autoescape else rv
        return super().call(__obj, *args, **kwargs)


class _CodeGenerator(CodeGenerator):
    """Jinja2's compiler, with the commonest steps of a message written out in the template's own code.

    ``a.key`` compiles to ``environment.getattr(a, "key")``, a call for each of the forty-odd figures of every alert
    a national run lists (and for ``i.a``, ``loop.index`` …). Where ``key`` is a name no dict attribute has, the
    code looks the key up itself when ``a`` is a plain dict holding it (what :meth:`TemplateEnvironment.getattr`
    returns), else the attribute (``getattr`` with a default), and calls ``environment.getattr`` for what is left
    (a missing key or attribute: the same Undefined). ``x is none`` is ``x is None`` without calling the test. A
    plain macro called with positional arguments only is called directly (:meth:`visit_Call`)."""

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or self.environment.sandboxed or node.attr in _DICT_ATTRIBUTES:
            return super().visit_Getattr(node, frame)
        self.write("")  # any pending line break and indent go where they belong, before the expression
        stream, self.stream = self.stream, io.StringIO()
        try:
            self.visit(node.node, frame)
            ref = self.stream.getvalue()
        finally:
            self.stream = stream
        first = ref
        if not ref.isidentifier():  # an expression: evaluated once, into a name of its own
            name = self.temporary_identifier()
            first, ref = f"({name} := {ref})", name
        key, found = repr(node.attr), self.temporary_identifier()
        self.write(f"({ref}[{key}] if {first}.__class__ is dict and {key} in {ref} "
                   f"else {found} if ({found} := getattr({ref}, {key}, missing)) is not missing "
                   f"else environment.getattr({ref}, {key}))")

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self.writeline(f"from {__name__} import _PlainMacro")
        super().visit_Template(node, frame)

    @optimizeconst
    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        """``m(a, b)``: a :class:`_PlainMacro` called where autoescaping is off gets its arguments straight (the
        ones left out as ``missing``, so that their defaults apply), as :meth:`_Context.call` would give them;
        anything else is called through the context. Only arguments that are names, constants and their
        attributes are taken this way: their code is written for each way, and only one way runs. (The one
        difference: a StopIteration escaping such a macro, which no filter or function of ours raises, ends the
        render as an error instead of making the call's value Undefined.)"""
        if (forward_caller or self.environment.is_async or self.environment.sandboxed or frame.eval_ctx.volatile
                or node.kwargs or node.dyn_args or node.dyn_kwargs or not all(map(_simple, node.args))):
            return super().visit_Call(node, frame, forward_caller=forward_caller)
        ref, count = self.temporary_identifier(), len(node.args)

        def call(rest: str = "") -> None:
            self.write(f"{ref}._func(")
            for number, arg in enumerate(node.args):
                self.write(", " if number else "")
                self.visit(arg, frame)
            self.write(f"{', ' if count else ''}{rest})" if rest else ")")

        self.write("(")
        call()
        self.write(f" if ({ref} := ")
        self.visit(node.node, frame)
        self.write(f").__class__ is _PlainMacro and {ref}._argument_count == {count}"
                   " and not context.eval_ctx.autoescape else ")
        call(f"*((missing,) * ({ref}._argument_count - {count}))")
        self.write(f" if {ref}.__class__ is _PlainMacro and {ref}._argument_count > {count}"
                   " and not context.eval_ctx.autoescape else ")
        callee = object.__new__(nodes.InternalName)  # the callee, evaluated once above
        nodes.Node.__init__(callee, ref, lineno=node.lineno)
        super().visit_Call(nodes.Call(callee, node.args, [], None, None, lineno=node.lineno), frame)
        self.write(")")

    @optimizeconst
    def visit_Test(self, node: nodes.Test, frame: Frame) -> None:
        if (node.name != "none" or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs
                or self.environment.is_async or self.environment.tests.get("none") is not test_none):
            return super().visit_Test(node, frame)
        self.write("(")  # ``x is none``: what Jinja2's test does, without calling it
        self.visit(node.node, frame)
        self.write(" is None)")

    def macro_def(self, macro_ref: Any, frame: Frame) -> None:
        """A macro that takes no ``caller``, ``kwargs`` or ``varargs`` is made a :class:`_PlainMacro`."""
        if macro_ref.accesses_caller or macro_ref.accesses_kwargs or macro_ref.accesses_varargs:
            return super().macro_def(macro_ref, frame)
        self.write("_Plain")
        super().macro_def(macro_ref, frame)  # Macro(environment, macro, …)


def _simple(node: nodes.Node) -> bool:
    """A name, a constant or an attribute of one: an argument whose code may be written twice."""
    if isinstance(node, (nodes.Const, nodes.Name)):
        return True
    return isinstance(node, nodes.Getattr) and _simple(node.node)


class _PlainMacro(Macro):
    """A macro that takes no ``caller``, ``kwargs`` or ``varargs``: one a template may call directly."""


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
    :class:`_Context`, and templates compiled by :class:`_CodeGenerator`."""

    context_class = _Context
    template_class = _Template
    code_generator_class = _CodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.made = threading.local()  # the contexts of the modules made by the render running in this thread

    def make_globals(self, d: Any = None) -> dict[str, Any]:
        """A template's globals as one plain dict, its own over the environment's, as Jinja2 2.x made them rather
        than Jinja2 3's ChainMap: every render and every import "with context" copies them into a new context,
        which for a ChainMap takes Python-level lookups, twice per message and template. (Nothing changes the
        environment's globals once templates are loaded, which Jinja2 asks anyway.)"""
        return {**self.globals, **(d or {})}

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
