"""Query parameter helpers of GET /v2/apps: embed resolution (InfoEmbedResolver) and label selectors
(LabelSelectorParsers)."""
from __future__ import annotations


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

