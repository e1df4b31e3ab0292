"""Keep only dataset problems where a tool actually helps, and say which rule decided.

Why: most dataset problems can be answered by recall or prose ("Explain the role of ..."); a trace for
them teaches a model to call tools needlessly. A problem is kept when one of the *benefit* rules
below fires (an integral, a system of equations, a matrix, a numeric evaluation, stoichiometry, a unit
conversion, ...) and none of the *no-benefit* rules does; the rule's name goes into
`problem.meta["tool_benefit"]` and the metrics count how often each rule fired, so the filter can be
tuned from `metrics/source.json` alone. Rules are disabled by name with `source.tool_filter.disabled`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from stages.sources.hints import Keyed

_UNITS = (r"(?:m/s\^?2?|m/s²|km/h|mph|kg|g|mg|mol|mmol|M|mM|L|mL|J|kJ|eV|N|Pa|kPa|atm|K|°C|°F|Hz|kHz|MHz|nm|mm|"
          r"cm|m|km|s|ms|V|mV|A|mA|Ω|ohms?|W|kW|T|C|μC|uC|F|μF|uF|H|dB|rad|°|degrees?)")
_QUANTITY = re.compile(rf"(?<![\w.])-?\d+(?:\.\d+)?(?:\s*[x×]\s*10\^?\{{?-?\d+\}}?)?\s*{_UNITS}(?![A-Za-z])")
_NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class BenefitRule:
    name: str
    regex: re.Pattern[str] | None = None
    min_quantities: int = 0  # for the structural rules: how many numbers-with-units / numbers
    min_numbers: int = 0
    pattern: Keyed | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", Keyed(self.regex) if self.regex is not None else None)

    def fires(self, text: str, folded: str | None = None) -> bool:
        if self.pattern is not None and not self.pattern.search(text, text.casefold() if folded is None else folded):
            return False
        if self.min_quantities and len(_QUANTITY.findall(text)) < self.min_quantities:
            return False
        if self.min_numbers and len(_NUMBER.findall(text)) < self.min_numbers:
            return False
        return True


def _kw(name: str, pattern: str, flags: int = re.IGNORECASE) -> BenefitRule:
    return BenefitRule(name, re.compile(pattern, flags))


# No-benefit rules: checked first; a match drops the problem with this reason.
NO_BENEFIT: tuple[BenefitRule, ...] = (
    # Prose questions with no numbers or notation at all: a tool has nothing to compute.
    BenefitRule("conceptual", re.compile(
        r"^(?!.*(?:\d|\$|\^|=|\\[a-z]))(?:.*\b(?:explain|describe|discuss|compare|what is the (?:role|effect|"
        r"significance|mechanism|relationship|difference|impact)|how does|how do|why (?:is|are|does|do)|"
        r"what are the (?:main|key|potential|possible))\b)", re.IGNORECASE | re.DOTALL)),
    # "Prove that ..." with no concrete numbers: a proof, not a computation.
    BenefitRule("proof_only", re.compile(r"^(?!.*\d).*\b(?:prove|show) that\b", re.IGNORECASE | re.DOTALL)),
)

# Benefit rules, in the order they are tried (the first that fires is recorded).
BENEFIT: tuple[BenefitRule, ...] = (
    _kw("integral", r"\bintegra(?:l|te|ting|tion)\b|\\int\b|\bantiderivative\b|\barea under\b"),
    _kw("derivative", r"\bderivative\b|\bdifferentiate\b|\bd\s*/\s*d[a-z]\b|\\frac\{d\w*\}\{d|\bf'\(|"
        r"\btangent line\b|\bcritical points?\b"),
    _kw("limit_or_series", r"\blimit\b|\\lim(?:_|\b)|\btaylor\b|\bmaclaurin\b|\bpower series\b|\bsum of the series\b"),
    _kw("differential_equation", r"\bdifferential equation\b|\by''|\bdy/dx\b"),
    _kw("matrix", r"\bmatri(?:x|ces)\b|\\begin\{[pbvBV]?matrix\}|\bdeterminant\b|\beigen(?:value|vector)s?\b|"
        r"\b(?:dot|cross) product\b"),
    _kw("system_of_equations", r"\bsystem of (?:linear )?equations\b|\bsimultaneous(?:ly)?\b|"
        r"\\begin\{(?:cases|aligned|align\*?)\}|=[^=\n]{1,60}(?:,|\band\b)[^=\n]{1,60}="),
    _kw("polynomial_or_equation", r"\bsolve\b|\broots?\b|\bzeros? of\b|\bfactor(?:i[sz]e)?\b|\bexpand\b|"
        r"\bsimplify\b|\bquadratic\b|\bpolynomial\b|[a-z]\s*\^\s*\{?\d|[a-z]²"),
    _kw("stoichiometry", r"\bstoichiometr|\blimiting (?:reagent|reactant)\b|\b(?:theoretical|percent(?:age)?) "
        r"yield\b|\bbalance\b.*\bequation\b|\bmolar mass\b|\bmolecular (?:weight|mass)\b|\bmoles?\b|\bgrams? of\b"),
    _kw("solution_chemistry", r"\bp(?:H|OH)\b|\bpK[ab]\b|\bmolarity\b|\bconcentration\b|\bdilut|\btitrat|"
        r"\bbuffer\b|\bsolubility\b", 0),
    _kw("logic_solver", r"\bsatisfiab|\btautolog|\btruth table\b|\bknights?\b.*\bknaves?\b|\balways lies\b|"
        r"\bsudoku\b|\bconstraints?\b|\bvalid (?:argument|inference)\b"),
    _kw("unit_conversion", r"\bconvert\b|\bin (?:units of|kilo|milli|micro|nano|grams|meters|joules|"
        r"liters|litres|seconds|hours|kelvin|celsius|atm|pascals?)\b"),
    BenefitRule("physical_quantities", min_quantities=2),
    _kw("numeric_evaluation", r"\bdecimal places?\b|\bsignificant figures\b|\bapproximate(?:ly)?\b|"
        r"\bnumerical(?:ly)?\b|\bnearest (?:whole|tenth|hundredth|thousandth|integer)\b|\bevaluate\b|"
        r"\bsqrt\b|\\sqrt|\\log|\\ln|\\sin|\\cos|\\tan|\be\^|\bstandard deviation\b"),
    _kw("counting_or_number_theory", r"\bhow many (?:ways|different|distinct|positive|integers|numbers|"
        r"arrangements)\b|\bprobability\b|\bexpected value\b|\bremainder\b|\bmodulo\b|\bprime\b|\bdivisors?\b|"
        r"\bgcd\b|\blcm\b|\bgreatest common\b|\bleast common\b|\bpermutations?\b|\bcombinations?\b"),
    BenefitRule("multi_step_arithmetic", min_numbers=3),
    BenefitRule("large_numbers", re.compile(r"(?<![\w.])\d{4,}(?:\.\d+)?|\d\.\d{3,}")),
)

ALL_RULES: tuple[str, ...] = tuple(r.name for r in (*NO_BENEFIT, *BENEFIT))


@dataclass(frozen=True)
class Decision:
    keep: bool
    rule: str  # the benefit rule that fired, or the reason for dropping ("no_tool_benefit", "conceptual")


class ToolBenefitFilter:
    """The configured rule set; `decide(text)` says keep or drop and which rule decided."""

    def __init__(self, enabled: bool = True, disabled: Iterable[str] = ()) -> None:
        disabled = set(disabled)
        unknown = disabled - set(ALL_RULES)
        if unknown:
            raise ValueError(f"unknown tool-benefit rule(s) {sorted(unknown)}; rules are {', '.join(ALL_RULES)}")
        self.enabled = enabled
        self.no_benefit = tuple(r for r in NO_BENEFIT if r.name not in disabled)
        self.benefit = tuple(r for r in BENEFIT if r.name not in disabled)

    def decide(self, text: str) -> Decision:
        if not self.enabled:
            return Decision(True, "filter_disabled")
        folded = text.casefold()
        for rule in self.no_benefit:
            if rule.fires(text, folded):
                return Decision(False, rule.name)
        for rule in self.benefit:
            if rule.fires(text, folded):
                return Decision(True, rule.name)
        return Decision(False, "no_tool_benefit")

