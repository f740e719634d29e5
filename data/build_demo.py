"""Build the demo data set ``data/demo.jsonl``.

What it is
----------
The data set loaded into an empty database when a new user starts the app (``feedback demo``), so the
Rate, Agreement and Data pages have something real-looking to show. It is written for this project:
the agents of a fictional product team at *Brightloom* (a SaaS for small online shops that also sells
a card reader, the "Tap") answering real-looking requests. Every item has two candidate outputs to
compare:

* ``support``      - customer-support answers (billing, refunds, password reset, 2FA, shipping, account
                     deletion, privacy...) from ``support-agent`` ``v1`` vs ``v2``;
* ``code``         - coding-assistant answers (Python, SQL, JavaScript, bash) with fenced code blocks,
                     several with subtle bugs, from ``code-agent-7b`` vs ``code-agent-13b``;
* ``tool``         - tool-using agent turns: the input is a conversation (system + user messages) and each
                     candidate is a list of messages (an assistant message announcing a tool call, the
                     ``tool`` result as JSON text, the final assistant answer), from ``tool-agent`` ``v1``
                     vs ``v2``;
* ``conversation`` - multi-turn conversations (user / assistant / user) answered by ``support-agent``,
                     ``loom-assistant`` (the in-app merchant assistant) or the code agents.

Some candidates are deliberately bad (dangerous instructions, confidently wrong facts, leaked customer
data, off-task rambling, prompt injection) so that flags make sense, and some outputs are hostile text:
``<script>`` tags, raw HTML and markdown injection, a ``javascript:`` link, a right-to-left override,
zalgo text, emoji, a very long output and a very long unbroken token, since agent output is untrusted.
Which candidate is the better one varies; some pairs are ties and some are both bad.

About 90 items carry annotations "collected elsewhere" from three simulated annotators (``maria``:
accurate, ``dev``: good, ``sam``: noisy with a slight bias to the first candidate); a dozen of those
have only two annotations. The rest are left unannotated so a new user has work to rate.

Everything is composed from the hand-written scenarios below, varied with customer names, shops,
plans, order numbers and amounts, by one ``random.Random(SEED)``: the output is deterministic.

Regenerate (standard library only)::

    python data/build_demo.py            # writes data/demo.jsonl and checks it
    python data/build_demo.py --check    # only checks an existing data/demo.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from pathlib import Path

SEED = 20241124
OUT = Path(__file__).resolve().with_name("demo.jsonl")
ANNOTATORS = ["maria", "dev", "sam"]
FLAG_NAMES = ["unsafe", "factual_error", "off_task"]
DIMENSIONS = ["helpfulness", "correctness", "safety"]
N_ANNOTATED = 90
N_TWO_ANNOTATORS = 12

# --------------------------------------------------------------------------------------------------
# Variation pools
# --------------------------------------------------------------------------------------------------

CUSTOMERS = [
    ("Priya", "Raman"), ("Tomás", "Herrera"), ("Zoë", "Müller"), ("Kwame", "Mensah"), ("Aoife", "Byrne"),
    ("Lan", "Nguyễn"), ("Søren", "Lund"), ("Yuki", "Tanaka"), ("Fatima", "Al-Sayed"), ("Björn", "Eriksson"),
    ("Chloé", "Dubois"), ("Marcus", "Webb"), ("Olu", "Adeyemi"), ("Hannah", "Goldberg"), ("Diego", "Castillo"),
    ("Mei", "Chen"), ("Jakub", "Nowak"), ("Amara", "Okafor"), ("Ingrid", "Halvorsen"), ("Rafael", "Souza"),
    ("Leah", "Friedman"), ("Arjun", "Mehta"), ("Noor", "Haddad"), ("Wren", "Callahan"), ("Ewa", "Kowalczyk"),
    ("Mateo", "Rossi"), ("Grace", "Oduya"), ("Elif", "Yılmaz"), ("Connor", "Walsh"), ("Ana", "Lopes"),
]
SHOPS = [
    "Fern & Flint Candles", "Hollow Oak Ceramics", "Little Paper Moon", "Ridgeway Bike Co.", "Salt + Sable",
    "Otter Creek Coffee", "Maple Thread Studio", "Bright Side Bakery", "Cobalt Print Shop", "Wildroot Apothecary",
    "Tidepool Toys", "North Loop Records", "Juniper & Jade", "Bramble Soap Works", "Copper Kettle Teas",
]
PLANS = [
    {"plan": "Starter", "price": "$15", "annual": "$144"},
    {"plan": "Growth", "price": "$39", "annual": "$374"},
    {"plan": "Pro", "price": "$99", "annual": "$950"},
]
DEVICES = ["Tap reader", "Tap Mini", "Tap Dock"]
MONTH_DAYS = ["November 3", "November 8", "November 12", "November 15", "November 18", "October 29", "October 31"]
CITIES = ["Portland", "Austin", "Leeds", "Toronto", "Melbourne", "Denver", "Rotterdam", "Asheville"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


def customer_vars(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(CUSTOMERS)
    other_first, other_last = rng.choice([c for c in CUSTOMERS if c[0] != first])
    shop = rng.choice(SHOPS)
    plan = rng.choice(PLANS)
    domain = ascii_slug(shop)[:14] + ".example"
    return {
        "name": first, "full_name": f"{first} {last}", "email": f"{ascii_slug(first)}@{domain}",
        "other_full": f"{other_first} {other_last}",
        "other_email": f"{ascii_slug(other_first)}.{ascii_slug(other_last)}@mailbox.example",
        "shop": shop, **plan,
        "order": f"BL-{rng.randint(20000, 99999)}", "last4": f"{rng.randint(1000, 9999)}",
        "date": rng.choice(MONTH_DAYS), "device": rng.choice(DEVICES), "city": rng.choice(CITIES),
        "ticket": f"#{rng.randint(310000, 389999)}", "sku_n": str(rng.randint(2, 9)),
    }


_VAR = re.compile(r"\{\{(\w+)\}\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{{name}}`` for the known names only (code in outputs keeps its own braces)."""
    return _VAR.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


def clean(text: str) -> str:
    """Strip the surrounding blank lines and every line's trailing spaces."""
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip()


def tool_call(tool: str, args: dict, pre: str) -> str:
    call = json.dumps({"name": tool, "arguments": args}, ensure_ascii=False)
    return f"{pre}\n\n```tool_call\n{call}\n```"


def tool_result(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


