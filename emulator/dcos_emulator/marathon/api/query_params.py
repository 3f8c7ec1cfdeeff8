"""Query parameter helpers of GET /v2/apps: embed resolution (InfoEmbedResolver) and label selectors
(LabelSelectorParsers)."""
from __future__ import annotations

import re


_EMBED_PREFIXES = ("group.apps.", "apps.", "app.")
_EMBEDS = {"tasks": {"tasks", "deployments"}, "failures": {"tasks", "lastTaskFailure", "deployments"},
           "deployments": {"deployments"}, "readiness": {"readiness"}, "lastTaskFailure": {"lastTaskFailure"},
           "counts": {"counts"}, "taskStats": {"taskStats"}}


def resolve_embed(values) -> set:
    """InfoEmbedResolver.resolveApp: any of the prefixes "group.apps.", "apps.", "app." or none; unknown
    arguments are ignored; "tasks" also embeds deployments, "failures" tasks + lastTaskFailure + deployments."""
    out: set = set()
    for value in values:
        name = next((value[len(p):] for p in _EMBED_PREFIXES if value.startswith(p)), value)
        out |= _EMBEDS.get(name, set())
    return out




# LabelSelectorParsers (RegexParsers): label [^\s!=]+ (greedy, so it may take commas: "c, d" leaves " d" unparsed),
# eqOp ==|!=, setOp in|notin, value [^,)=]+, list "(" repsep(value, ",") ")", selectors repsep(selector, ",").
_LABEL = r"\s*[^\s!=]+"
_VALUE = r"\s*[^,)=]+"
_SELECTORS = [re.compile(_LABEL + r"\s*(?:in|notin)\s*\((?:" + _VALUE + r"(?:\s*," + _VALUE + r")*)?\s*\)"),  # set
              re.compile(_LABEL + r"\s*(?:==|!=)" + _VALUE),  # equality
              re.compile(_LABEL)]  # existence
_SEPARATOR = re.compile(r"\s*(,|$)")


def label_selector_error(text: str) -> str | None:
    """Why LabelSelectorParsers cannot parse `text`, None when it can.

    Marathon throws IllegalArgumentException("Can not parse label selector <q>. Reason: <parser message>") and
    answers 422; the reason here is the emulator's own wording (Scala's parser messages are not reproduced).
    """
    pos = 0
    while True:
        for selector in _SELECTORS:
            m = selector.match(text, pos)
            if m:
                pos = m.end()
                break
        else:
            return f"a label selector expected at offset {pos}"
        rest = _SEPARATOR.match(text, pos)
        if rest is None:
            return f"',' or the end expected at offset {pos}"
        if rest.group(1) == "":
            return None
        pos = rest.end()


def label_selector(text: str):
    """LabelSelectorParsers: k, k==v, k!=v, k in (a,b), k notin (a,b); comma = AND (outside parens)."""
    import re
    terms, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    terms.append(cur)
    preds = []
    for term in (t.strip() for t in terms if t.strip()):
        m = re.fullmatch(r"(\S+)\s+(in|notin)\s+\((.*)\)", term)
        if m:
            key, op, vals = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",")}
            preds.append(lambda L, k=key, o=op, v=vals: (L.get(k) in v) if o == "in" else (k in L and L[k] not in v))
            continue
        if "!=" in term:
            key, val = (x.strip() for x in term.split("!=", 1))
            preds.append(lambda L, k=key, v=val: k in L and L[k] != v)
        elif "==" in term:
            key, val = (x.strip() for x in term.split("==", 1))
            preds.append(lambda L, k=key, v=val: L.get(k) == v)
        else:
            preds.append(lambda L, k=term: k in L)
    return lambda labels: all(p(labels) for p in preds)

