"""Untrusted text in st.markdown (feedback.ui.markdown): nothing to fetch or run, whatever the Markdown trick.

What Streamlit's parser (CommonMark + GFM) will see is checked by rendering the output with markdown-it-py's own
CommonMark renderer: no <img>, no raw HTML, and the text a reader needs (the image's description and address)
still there. The browser test (tests/e2e/test_hostile_text.py) checks the same in Chromium.
"""

import pytest
from markdown_it import MarkdownIt

from feedback.ui.markdown import code, plain, safe_markdown

HTML = MarkdownIt("commonmark").enable(["table", "strikethrough"])

# The six forms that got past the regular expression (issue 12), and more of the kind.
IMAGES = [
    ("\\`![x](http://evil.example/1.gif)", "1.gif"),              # an escaped backtick before the image
    ("``x`` ![x](http://evil.example/2.gif) ``y``", "2.gif"),     # double backticks around it
    ("![a\nb](http://evil.example/3.gif)", "3.gif"),              # a line break inside the alt text
    ("![a [b] c](http://evil.example/4.gif)", "4.gif"),           # brackets inside the alt text
    ("![x][r]\n\n[r]: http://evil.example/5.gif", "5.gif"),       # reference-style image
    ("![x](\nhttp://evil.example/6.gif)", "6.gif"),               # a line break before the address
    ("![x](<http://evil.example/7.gif>)", "7.gif"),               # address in angle brackets
    ("[![x](http://evil.example/8.gif)](http://ok.example)", "8.gif"),  # an image inside a link
    ("| a |\n|---|\n| ![x](http://evil.example/9.gif) |", "9.gif"),    # inside a table cell
    ("> ![x](http://evil.example/10.gif)", "10.gif"),             # inside a quote
    ("- ![x](http://evil.example/11.gif 'title')", "11.gif"),     # in a list, with a title
    ("![x](data:image/png;base64,AAAA)", "data:image"),           # a data address
]


@pytest.mark.parametrize("text, address", IMAGES)
def test_no_image_survives_and_the_reader_still_sees_what_it_was(text, address):
    html = HTML.render(safe_markdown(text))
    assert "<img" not in html
    assert "[image:" in html and address in html


@pytest.mark.parametrize("text", [
    "<img src=http://evil.example/a.gif>", "<script>fetch('http://evil.example')</script>",
    "<div><iframe src='http://evil.example'></iframe></div>", "text <b onmouseover=x>bold</b>",
])
def test_raw_html_is_shown_as_its_source_text(text):
    html = HTML.render(safe_markdown(text))
    assert "<img" not in html and "<script" not in html and "<iframe" not in html and "<b " not in html
    assert "&lt;" in html  # the source is visible, escaped


def test_links_keep_web_addresses_only():
    html = HTML.render(safe_markdown("[ok](https://example.com) [bad](javascript:alert(1)) <mailto:a@b.example>"))
    assert '<a href="https://example.com">ok</a>' in html
    assert "javascript:" not in "".join(part.split(">", 1)[0] for part in html.split("<a ")[1:])
    assert 'href="mailto:a@b.example"' in html


def test_formatting_code_and_money_are_kept():
    text = "It costs $20. **bold** _it_ `echo $HOME`\n\n```bash\nexport A=$B ![x](http://e/x.gif)\n```\n\n1. one\n2. two"
    out = safe_markdown(text)
    html = HTML.render(out)
    assert "\\$20" in out and "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<code>echo $HOME</code>" in html  # no escape inside code
    assert "export A=$B ![x](http://e/x.gif)" in html  # a fence shows exactly what was written
    assert "<ol>" in html


def test_plain_text_is_shown_exactly_and_is_never_markdown():
    text = "e2e-1 ![x](http://evil.example/p.gif) **b** :red[x] $5 <img src=x> # h `c`"
    html = HTML.render(plain(text))
    assert "<img" not in html and "<strong>" not in html and "<code>" not in html
    assert HTML.render(plain(text)).strip() == "<p>" + text.replace("<", "&lt;").replace(">", "&gt;") + "</p>"


def test_empty_and_unbalanced_text():
    assert safe_markdown("") == ""
    assert "<img" not in HTML.render(safe_markdown("```\nunclosed fence $x ![a](http://e/b.gif)"))


@pytest.mark.parametrize("text", ["t-1", "a`b", "``x", "![x](http://evil.example/a.gif)", "x\ny"])
def test_code_shows_an_id_literally_in_one_code_span(text):
    html = HTML.render(code(text)).strip()
    assert html == f"<p><code>{' '.join(text.split())}</code></p>"
