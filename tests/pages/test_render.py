"""Agent output is untrusted: what the Rate page gives to st.markdown."""

import pytest

from feedback.ui.render import safe_markdown


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It costs $20, not $25.", "It costs \\$20, not \\$25."),
        ("Run `echo $HOME` first", "Run `echo $HOME` first"),
        ("```bash\nexport A=$B\n```\nthen $5", "```bash\nexport A=$B\n```\nthen \\$5"),
        ("![pixel](https://tracker.example/p.gif?u=1)", "[image: pixel] `https://tracker.example/p.gif?u=1`"),
        ("![](http://x/y.png) and text", "[image: no description] `http://x/y.png` and text"),
        ("```\nunclosed fence $x ![a](b)", "```\nunclosed fence $x ![a](b)"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ],
)
def test_safe_markdown(text, expected):
    assert safe_markdown(text) == expected
