"""Prompts are versioned config (`conf/generate/prompt/<version>.yaml`), rendered here.

A prompt file holds a system and a user template per mode. Placeholders are `{problem}`, `{domain}`,
`{difficulty}`, `{tools}`, `{category}` and `{tool_list}`; anything else in braces (the JSON examples
the seed prompt contains) is left alone, which is why this is not `str.format`.

`{tool_list}` is rendered from the tool registry, so the tool and operation names a model is told about
are exactly the ones `tools.call` accepts (the seed prompt's `chemistry_calc`/`molar_mass` names drifted
from its own tool definitions). `tool_list: names` lists operations; `tool_list: detailed` adds each
operation's required arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stages.app import ConfigError
from stages.schema import Problem

FIELDS = ("problem", "domain", "difficulty", "tools", "category", "tool_list")


def render(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def tool_list(names: list[str] | None, style: str = "names") -> str:
    """One line per tool (`- name: op, op, ...`), or the registry's long description per tool."""
    from tools import TOOLS

    chosen = [TOOLS[n] for n in (names or list(TOOLS)) if n in TOOLS]
    lines = []
    for tool in chosen:
        if style == "detailed":
            body = tool.long_description().replace("\n", "\n  ")
            lines.append(f"- {tool.name}: {body}")
        elif tool.single_op:
            lines.append(f"- {tool.name}: {tool.description}")
        else:
            lines.append(f"- {tool.name}: {', '.join(tool.ops)}")
    return "\n".join(lines)


@dataclass
class Prompt:
    version: str
    system: str
    user: str
    tool_list_style: str = "names"

    @classmethod
    def from_config(cls, cfg: Any, mode: str) -> Prompt:
        if cfg is None:
            raise ConfigError("generate.prompt: missing (choose one with generate/prompt=v1)")
        version = str(cfg.get("version") or "")
        section = cfg.get(mode)
        if not version or section is None or not section.get("system") or not section.get("user"):
            raise ConfigError(f"generate.prompt: prompt '{version or '?'}' has no {mode}.system / {mode}.user")
        style = str(cfg.get("tool_list", "names"))
        if style not in ("names", "detailed"):
            raise ConfigError(f"generate.prompt.tool_list: '{style}' (names | detailed)")
        return cls(version, str(section.system), str(section.user), style)

    def values(self, problem: Problem, all_tools_in_list: bool) -> dict[str, str]:
        tools = problem.required_tools
        return {"problem": problem.question, "domain": problem.domain, "difficulty": problem.difficulty,
                "category": problem.category, "tools": ", ".join(tools) if tools else "any",
                "tool_list": tool_list(None if all_tools_in_list else tools, self.tool_list_style)}

    def messages(self, problem: Problem, all_tools_in_list: bool) -> tuple[str, str]:
        """(system, user). `all_tools_in_list`: list every tool in the system prompt, so it is the same
        for every problem and the prompt cache is shared across categories."""
        vals = self.values(problem, all_tools_in_list)
        return render(self.system, vals), render(self.user, vals)
