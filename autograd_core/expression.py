"""Formulas typed as text, such as ``"tanh(w*x + b)"``, turned safely into functions of Values.

``parse_expression(text)`` reads the text with Python's own parser (``ast.parse``, which
builds a syntax tree and runs nothing), then walks the tree and accepts only the pieces of
the grammar below; anything else (attribute access, a string, a lambda, a call of any other
function, ...) is refused with an ``ExpressionError`` that names the offending piece and
lists what is allowed. Nothing is ever passed to ``eval``: the accepted tree is turned into
small Python functions that call ``Value``'s own operators and methods::

    expression := expression ("+" | "-" | "*" | "/") expression
                | expression "**" expression
                | ("-" | "+") expression
                | "(" expression ")"
                | NUMBER                       2, 0.5, 1e-3
                | NAME                         a variable: w, x, b, x1, ...
                | FUNCTION "(" expression ")"  abs cos erf exp log relu sigmoid sin
                                               softplus sqrt tanh
                | ("elu" | "leaky_relu") "(" expression ["," NUMBER] ")"   (the NUMBER: alpha)
                | ("max" | "min") "(" expression ("," expression)+ ")"

Precedence and associativity are Python's: ``**`` binds tightest and to the right
(``-x**2`` is ``-(x**2)``, ``2**3**2`` is ``2**9``), then unary minus, then ``* /``, then
``+ -``. ``max(a, b)`` is computed as ``b + relu(a - b)`` and ``min(a, b)`` as
``a - relu(a - b)``, so their derivatives are relu's (at a tie all of it goes to ``b`` for
max and to ``a`` for min).

>>> from autograd_core import Value
>>> f = parse_expression("tanh(w*x + b)")
>>> f.names
('w', 'x', 'b')
>>> w, x, b = Value(-2.0, "w"), Value(1.5, "x"), Value(0.5, "b")
>>> out = f(w, x, b)             # or f(w=w, x=x, b=b)
>>> out.backward()
>>> round(out.data, 6), round(w.grad, 6)
(-0.986614, 0.039888)
>>> out.label                    # each computed node is labelled with its piece of the text
'tanh(w*x + b)'
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .value import Value

__all__ = ["FUNCTIONS", "MAX_DEPTH", "Expression", "ExpressionError", "parse_expression"]

# Each function calls the Value (or Tensor) method of its name, except max and min.
_ONE_ARGUMENT = ["abs", "cos", "erf", "exp", "log", "relu", "sigmoid", "sin", "softplus",
                 "sqrt", "tanh"]
_WITH_ALPHA = ["elu", "leaky_relu"]  # and an optional constant alpha
_FOLDS = ["max", "min"]  # two or more arguments
FUNCTIONS: tuple[str, ...] = tuple(sorted(_ONE_ARGUMENT + _WITH_ALPHA + _FOLDS))
MAX_DEPTH = 200  # levels of nesting (a sum of n terms has n); far below the recursion limit

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}
# What the refused pieces are called in error messages (the rest go by their class name).
_REFUSED_OPERATORS = {
    ast.FloorDiv: "'//'", ast.Mod: "'%'", ast.MatMult: "'@'", ast.LShift: "'<<'",
    ast.RShift: "'>>'", ast.BitOr: "'|'", ast.BitAnd: "'&'",
    ast.BitXor: "'^' (powers are written x**2)", ast.Not: "'not'", ast.Invert: "'~'",
}
_REFUSED_NODES = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "a lambda",
    ast.ListComp: "a list comprehension", ast.SetComp: "a set comprehension",
    ast.DictComp: "a dict comprehension", ast.GeneratorExp: "a generator expression",
    ast.Compare: "a comparison", ast.BoolOp: "'and'/'or'", ast.IfExp: "an if-else expression",
    ast.NamedExpr: "an assignment ':='", ast.Tuple: "a tuple", ast.List: "a list",
    ast.Set: "a set", ast.Dict: "a dict", ast.JoinedStr: "an f-string", ast.Starred: "'*'",
    ast.Await: "'await'", ast.Yield: "'yield'", ast.YieldFrom: "'yield from'",
    ast.Slice: "a slice",
}
ALLOWED = ("numbers, variable names, + - * / ** (and unary -), parentheses and the functions "
           + ", ".join(FUNCTIONS))


class ExpressionError(ValueError):
    """The text is not an expression of the accepted grammar (see the module docstring)."""


Compiled = Callable[[Mapping[str, Any]], Any]  # variable name -> number or node, to the result


class Expression:
    """A parsed formula: call it with one number or node per variable, in the order of
    ``names`` (their first appearance in ``text``) or by keyword; it returns the result,
    a ``Value`` when any input is one. Computed Values get their sub-expression as label."""

    def __init__(self, text: str, names: tuple[str, ...], compiled: Compiled) -> None:
        self.text = text
        self.names = names
        self._compiled = compiled

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if len(args) > len(self.names):
            raise TypeError(f"expression {self.text!r} takes {len(self.names)} value(s) "
                            f"({', '.join(self.names) or 'no variables'}), got {len(args)}")
        bound = dict(zip(self.names, args))
        for name, value in kwargs.items():
            if name not in self.names:
                raise TypeError(f"expression {self.text!r} has no variable {name!r}; its "
                                f"variables are {', '.join(self.names) or 'none'}")
            if name in bound:
                raise TypeError(f"expression {self.text!r}: variable {name!r} given twice")
            bound[name] = value
        missing = [name for name in self.names if name not in bound]
        if missing:
            raise TypeError(f"expression {self.text!r}: no value for {', '.join(missing)}")
        return self._compiled(bound)

    def __repr__(self) -> str:
        return f"Expression({self.text!r}, names={self.names!r})"


def parse_expression(text: str, names: Sequence[str] | None = None) -> Expression:
    """Parse ``text`` (grammar in the module docstring) into an ``Expression``.

    ``names``: when given, the only variable names allowed; any other name is refused.
    Raises ``ExpressionError`` (a ``ValueError``) naming the offending piece.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_expression: text must be a str, got {type(text).__name__}")
    source = text.strip()  # Python's parser takes leading spaces for an indented block
    if not source:
        raise ExpressionError("the expression is empty")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        where = f" (at column {error.offset})" if error.offset else ""
        raise ExpressionError(f"cannot parse {source!r}: {error.msg}{where}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"the expression is too long to parse ({len(source)} "
                              "characters)") from None
    walk = _Compiler(source, None if names is None else tuple(names))
    compiled = walk.compile(tree.body, depth=0)
    return Expression(source, tuple(walk.found), compiled)


class _Compiler:
    """One walk over the syntax tree: checks each node and returns a function computing it."""

    def __init__(self, source: str, allowed_names: tuple[str, ...] | None) -> None:
        self.source = source
        self.allowed_names = allowed_names
        self.found: list[str] = []  # variables, in order of first appearance

    def refuse(self, node: ast.AST, reason: str) -> ExpressionError:
        piece = ast.get_source_segment(self.source, node) or ""
        return ExpressionError(f"{reason} (in {piece!r}, column {node.col_offset + 1}); "
                               f"expressions may use {ALLOWED}")

    def compile(self, node: ast.AST, depth: int) -> Compiled:
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.variable(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        what = _REFUSED_NODES.get(type(node), f"the Python syntax {type(node).__name__}")
        raise self.refuse(node, f"{what} is not allowed")

    def constant(self, node: ast.Constant) -> Compiled:
        number = node.value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            kind = "a string" if isinstance(number, str) else f"the constant {number!r}"
            raise self.refuse(node, f"{kind} is not allowed")
        # Floats only: 10**10**10 of Python ints would run for ever, of floats it overflows.
        value = float(number)
        return lambda env: value

    def variable(self, node: ast.Name) -> Compiled:
        name = node.id
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} (column {node.col_offset + 1}) is a function; "
                                  f"call it: {name}(...)")
        if self.allowed_names is not None and name not in self.allowed_names:
            given = ", ".join(self.allowed_names) or "none"
            raise ExpressionError(f"unknown name {name!r} (column {node.col_offset + 1}); "
                                  f"the variables given are: {given}")
        if name not in self.found:
            self.found.append(name)
        return lambda env: env[name]

    def unary(self, node: ast.UnaryOp, depth: int) -> Compiled:
        operand = self.compile(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(node.op, ast.USub):
            return self.labelled(lambda env: -operand(env), node)
        raise self.refuse(node, f"{_operator_name(node.op)} is not allowed")

    def binary(self, node: ast.BinOp, depth: int) -> Compiled:
        op = _BINARY.get(type(node.op))
        if op is None:
            raise self.refuse(node, f"{_operator_name(node.op)} is not allowed")
        left = self.compile(node.left, depth + 1)
        right = self.compile(node.right, depth + 1)
        return self.labelled(lambda env: op(left(env), right(env)), node)

    def call(self, node: ast.Call, depth: int) -> Compiled:
        function = node.func
        if not isinstance(function, ast.Name) or function.id not in FUNCTIONS:
            reason = (f"unknown function {function.id!r}" if isinstance(function, ast.Name)
                      else "calling anything but a function name is not allowed")
            raise self.refuse(node, reason)
        name = function.id
        if node.keywords:
            raise self.refuse(node, f"keyword arguments (to {name}) are not allowed")
        arguments = node.args
        if name in _FOLDS:
            if len(arguments) < 2:
                raise self.refuse(node, f"{name} needs two or more arguments, got "
                                        f"{len(arguments)}")
            parts = [self.compile(argument, depth + 1) for argument in arguments]
            return self.labelled(_fold(name, parts), node)
        most = 2 if name in _WITH_ALPHA else 1
        if not 1 <= len(arguments) <= most:
            expected = "one argument and an optional alpha" if most == 2 else "one argument"
            raise self.refuse(node, f"{name} takes {expected}, got {len(arguments)} arguments")
        operand = self.compile(arguments[0], depth + 1)
        extra = [self.alpha(name, arguments[1])] if len(arguments) == 2 else []
        return self.labelled(lambda env: _apply(name, operand(env), extra), node)

    def alpha(self, name: str, node: ast.expr) -> float:
        """The constant alpha of elu/leaky_relu: a number, possibly negated."""
        sign, inner = 1.0, node
        if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, (ast.USub, ast.UAdd)):
            sign, inner = (-1.0 if isinstance(inner.op, ast.USub) else 1.0), inner.operand
        if (isinstance(inner, ast.Constant) and isinstance(inner.value, (int, float))
                and not isinstance(inner.value, bool)):
            return sign * float(inner.value)
        raise self.refuse(node, f"the alpha of {name} must be a number")

    def labelled(self, compute: Compiled, node: ast.AST) -> Compiled:
        """``compute``, which labels an unlabelled Value it returns with the node's text."""
        text = ast.get_source_segment(self.source, node) or ""

        def run(env: Mapping[str, Any]) -> Any:
            result = compute(env)
            if isinstance(result, Value) and not result.label:
                result.label = text
            return result
        return run


def _operator_name(op: ast.AST) -> str:
    return _REFUSED_OPERATORS.get(type(op), f"the operator {type(op).__name__}")


def _apply(name: str, x: Any, extra: list[float]) -> Any:
    """x.<name>(*extra); a plain number goes through Value's formula and comes back a float."""
    if isinstance(x, (int, float)):
        return getattr(Value(x), name)(*extra).data
    return getattr(x, name)(*extra)


def _fold(name: str, parts: list[Compiled]) -> Compiled:
    """max/min of two or more: max(a, b) = b + relu(a - b), min(a, b) = a - relu(a - b)."""
    def pair(a: Any, b: Any) -> Any:
        step = _apply("relu", a - b, [])
        return b + step if name == "max" else a - step

    def compute(env: Mapping[str, Any]) -> Any:
        result = parts[0](env)
        for part in parts[1:]:
            result = pair(result, part(env))
        return result
    return compute
