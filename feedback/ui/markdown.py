"""Untrusted text made safe for ``st.markdown``: agent outputs, prompts, guidelines, names, ids, metadata.

Agent outputs are written by the systems under evaluation, and a prompt-injected agent exfiltrates data through
an image address that the annotator's browser would fetch. Regular expressions over Markdown cannot see what a
Markdown parser sees (escapes, code spans, reference definitions, line breaks inside brackets...), so this
module parses the text with markdown-it-py (CommonMark plus GitHub's tables, strikethrough and autolinks, the
dialect Streamlit renders) and writes it back as Markdown with mdformat, from the parsed tokens:

- an image becomes the text ``[image: ALT]`` and its address as code: nothing to fetch;
- raw HTML becomes text showing its source (Streamlit would escape it anyway);
- a link or autolink keeps its address only for ``http``, ``https`` and ``mailto``; others become text;
- ``$`` is escaped, so a price is not LaTeX.

Both parsers are CommonMark parsers, so what this one reads as text, Streamlit's reads as text; as a last check
the result is parsed again and, should it still hold an image or raw HTML, the whole text is shown as code.
``plain`` is for short strings that are never Markdown (ids, names, metadata): every punctuation mark escaped.
"""

import string
from functools import lru_cache
from typing import ClassVar

import mdformat.plugins
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdformat.renderer import DEFAULT_RENDERERS, MDRenderer, RenderContext, RenderTreeNode

SCHEMES = ("http:", "https:", "mailto:")
_PUNCTUATION = frozenset(string.punctuation)


def plain(text: object) -> str:
    """``text`` shown exactly as written by ``st.markdown`` (and in captions, titles, toasts): every ASCII
    punctuation mark backslash-escaped (CommonMark lets each be escaped), line breaks as spaces."""
    flat = " ".join(str(text).split())
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in flat)


def code(text: object) -> str:
    """``text`` as an inline code span (ids, keys): literal whatever it holds, on one line."""
    flat = " ".join(str(text).split()) or " "
    longest = max((len(r) for r in "".join(c if c == "`" else " " for c in flat).split()), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _as_text(source: str) -> str:
    """Markdown that shows ``source`` as the literal text it is, keeping its line breaks."""
    return "\\\n".join("".join(f"\\{c}" if c in _PUNCTUATION else c for c in line) for line in source.split("\n"))


def _image(node: RenderTreeNode, context: RenderContext) -> str:
    alt = node.content or "".join(child.content for child in node.children) or "no description"
    address = str(node.attrs.get("src", "")).replace("`", "'").replace("\n", " ").strip()
    return f"{_as_text(f'[image: {alt}]')} `` {address} ``" if address else _as_text(f"[image: {alt}]")


def _link(node: RenderTreeNode, context: RenderContext) -> str:
    href = str(node.attrs.get("href", ""))
    if href.lower().lstrip().startswith(SCHEMES):
        return DEFAULT_RENDERERS["link"](node, context)
    label = "".join(child.render(context) for child in node.children)
    return f"{label} ({_as_text(href)})" if href and label != href else label or _as_text(href)


def _html(node: RenderTreeNode, context: RenderContext) -> str:
    return _as_text(node.content.rstrip("\n"))


def _dollars(text: str, node: RenderTreeNode, context: RenderContext) -> str:
    return text.replace("$", "\\$")


class _Inert:
    """An mdformat plugin (parser extension) that renders the fetching and running parts of Markdown inert."""

    CHANGES_AST = True
    RENDERERS: ClassVar = {"image": _image, "link": _link, "html_inline": _html, "html_block": _html}
    POSTPROCESSORS: ClassVar = {"text": _dollars}

    @staticmethod
    def update_mdit(mdit: MarkdownIt) -> None:
        """Nothing to add to the parser."""


@lru_cache(maxsize=1)
def _writer() -> MarkdownIt:
    """markdown-it-py that parses like Streamlit (CommonMark + GFM) and writes Markdown (mdformat)."""
    mdit = MarkdownIt(renderer_cls=MDRenderer)
    mdit.options["mdformat"] = {"wrap": "keep", "number": True}
    mdit.options["store_labels"] = True
    mdit.options["codeformatters"] = {}
    gfm = mdformat.plugins.PARSER_EXTENSIONS["gfm"]
    mdit.options["parser_extension"] = [gfm, _Inert]
    gfm.update_mdit(mdit)
    return mdit


@lru_cache(maxsize=1)
def _reader() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _unsafe(tokens: list[Token]) -> bool:
    for token in tokens:
        if token.type in ("image", "html_inline", "html_block"):
            return True
        if token.children and _unsafe(token.children):
            return True
    return False


@lru_cache(maxsize=4096)
def safe_markdown(text: str) -> str:
    """Markdown for ``st.markdown`` that shows ``text`` as its author wrote it (code, lists, tables, emphasis,
    links) with nothing a browser would fetch or run: the rules are this module's docstring."""
    if not text:
        return ""
    try:
        out = _writer().render(text).rstrip("\n")
    except Exception:  # noqa: BLE001 - mdformat refusing a text must not hide it: it is shown as code below
        out = None
    if out is None or _unsafe(_reader().parse(out)):
        fence = "~" * max(3, max((len(run) for run in text.split() if set(run) == {"~"}), default=0) + 1)
        return f"{fence}text\n{text}\n{fence}"
    return out
