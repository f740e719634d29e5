"""Parse and check one input line (an item) of an import, without touching the database: its id, input
(prompt or messages), candidates, tools, metadata and priority.

Every problem is collected as a ``Problem(line, field, reason)`` (``feedback.intake.records``); a line with
any problem is not imported. A candidate that says nothing (``"output": ""`` or white space, or its messages a
single assistant message with blank content) is an agent that returned nothing, a real outcome to judge: it is
imported, as empty text. A candidate with neither ``output`` nor ``messages`` (or with ``null`` for them) is
still a problem. The labels that come with the item are checked by ``feedback.intake.labels``;
answers are checked against the project's questions later (``importer.import_file``), since that needs the
project; everything else about a line is checked here.
"""

import hashlib
import json
import re
from typing import Any

from feedback.intake.labels import LabelChecks
from feedback.intake.records import ParsedItem, Problem, kind, present, short, unknown_field
from feedback.projects.schema import BOTH_BAD, MAX_CANDIDATES, TIE

ITEM_FIELDS = ("id", "prompt", "messages", "candidates", "metadata", "annotations", "priority", "gold",
               "suggestions", "tools")
CANDIDATE_FIELDS = ("id", "model", "version", "output", "messages", "metadata")
MESSAGE_FIELDS = ("role", "content", "name", "tool_calls", "tool_call_id", "function_call")
ROLES = ("system", "user", "assistant", "tool")
CANDIDATE_ROLES = ("assistant", "tool")
RESERVED_KEYS = (TIE, BOTH_BAD)
REFERENCE_FIELDS = ("id", "annotations", "suggestions")  # a line that adds labels to an item imported before
MAX_ID, MAX_KEY, MAX_MODEL, MAX_VERSION = 200, 100, 200, 100
MAX_DEPTH = 64
MAX_PRIORITY = 1_000_000_000  # |priority|: any ordering people need, far from integer overflow
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89abcdefABCDEF])")


def content_hash(prompt: str | None, messages: list | None, candidates: list[dict[str, Any]],
                 tools: list | None = None) -> str:
    """sha256 of the canonical JSON of the item's input (with its tools, when it has any) and candidates (not
    metadata, not annotations)."""
    payload: dict[str, Any] = {"prompt": prompt} if messages is None else {"messages": messages}
    if tools:
        payload["tools"] = tools
    payload["candidates"] = [
        {"id": c["key"], "model": c["model"], "version": c["version"],
         **({"output": c["output"]} if c["messages"] is None else {"messages": c["messages"]})}
        for c in candidates
    ]
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))  # ASCII: \\u escapes, and faster
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON")


JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # no NaN or Infinity: no database stores them


def load_json_line(text: str, line: int) -> tuple[Any, Problem | None]:
    """The JSON value of one line, or the problem that stops it from being read."""
    try:
        return JSON_DECODER.decode(text), None
    except json.JSONDecodeError as e:
        hint = "; a file of items has one JSON object per line (JSONL), not a JSON array" \
            if line == 1 and text.lstrip().startswith("[") else ""
        return None, Problem(line, "", f"not valid JSON ({e.msg} at column {e.colno}){hint}")
    except RecursionError:
        return None, Problem(line, "", "not valid JSON (nested too deeply)")
    except ValueError as e:  # NaN / Infinity, integers over Python's digit limit
        return None, Problem(line, "", f"not valid JSON ({e})")


def check_line(obj: Any, line: int, raw: str | None = None) -> tuple[ParsedItem | None, list[Problem]]:
    """Check one parsed line. ``raw`` is the line's text, used to skip the slow text scan when it is clean."""
    checker = _LineChecker(line)
    if raw is None or "\\u" in raw and _SUSPECT_ESCAPE.search(raw):
        checker.scan_text(obj)
    if raw is None or raw.count("[") + raw.count("{") > MAX_DEPTH:
        checker.check_depth(obj)
    if checker.problems:
        return None, checker.problems
    item = checker.item(obj)
    return (None, checker.problems) if checker.problems else (item, [])


class _LineChecker(LabelChecks):
    """The checks of a whole line: its text, its depth and the item's fields."""

    def scan_text(self, obj: Any) -> None:
        """Report text no database can store: NUL characters and unpaired surrogates."""
        stack: list[tuple[str, Any]] = [("", obj)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, dict):
                for k, v in value.items():
                    sub = f"{path}.{k}" if path else str(k)
                    self._scan_str(sub, k, key=True)
                    stack.append((sub, v))
            elif isinstance(value, list):
                stack.extend((f"{path}[{i}]", v) for i, v in enumerate(value))
            elif isinstance(value, str):
                self._scan_str(path, value)

    def _scan_str(self, path: str, text: str, *, key: bool = False) -> None:
        what = "the field name" if key else "the text"
        if "\x00" in text:
            self.bad(path, f"{what} contains a NUL character (\\u0000), which databases cannot store")
            return
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as e:
            self.bad(path, f"{what} contains an unpaired surrogate (\\u{ord(text[e.start]):04x}), "
                           "which is not valid Unicode")

    def check_depth(self, obj: Any) -> None:
        stack = [(obj, 1)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.bad("", f"nested more than {MAX_DEPTH} levels deep")
                return
            if isinstance(value, dict):
                stack.extend((v, depth + 1) for v in value.values())
            elif isinstance(value, list):
                stack.extend((v, depth + 1) for v in value)

    def item(self, obj: Any) -> ParsedItem | None:
        if not isinstance(obj, dict):
            hint = "; a file of items has one JSON object per line (JSONL)" if isinstance(obj, list) else ""
            self.bad("", f"not a JSON object (got {kind(obj)}){hint}")
            return None
        obj = present(obj)
        if is_reference(obj):
            return self.reference(obj)
        self.unknown(obj, ITEM_FIELDS)
        external_id = self.item_id(obj.get("id"))
        prompt, messages = self.item_input(obj)
        candidates = self.candidates(obj.get("candidates"))
        meta = self.metadata(obj.get("metadata", {}), "metadata")
        tools = self.tools(obj.get("tools"), meta)
        if tools:
            meta = {**meta, "tools": tools}   # kept in Item.meta["tools"] (exported as a tools column)
        keys = [c["key"] for c in candidates or []]
        annotations = self.annotations(obj.get("annotations", []), keys)
        suggestions = self.suggestions(obj.get("suggestions", []), keys)
        priority = self.priority(obj.get("priority", 0))
        gold = self.gold(obj.get("gold"))
        if self.problems:
            return None
        digest = content_hash(prompt, messages, candidates, tools)
        return ParsedItem(
            line=self.line, external_id=external_id or f"h-{digest[:16]}",
            explicit_id=external_id is not None, prompt=prompt, messages=messages, candidates=candidates,
            meta=meta, content_hash=digest, annotations=annotations, priority=priority, gold=gold,
            suggestions=suggestions,
        )

    def reference(self, obj: dict[str, Any]) -> ParsedItem | None:
        """A line with an id and labels but no content: annotations or suggestions to add to the stored item with
        that id (their answers are checked against its candidates by the importer)."""
        for key in obj:
            if key not in REFERENCE_FIELDS:
                self.bad(key[:60], "a line without prompt and candidates only adds annotations or suggestions to an "
                                   "item imported before; give the item's content to import it"
                         if key in ITEM_FIELDS else unknown_field(key, ITEM_FIELDS))
        external_id = self.item_id(obj.get("id"))
        annotations = self.annotations(obj.get("annotations", []), [])
        suggestions = self.suggestions(obj.get("suggestions", []), [])
        if self.problems or external_id is None:
            return None
        digest = hashlib.sha256(json.dumps(["reference", external_id]).encode("utf-8", "surrogatepass")).hexdigest()
        return ParsedItem(line=self.line, external_id=external_id, explicit_id=True, prompt=None, messages=None,
                          candidates=[], meta={}, content_hash=digest, annotations=annotations,
                          suggestions=suggestions, reference=True)

    def priority(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            given = short(value) if isinstance(value, float) else kind(value)
            self.bad("priority", f"must be a whole number (higher is served first), not {given}")
            return 0
        if abs(value) > MAX_PRIORITY:
            self.bad("priority", f"{short(value)} is outside -{MAX_PRIORITY:,} to {MAX_PRIORITY:,}")
            return 0
        return value

    def tools(self, value: Any, meta: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The tools the agent could call: a list of OpenAI-style tool objects (``{"type": "function",
        "function": {"name", "description", "parameters"}}``) or bare function schemas (``{"name", ...}``)."""
        if value is None:
            return None
        if "tools" in meta:
            self.bad("metadata.tools", "the item also has a tools field; give the tools once, in tools")
            return None
        if not isinstance(value, list):
            self.bad("tools", f"must be a list of tool objects, not {kind(value)}")
            return None
        for k, tool in enumerate(value):
            at = f"tools[{k}]"
            if not isinstance(tool, dict) or not tool:
                self.bad(at, f"must be a tool object, e.g. {{\"type\": \"function\", \"function\": {{\"name\": ...}}}}, "
                             f"not {kind(tool) if tool != {} else 'an empty object'}")
            elif "function" in tool or tool.get("type") == "function":
                fn = tool.get("function")
                if not isinstance(fn, dict):
                    self.bad(f"{at}.function", f"must be an object with the function's name, not {kind(fn)}")
                else:
                    self.text(fn.get("name"), f"{at}.function", "name", limit=MAX_KEY)
            elif "name" in tool:
                self.text(tool["name"], at, "name", limit=MAX_KEY)
            else:
                self.bad(at, "needs a function (an object with a name) or a name")
        return value

    def item_id(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return self.text(value, "id", limit=MAX_ID)

    def item_input(self, obj: dict[str, Any]) -> tuple[str | None, list | None]:
        if "prompt" in obj and "messages" in obj:
            self.bad("", "has both 'prompt' and 'messages'; give exactly one")
            return None, None
        if "prompt" in obj:
            return self.text(obj["prompt"], "prompt"), None
        if "messages" in obj:
            return None, self.messages(obj["messages"], "messages", ROLES)
        self.bad("", "needs a 'prompt' (text) or 'messages' (a conversation)")
        return None, None

    def output(self, value: Any, at: str) -> str | None:
        """A candidate's plain output. Blank text is an agent that returned nothing, a real outcome to judge: it is
        kept, as empty text. Anything but text (a number, a list) is a problem; null means no output field."""
        if isinstance(value, str) and not value.strip():
            return ""
        return self.text(value, at, "output")

    def messages(self, value: Any, where: str, roles: tuple[str, ...], *, answer: bool = False
                 ) -> list[dict[str, Any]] | None:
        """A list of ``{role, content}`` messages. ``answer``: a candidate's turns, where a single assistant message
        with blank content is an agent that returned nothing (kept, its content empty text). Anywhere else a
        message with blank content is a problem unless it is an assistant's tool call; so is a missing or null
        content."""
        if not isinstance(value, list):
            self.bad(where, f"must be a list of {{role, content}} messages, not {kind(value)}")
            return None
        if not value:
            self.bad(where, "empty list; give at least one message")
            return None
        out = []
        for k, message in enumerate(value):
            at = f"{where}[{k}]"
            if not isinstance(message, dict):
                self.bad(at, f"must be an object with role and content, not {kind(message)}")
                continue
            message = present(message)
            self.unknown(message, MESSAGE_FIELDS, at)
            role = message.get("role")
            if role is None:
                self.bad(f"{at}.role", f"missing role (one of {', '.join(roles)})")
            elif not isinstance(role, str) or role not in roles:
                self.bad(f"{at}.role", f"{short(role)} is not one of {', '.join(map(repr, roles))}")
            calls = message.get("tool_calls")
            if calls is not None and not (isinstance(calls, list) and calls
                                          and all(isinstance(c, dict) for c in calls)):
                self.bad(f"{at}.tool_calls", "must be a non-empty list of tool call objects")
            for name in ("name", "tool_call_id"):
                if name in message:
                    self.text(message[name], at, name)
            if "function_call" in message and not isinstance(message["function_call"], dict):
                self.bad(f"{at}.function_call", "must be an object")
            calling = role == "assistant" and bool(calls or message.get("function_call"))
            content = message.get("content")
            silent = answer and len(value) == 1 and role == "assistant" and isinstance(content, str) \
                and not content.strip()
            if calling and message.get("content", "") == "" or silent:
                message = {**message, "content": ""}  # a pure tool call, or an agent that said nothing: no text
            elif "content" not in message:
                self.bad(f"{at}.content", "missing content")
            else:
                self.text(message["content"], at, "content")
            out.append(message)
        return out

    def candidates(self, value: Any) -> list[dict[str, Any]] | None:
        if value is None:
            self.bad("candidates", "missing; an item needs at least one candidate output")
            return None
        if not isinstance(value, list):
            self.bad("candidates", f"must be a list of candidates, not {kind(value)}")
            return None
        if not value:
            self.bad("candidates", "empty list; an item needs at least one candidate output")
            return None
        if len(value) > MAX_CANDIDATES:
            self.bad("candidates", f"{len(value)} candidates; an item can have at most {MAX_CANDIDATES} "
                                   f"(the most the ranking question can order)")
            return None
        out: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for i, cand in enumerate(value):
            at = f"candidates[{i}]"
            if not isinstance(cand, dict):
                self.bad(at, f"must be an object with an output, not {kind(cand)}")
                continue
            cand = present(cand)
            self.unknown(cand, CANDIDATE_FIELDS, at)
            key = self.text(cand.get("id", default_key(i)), at, "id", limit=MAX_KEY)
            if key in RESERVED_KEYS:
                self.bad(f"{at}.id", f"{key!r} is reserved for preferences; use another candidate id")
            elif key is not None and key in seen:
                self.bad(f"{at}.id", f"duplicate candidate id {key!r} (also candidates[{seen[key]}])")
            elif key is not None:
                seen[key] = i
            model = cand.get("model", "")
            model = self.text(model, at, "model", limit=MAX_MODEL) if model != "" else ""
            version = self.text(cand["version"], at, "version", limit=MAX_VERSION) if "version" in cand \
                else None
            output, messages = None, None
            if "output" in cand and "messages" in cand:
                self.bad(at, "has both 'output' and 'messages'; give exactly one")
            elif "output" in cand:
                output = self.output(cand["output"], at)
            elif "messages" in cand:
                messages = self.messages(cand["messages"], f"{at}.messages", CANDIDATE_ROLES, answer=True)
            else:
                self.bad(at, "needs an 'output' (text) or 'messages' (the agent's turns)")
            meta = self.metadata(cand.get("metadata", {}), at, "metadata")
            out.append({"key": key, "model": model, "version": version, "output": output,
                        "messages": messages, "meta": meta, "position": i})
        return out

    def metadata(self, value: Any, where: str, sub: str = "") -> dict[str, Any]:
        if not isinstance(value, dict):
            self.bad(f"{where}.{sub}" if sub else where, f"must be an object, not {kind(value)}")
            return {}
        return value

def is_reference(obj: dict[str, Any]) -> bool:
    """Whether a line only adds labels to a stored item: an id and annotations or suggestions, and no content."""
    return "id" in obj and ("annotations" in obj or "suggestions" in obj) \
        and not any(key in obj for key in ("prompt", "messages", "candidates"))


def default_key(position: int) -> str:
    """Candidate ids by position: a, b, ... z, then c27, c28, ..."""
    return chr(ord("a") + position) if position < 26 else f"c{position + 1}"
