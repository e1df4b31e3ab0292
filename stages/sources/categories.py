"""Which of the ten categories a dataset problem belongs to, and why.

Metadata first (MATH's `type`, CAMEL's `topic;`/`sub_topic`), because a dataset's own label is more
reliable than any guess; a transparent, ordered keyword/structure classifier otherwise. Every decision
carries the name of the rule that made it (`meta:type=Algebra`, `kw:calculus/integral`,
`struct:word_problem`), so a user who disagrees with a label can see which line of this file to change.
A problem no rule matches is *unassigned* and reported by the caller, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stages.schema import CATEGORY_DOMAIN
from stages.sources.hints import Keyed

# The tool(s) each category exercises (the seed plan's "Tool Focus" column).
CATEGORY_TOOLS: dict[str, tuple[str, ...]] = {
    "calculus": ("symbolic_math",),
    "algebra": ("symbolic_math",),
    "linear_algebra": ("symbolic_math",),
    "physics_mechanics": ("physics",),
    "physics_em_optics": ("physics",),
    "chemistry_fundamentals": ("chemistry",),
    "chemistry_solutions": ("chemistry",),
    "logic": ("logic_solver",),
    "numerical": ("execute_python",),
    "multi_tool": ("symbolic_math", "execute_python"),
}
assert set(CATEGORY_TOOLS) == set(CATEGORY_DOMAIN)

Assignment = tuple[str, str]  # (category, rule name)


@dataclass(frozen=True)
class Rule:
    """One line of the classifier: if `pattern` matches the question, the problem is `category`."""

    name: str
    category: str
    pattern: Keyed

    def match(self, text: str, folded: str | None = None) -> bool:
        return self.pattern.search(text, text.casefold() if folded is None else folded)


def _rule(category: str, name: str, pattern: str, flags: int = re.IGNORECASE) -> Rule:
    return Rule(f"kw:{category}/{name}", category, Keyed(re.compile(pattern, flags)))


# Ordered: the first rule that matches wins, so more specific categories come first (a matrix problem
# that mentions "solve" is linear algebra; a chemistry problem that mentions "concentration" and
# "moles" is about solutions).
RULES: tuple[Rule, ...] = (
    _rule("linear_algebra", "matrix", r"\bmatri(?:x|ces)\b|\\begin\{[pbvBV]?matrix\}|\bdeterminant\b|"
          r"\beigen(?:value|vector)s?\b|\brow[- ]reduc|\breduced row echelon|\bnull ?space\b"),
    _rule("linear_algebra", "vectors", r"\b(?:dot|cross) product\b|\blinearly (?:in)?dependent\b|"
          r"\borthonormal\b|\bbasis (?:of|for)\b"),
    _rule("calculus", "integral", r"\bintegra(?:l|te|ting|tion)\b|\\int\b|\bantiderivative\b"),
    _rule("calculus", "derivative", r"\bderivative\b|\bdifferentiate\b|\bd\s*/\s*d[a-z]\b|\\frac\{d\w*\}\{d"
          r"|\bf'\(|\btangent line\b|\brate of change\b"),
    _rule("calculus", "limit", r"\blimit\b|\\lim(?:_|\b)|\bapproaches\b"),
    _rule("calculus", "series", r"\btaylor\b|\bmaclaurin\b|\bpower series\b|\bseries expansion\b|"
          r"\bconverge(?:s|nt|nce)?\b"),
    _rule("calculus", "ode", r"\bdifferential equation\b|\by''|\bdy/dx\b"),
    _rule("calculus", "optimise", r"\b(?:maximi[sz]e|minimi[sz]e|local (?:maximum|minimum)|critical points?)\b"),
    _rule("logic", "satisfiability", r"\bsatisfiab|\btautolog|\btruth table\b|\bpropositional\b|"
          r"\bboolean (?:formula|expression)\b|\bcontradiction\b|\bvalid (?:argument|inference)\b"),
    _rule("logic", "puzzle", r"\bknights?\b.*\bknaves?\b|\balways lies\b|\balways tells the truth\b|"
          r"\bsudoku\b|\bzebra puzzle\b|\bseating arrangement\b"),
    _rule("chemistry_solutions", "ph", r"\bp(?:H|OH)\b|\bpK[ab]\b|\bK[ab]\s*=|\bbuffer\b|\btitrat", 0),
    _rule("chemistry_solutions", "concentration", r"\bmolarity\b|\bmolality\b|\bconcentration\b|\bdilut|"
          r"\bmol/l\b|\bsolubility\b|\bsolution of\b|\bosmotic\b|\bppm\b"),
    _rule("chemistry_fundamentals", "stoichiometry", r"\bstoichiometr|\blimiting (?:reagent|reactant)\b|"
          r"\b(?:theoretical|percent(?:age)?) yield\b|\bbalance (?:the )?(?:following )?(?:chemical )?"
          r"(?:equation|reaction)\b"),
    _rule("chemistry_fundamentals", "molar_mass", r"\bmolar mass\b|\bmolecular (?:weight|mass)\b|"
          r"\bmoles? of\b|\bempirical formula\b|\bavogadro\b|\bideal gas\b|\bgas constant\b"),
    # A chemical equation (formulas joined by + and an arrow), or a formula with a digit next to g/mol.
    _rule("chemistry_fundamentals", "formula", r"\b\d*(?:[A-Z][a-z]?\d*)+\s*\+\s*\d*(?:[A-Z][a-z]?\d*)+\s*"
          r"(?:->|→|⟶|⇌)|"
          r"\b(?:[A-Z][a-z]?\d+)+[A-Z]?[a-z]?\b(?=.*\b(?:g|grams?|mol|moles?)\b)", 0),
    _rule("physics_em_optics", "circuits", r"\bcircuit\b|\bresist(?:or|ance)\b|\bvoltage\b|\bohm|"
          r"\bcapacit(?:or|ance)\b|\binductor\b|\bcoulomb|\belectric (?:field|charge|potential|force)\b|"
          r"\bmagnetic (?:field|flux|force)\b|\bpoint charges?\b|\bsolenoid\b"),
    _rule("physics_em_optics", "optics", r"\blens\b|\bfocal length\b|\brefract|\bmirror\b|\bsnell\b|"
          r"\bdiffraction\b|\bslit\b|\bwavelength\b|\bphoton\b|\bwave speed\b"),
    _rule("physics_mechanics", "kinematics", r"\bvelocity\b|\bacceleration\b|\bprojectile\b|\bfree fall\b|"
          r"\bm/s\b|\bkm/h\b|\bdisplacement\b|\bthrown\b|\blaunched\b"),
    _rule("physics_mechanics", "dynamics", r"\bmomentum\b|\bkinetic energy\b|\bpotential energy\b|\bfriction\b|"
          r"\bnet force\b|\bnewtons?\b|\bpendulum\b|\bspring constant\b|\btorque\b|\binclined? plane\b|"
          r"\bcollision\b|\bsimple harmonic\b|\bcentripetal\b"),
    _rule("algebra", "equation", r"\bsolve (?:for|the (?:following )?(?:system|equation|inequality))\b|"
          r"\bsystem of (?:linear )?equations\b|\bquadratic\b|\bpolynomial\b|\broots? of\b|\bfactor(?:i[sz]e)?\b|"
          r"\bexpand\b|\bsimplify\b|\binequalit(?:y|ies)\b"),
    _rule("algebra", "symbolic", r"[a-z]\s*\^\s*\d|[a-z]\^\{|\b\d*[a-z]\s*[+-]\s*\d+\s*=\s*"),
    _rule("numerical", "counting", r"\bhow many (?:ways|different|distinct|positive|integers|numbers)\b|"
          r"\bprobability\b|\bexpected value\b|\bpermutations?\b|\bcombinations?\b"),
    _rule("numerical", "number_theory", r"\bremainder\b|\bmodulo\b|\bmod\s+\d|\bprime\b|\bdivisors?\b|"
          r"\bgreatest common|\bleast common multiple\b|\bgcd\b|\blcm\b|\bdigits?\b"),
    _rule("numerical", "numeric", r"\bdecimal places?\b|\bsignificant figures\b|\bapproximate(?:ly)?\b|"
          r"\bnumerical(?:ly)?\b|\bnearest (?:whole|tenth|hundredth|integer|dollar|cent)\b|\bstandard deviation\b"
          r"|\bmean\b|\bmedian\b|\baverage\b"),
)

_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")
_ASKS_QUANTITY = re.compile(r"\bhow (?:many|much|long|far|old)\b|\bwhat is the (?:total|cost|price|number)\b|"
                            r"\bcalculate\b|\bfind\b|\bcompute\b", re.IGNORECASE)


def classify(text: str, allowed: Iterable[str] | None = None) -> Assignment | None:
    """The first keyword rule (then the word-problem structure rule) that matches, within `allowed`."""
    allow = set(allowed) if allowed is not None else None
    folded = text.casefold()
    for rule in RULES:
        if (allow is None or rule.category in allow) and rule.match(text, folded):
            return rule.category, rule.name
    # Structure: a word problem that asks for a quantity and gives at least two numbers is arithmetic.
    if (allow is None or "numerical" in allow) and len(_NUMBER.findall(text)) >= 2 and _ASKS_QUANTITY.search(text):
        return "numerical", "struct:word_problem"
    return None


def domain_categories(domain: str) -> tuple[str, ...]:
    """The categories of one domain (a physics dataset may only be labelled with physics categories)."""
    return tuple(c for c, d in CATEGORY_DOMAIN.items() if d == domain)


# -- metadata -------------------------------------------------------------------------------------

# MATH's `type`. None means "the label does not decide": the classifier (math categories only) does.
MATH_TYPES: dict[str, str | None] = {
    "Algebra": "algebra",
    "Intermediate Algebra": "algebra",
    "Prealgebra": "algebra",
    "Counting & Probability": "numerical",
    "Number Theory": "numerical",
    "Geometry": "numerical",
    "Precalculus": None,  # matrices, vectors, trigonometry, complex numbers: the text decides
}

# CAMEL topics/sub-topics, by dataset domain: ordered (pattern, category); the first match wins. The
# sub-topic is tried before the topic because it is more specific ("Optics" / "Snell's law").
_CAMEL: dict[str, tuple[tuple[re.Pattern[str], str | None], ...]] = {
    "physics": (
        (re.compile(r"quantum|particle|nuclear|string theory|cosmolog|black hole|dark matter", re.I), None),
        (re.compile(r"electr|magnet|circuit|optic|lens|refract|diffract|interfer|laser|light|photon", re.I),
         "physics_em_optics"),
        (re.compile(r"classical mechanics|fluid|kinemat|projectile|newton|momentum|collision|rotation|"
                    r"oscillat|pendulum|gravitation|friction|special relativity|relativistic|motion", re.I),
         "physics_mechanics"),
    ),
    "chemistry": (
        (re.compile(r"\bph\b|acid|bases?\b|buffer|solution|concentrat|titrat|dilut|solubil|colligative|osmotic",
                    re.I), "chemistry_solutions"),
        (re.compile(r"stoichiometr|molar mass|\bmoles?\b|balanc|yield|reagent|empirical|gas law|ideal gas|"
                    r"chemical reaction|formula", re.I), "chemistry_fundamentals"),
    ),
    "math": (
        (re.compile(r"linear algebra|matri|eigen|vector space", re.I), "linear_algebra"),
        (re.compile(r"calculus|differential equation|integra|derivative|complex analysis|fourier|"
                    r"real analysis|limits?\b", re.I), "calculus"),
        (re.compile(r"\blogic\b|set theory|boolean|proposition", re.I), "logic"),
        (re.compile(r"\balgebra\b|trigonometr|polynomial|equations?\b|inequalit", re.I), "algebra"),
        (re.compile(r"number theory|combinator|probabilit|statistic|numerical|optimization|graph theory|"
                    r"cryptograph|game theory|geometry", re.I), "numerical"),
    ),
}


def from_math_type(kind: str | None) -> Assignment | None:
    """MATH's `type` column → category, when the label decides it."""
    if not kind:
        return None
    cat = MATH_TYPES.get(str(kind).strip())
    return (cat, f"meta:type={kind}") if cat else None


def from_camel_topic(domain: str, topic: str | None, sub_topic: str | None) -> Assignment | None:
    """CAMEL's `sub_topic`/`topic;` → category (None when the topic is out of the tools' reach)."""
    table = _CAMEL.get(domain, ())
    for field, value in (("sub_topic", sub_topic), ("topic", topic)):
        if not value:
            continue
        for pattern, cat in table:
            if pattern.search(str(value)):
                if cat is None:  # a topic the tools cannot help with: let the text decide
                    return None
                return cat, f"meta:{field}={value}"
    return None
