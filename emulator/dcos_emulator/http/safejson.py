"""Bounded JSON parsing for request bodies: a nesting limit and no non-standard numbers, with the error
wording of the service being emulated (Jackson behind Marathon, picojson behind Mesos).

Python's own `json` recurses once per nesting level, and so does the emulator's code that walks a parsed
definition (copies, validation, persistence). A body nested a few thousand levels deep would end in a
RecursionError, i.e. a 500, instead of the 400 the real services answer. Both parsers below reject a
document nested deeper than MAX_DEPTH before any other code sees it.
"""

from __future__ import annotations

import json
import re

# Real Mesos: the picojson bundled with Mesos (>= 1.7) is patched with DEFAULT_MAX_DEPTHS = 100: the 101st
# nested array or object fails with picojson's "syntax error at line N near: <rest of the line>".
# Real Marathon 1.10: Jackson 2.9 has no nesting limit (newer Jackson stops at 1,000 with the message used
# below); the emulator stops at 100 too, far above any real app definition and far below Python's
# recursion limit.
MAX_DEPTH = 100

# Strings (skipped whole, so brackets inside them do not count), brackets, and the non-standard constants
# Python accepts but Jackson and picojson refuse.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|-?Infinity|NaN', re.S)


class JsonError(ValueError):
    """The body is not acceptable JSON; str() is the parser message of the emulated service."""


class _TooDeep(Exception):
    pass


class _NonStandard(Exception):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


def _refuse_constant(token: str):
    raise _NonStandard(token)


def _too_deep(value, limit: int) -> bool:
    """True when `value` nests containers deeper than `limit` (iterative: no recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _load(text: str, limit: int):
    """json.loads refusing NaN/Infinity and documents nested deeper than `limit`."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _TooDeep() from None
    if _too_deep(value, limit):
        raise _TooDeep()
    return value


def _first_offence(text: str, limit: int) -> tuple[int, str]:
    """(offset just past the offending token, token) of the first bracket nested deeper than `limit` or the
    first non-standard constant; used for error messages only."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return match.end(), token
        elif token in ("]", "}"):
            depth -= 1
        elif not token.startswith('"'):
            return match.start(), token
    return len(text), ""


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    # Like Jackson, detect UTF-8/16/32 from the first bytes (json.loads(bytes) does the same); invalid
    # bytes are an error.
    return body.decode(json.detect_encoding(body))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(value):
    """Strings with a lone UTF-16 surrogate ("\\ud800" without its pair) get '?' in its place.

    Real Marathon: Jackson reads such an escape into a Java String, and Java's UTF-8 encoder writes '?' for it
    when the app goes to ZooKeeper and to Mesos, so that is what the app has from then on. Python cannot
    encode the surrogate at all (file names, process arguments, the response), hence the replacement here.
    Recursion is bounded: the document is at most MAX_DEPTH deep."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("?", value)
    if isinstance(value, list):
        return [_replace_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_replace_lone_surrogates(k): _replace_lone_surrogates(v) for k, v in value.items()}
    return value


def parse_marathon(body: bytes | str, limit: int = MAX_DEPTH):
    """A request body as Marathon reads it; JsonError(message) goes into {"message": "Invalid JSON", "details"}."""
    try:
        text = _decode(body)
    except (UnicodeDecodeError, LookupError) as exc:
        raise JsonError(str(exc)) from None
    try:
        value = _load(text, limit)
    except _TooDeep:
        # Jackson 2.15+ StreamReadConstraints wording
        raise JsonError(f"Document nesting depth ({limit + 1}) exceeds the maximum allowed ({limit}, from "
                        "`StreamReadConstraints.getMaxNestingDepth()`)") from None
    except _NonStandard as exc:
        # Jackson without ALLOW_NON_NUMERIC_NUMBERS
        raise JsonError(f"Non-standard token '{exc.token}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS "
                        "to allow") from None
    except ValueError as exc:
        raise JsonError(str(exc)) from None
    return _replace_lone_surrogates(value) if _SURROGATE_ESCAPE.search(text) else value


def _picojson_syntax_error(text: str, offset: int) -> str:
    """picojson's message: the line number and the rest of that line from where parsing stopped."""
    line = text.count("\n", 0, offset) + 1
    end = text.find("\n", offset)
    rest = text[offset:] if end < 0 else text[offset:end]
    return f"syntax error at line {line} near: " + "".join(ch for ch in rest if ch >= " ")


def parse_mesos(text: str, limit: int = MAX_DEPTH):
    """A JSON value as Mesos's stout JSON::parse reads it; JsonError carries picojson's message for a document
    nested too deep or a non-standard number (other syntax errors keep Python's parser message)."""
    try:
        value = _load(text, limit)
    except (_TooDeep, _NonStandard):
        offset, _ = _first_offence(text, limit)
        raise JsonError(_picojson_syntax_error(text, offset)) from None
    except ValueError as exc:
        raise JsonError(str(exc)) from None
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        # picojson refuses a \\uD800-\\uDBFF escape not followed by its low half, and a lone low half
        raise JsonError(_picojson_syntax_error(text, _SURROGATE_ESCAPE.search(text).end()))
    return value


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        return _LONE_SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    return False
