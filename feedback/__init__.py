"""Feedback: human judgements of AI agents' outputs turned into agreed, traceable fine-tuning data.

The product's logic, usable without Streamlit, in packages by feature; ``docs/architecture.md`` draws the
layers (``store`` at the bottom, ``cli`` and ``ui`` at the top) and which may import which.
"""
