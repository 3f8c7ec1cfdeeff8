#!/usr/bin/env python3
"""Render the Markdown guides (docs/*.md) as the collection's extra docs (docs/docsite/rst/*.rst).

antsibull-docs, Galaxy and docs.ansible.com read a collection's guides as reStructuredText from
docs/docsite/rst/, listed in docs/docsite/extra-docs.yml. The guides are written in Markdown, so
scripts/build_collection.py renders them into the collection copy (and so into the tarball) on
every sync; the repository holds only the Markdown. Each page gets the label
`ansible_collections.dcos.stateful.docsite.<name>`; a link to another guide becomes a reference to
that label, a link to any other file of the repository becomes a link to it on the project's
repository (galaxy.yml `repository`).

    scripts/docsite_rst.py [--root .] [--dest DIR]   # writes DIR/<name>.rst (default: print names)
"""

from __future__ import annotations

import argparse
import posixpath
import re
import sys
from pathlib import Path
from textwrap import indent

import mistune
import yaml
from mistune.renderers.rst import RSTRenderer

GUIDES = "docs"
RST_DIR = "docs/docsite/rst"
EXTRA_DOCS = "docs/docsite/extra-docs.yml"
OPEN, CLOSE = "\x00", "\x01"
# What may stand right before a start-string and right after an end-string of inline markup.
BEFORE_OK = set(" \n\t-:/'\"<([{")
AFTER_OK = set(" \n\t-.,:;!?\\/'\")]}>")


def separate(text: str) -> str:
    out = []
    for i, char in enumerate(text):
        if char == OPEN:
            prev = out[-1][-1:] if out else ""
            out.append("" if prev in ("", *BEFORE_OK) else "\\ ")
        elif char == CLOSE:
            nxt = text[i + 1:i + 2]
            out.append("" if nxt in ("", OPEN, *AFTER_OK) else "\\ ")
        else:
            out.append(char)
    return "".join(out)


class CollectionRST(RSTRenderer):
    """mistune's reStructuredText renderer plus tables, safe inline markup and collection links."""

    def __init__(self, label_prefix: str, repo_url: str, page: str):
        super().__init__()
        self.label_prefix = label_prefix
        self.repo_url = repo_url.rstrip("/")
        self.page = page  # the guide's path in the repository, e.g. docs/awx.md

    # Inline markup must stand apart from the text around it in reST: OPEN and CLOSE mark its
    # ends, and separate() turns a mark into an escaped space ("\\ ", rendered as nothing)
    # where the neighbouring character would glue it to the text.
    def text(self, token, state):
        return re.sub(r"([\\`*_|])", r"\\\1", token["raw"])

    def codespan(self, token, state):
        return OPEN + "``" + token["raw"] + "``" + CLOSE

    def emphasis(self, token, state):
        return OPEN + "*" + self.render_children(token, state) + "*" + CLOSE

    def strong(self, token, state):
        return OPEN + "**" + self.render_children(token, state) + "**" + CLOSE

    def link(self, token, state):
        url = token["attrs"]["url"]
        # reST link text cannot hold markup: the plain text of the children.
        text = "".join(child.get("raw", "") for child in _walk(token["children"])) or url
        text = text.replace("<", "\\<").replace("`", "\\`")
        if re.match(r"^[a-z][a-z0-9+.-]*:", url) or url.startswith("#"):
            return "`" + text + " <" + url + ">`__"
        path, _, _anchor = url.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), path))
        if posixpath.dirname(target) == GUIDES and target.endswith(".md"):
            label = self.label_prefix + posixpath.basename(target)[:-3]
            return ":ref:`" + text + " <" + label + ">`"
        return "`" + text + " <" + self.repo_url + "/blob/main/" + target + ">`__"

    def table(self, token, state):
        rows = []
        for part in token["children"]:
            if part["type"] == "table_head":
                rows.append(part["children"])
            else:
                rows.extend(row["children"] for row in part["children"])
        out = ".. list-table::\n   :header-rows: 1\n\n"
        for cells in rows:
            for i, cell in enumerate(cells):
                text = self.render_children(cell, state).strip() or "\\ "
                out += ("   * - " if i == 0 else "     - ") + text + "\n"
        return out + "\n"

    def block_code(self, token, state):
        info = (token.get("attrs") or {}).get("info")
        lang = info.split()[0] if info else "text"
        return ".. code-block:: " + lang + "\n\n" + indent(token["raw"], "   ") + "\n"


def _walk(tokens):
    for tok in tokens:
        yield tok
        yield from _walk(tok.get("children") or [])


def render(root: Path) -> dict[str, str]:
    """{<name>.rst: content} for every docs/*.md."""
    galaxy = yaml.safe_load((root / "galaxy.yml").read_text())
    prefix = f"ansible_collections.{galaxy['namespace']}.{galaxy['name']}.docsite."
    pages = {}
    for md in sorted((root / GUIDES).glob("*.md")):
        renderer = CollectionRST(prefix, galaxy.get("repository", ""), f"{GUIDES}/{md.name}")
        body = mistune.create_markdown(renderer=renderer, plugins=["table", "strikethrough"])(md.read_text())
        header = (f".. Generated from {GUIDES}/{md.name} by scripts/docsite_rst.py; edit the Markdown.\n\n"
                  f".. _{prefix}{md.stem}:\n\n")
        pages[md.stem + ".rst"] = header + separate(body).rstrip() + "\n"
    return pages


def unlisted(root: Path, pages: dict[str, str]) -> list[str]:
    """Guides that docs/docsite/extra-docs.yml does not list."""
    extra = yaml.safe_load((root / EXTRA_DOCS).read_text()) or {}
    listed = {entry if isinstance(entry, str) else entry.get("ref")
              for section in extra.get("sections") or [] for entry in section.get("toctree") or []}
    return sorted(name[:-4] for name in pages if name[:-4] not in listed)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="repository root")
    parser.add_argument("--dest", help="directory to write the .rst files to")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    pages = render(root)
    missing = unlisted(root, pages)
    if missing:
        print(f"docsite: {EXTRA_DOCS} does not list {', '.join(missing)}", file=sys.stderr)
        return 1
    for name, content in pages.items():
        if args.dest:
            Path(args.dest).mkdir(parents=True, exist_ok=True)
            (Path(args.dest) / name).write_text(content)
        else:
            print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
