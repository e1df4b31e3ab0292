"""The pieces of the source stage's dataset path: answers, classifier, tool filter, dedup, n-grams."""

from __future__ import annotations

import pytest

from stages.sources.answers import gsm8k_final, last_boxed, plain
from stages.sources.categories import CATEGORY_TOOLS, classify, from_camel_topic, from_math_type
from stages.sources.decontam import NgramIndex, ngrams
from stages.sources.dedup import ExactDedup, normalise, text_key
from stages.sources.near_dedup import NearDedup
from stages.sources.toolfilter import ALL_RULES, ToolBenefitFilter


@pytest.mark.parametrize("solution,expected", [
    (r"so $x = \boxed{5}$.", "5"),
    (r"first \boxed{1} then \boxed{\frac{a^{2}}{b_{1}}}", r"\frac{a^{2}}{b_{1}}"),
    (r"\boxed{\{1, 2\}}", r"\{1, 2\}"),
    (r"the answer is $\boxed 7$", "7"),
    (r"\fbox{42}", "42"),
    ("no box here", None),
    (r"\boxed{unbalanced", None),
    (None, None),
])
def test_last_boxed(solution, expected):
    assert last_boxed(solution) == expected


@pytest.mark.parametrize("answer,expected", [
    ("a\nb\n#### 72", "72"), ("#### 1,234", "1234"), ("####  -3.5 ", "-3.5"), ("no marker", None),
    ("#### 1/2", "1/2"), ("", None),
])
def test_gsm8k_final(answer, expected):
    assert gsm8k_final(answer) == expected


def test_plain_answer():
    assert plain("  12 ") == "12" and plain("") is None and plain(None) is None and plain(3) == "3"


@pytest.mark.parametrize("text,category,rule", [
    ("Find the determinant of the matrix [[1,2],[3,4]].", "linear_algebra", "kw:linear_algebra/matrix"),
    ("Evaluate the integral of sin(x) from 0 to pi.", "calculus", "kw:calculus/integral"),
    ("Find the limit of (1+1/n)^n as n approaches infinity.", "calculus", "kw:calculus/limit"),
    ("Is the formula (p or q) and not p satisfiable?", "logic", "kw:logic/satisfiability"),
    ("What is the pH of a 0.1 M acetic acid solution with Ka = 1.8e-5?", "chemistry_solutions",
     "kw:chemistry_solutions/ph"),
    ("What is the molar mass of calcium carbonate?", "chemistry_fundamentals",
     "kw:chemistry_fundamentals/molar_mass"),
    ("Balance: Fe + O2 -> Fe2O3", "chemistry_fundamentals", "kw:chemistry_fundamentals/formula"),
    ("A 5 ohm resistor is connected to a 12 V battery. What current flows?", "physics_em_optics",
     "kw:physics_em_optics/circuits"),
    ("A car accelerates from rest at 3 m/s^2 for 4 s. What is its velocity?", "physics_mechanics",
     "kw:physics_mechanics/kinematics"),
    ("Solve for x: 2x + 3 = 11.", "algebra", "kw:algebra/equation"),
    ("How many ways can 5 people sit in a row?", "numerical", "kw:numerical/counting"),
    ("Jo has 3 apples and buys 4 more. How many apples does Jo have?", "numerical", "struct:word_problem"),
])
def test_classifier_rules(text, category, rule):
    assert classify(text) == (category, rule)


def test_classifier_respects_allowed_categories_and_reports_misses():
    text = "A car travels at 60 km/h for 2 hours. How far does it go?"
    assert classify(text)[0] == "physics_mechanics"
    assert classify(text, ("numerical", "algebra")) == ("numerical", "struct:word_problem")
    assert classify("Describe the history of the Roman empire.") is None


def test_metadata_labels():
    assert from_math_type("Counting & Probability") == ("numerical", "meta:type=Counting & Probability")
    assert from_math_type("Precalculus") is None and from_math_type(None) is None
    assert from_camel_topic("physics", "Optics", "Snell's law")[0] == "physics_em_optics"
    assert from_camel_topic("physics", "Quantum mechanics", "Particle in a box") is None
    assert from_camel_topic("chemistry", "Physical chemistry", "Calculation of pH") == (
        "chemistry_solutions", "meta:sub_topic=Calculation of pH")
    assert from_camel_topic("math", "Linear algebra", None) == ("linear_algebra", "meta:topic=Linear algebra")
    assert set(CATEGORY_TOOLS["multi_tool"]) >= {"symbolic_math"}


@pytest.mark.parametrize("text,keep,rule", [
    ("Compute the integral of x^2 from 0 to 1.", True, "integral"),
    ("Solve the system of equations x + y = 3, x - y = 1.", True, "system_of_equations"),
    ("How many grams of CO2 form from 10 g of carbon?", True, "stoichiometry"),
    ("Convert 3.5 atm to pascals.", True, "unit_conversion"),
    ("A 2 kg block slides 3 m down a ramp. Find the work done by gravity.", True, "physical_quantities"),
    ("Give sqrt(2) to 6 decimal places.", True, "numeric_evaluation"),
    ("Explain the role of enzymes in digestion.", False, "conceptual"),
    ("Prove that there are infinitely many primes.", False, "proof_only"),
    ("What is 2 + 2?", False, "no_tool_benefit"),
])
def test_tool_benefit_filter(text, keep, rule):
    decision = ToolBenefitFilter().decide(text)
    assert (decision.keep, decision.rule) == (keep, rule)


def test_tool_benefit_filter_rules_can_be_disabled():
    f = ToolBenefitFilter(disabled=["conceptual"])
    assert f.decide("Explain the role of enzymes in digestion.").rule == "no_tool_benefit"
    assert ToolBenefitFilter(enabled=False).decide("anything").keep
    with pytest.raises(ValueError):
        ToolBenefitFilter(disabled=["nope"])
    assert "integral" in ALL_RULES and "conceptual" in ALL_RULES


def test_exact_dedup_normalises_case_punctuation_and_space():
    d = ExactDedup()
    d.add(text_key(normalise("What is 2+2?")), "p1")
    assert d.find(text_key(normalise("  what IS 2 + 2 "))) == "p1"
    assert d.find(text_key(normalise("What is 2+3?"))) is None


def test_near_dedup_threshold():
    base = ("A rectangular garden is 12 meters long and 8 meters wide. A path 1 meter wide runs around the "
            "outside of the garden. What is the area of the path in square meters?")
    near = NearDedup(threshold=0.8)
    near.add("p1", near.signature(normalise(base).split()))
    hit = near.find(near.signature(normalise(base.replace("square meters?", "square meters exactly?")).split()))
    assert hit is not None and hit[0] == "p1" and hit[1] >= 0.8
    assert near.find(near.signature(normalise("Compute the derivative of x^3 sin x.").split())) is None
    # Same text, one number changed: still above 0.5 but below 0.95.
    other = normalise(base.replace("12 meters", "15 meters")).split()
    assert NearDedup(threshold=0.95).find(near.signature(other)) is None


def test_ngram_index():
    words = "one two three four five".split()
    assert list(ngrams(words, 3)) == ["one two three", "two three four", "three four five"]
    assert list(ngrams(words[:2], 3)) == ["one two"]
    idx = NgramIndex(3)
    idx.add(words, "bench:test:0", "bench")
    assert idx.match("zero one two three".split()) == "bench:test:0"
    assert idx.match("one two four".split()) is None
    assert idx.items == {"bench": 1} and len(idx) == 3


def test_config_list_is_read_config_by_config_on_the_hub_and_ignored_for_a_local_copy():
    from stages.sources.config import DatasetEntry

    hub = DatasetEntry(name="math", dataset="EleutherAI/hendrycks_math", config=["algebra", "geometry"])
    assert hub.mapping == "math"  # inferred from the hub name
    assert [(p.config, label) for p, label in hub.parts()] == [
        ("algebra", "EleutherAI/hendrycks_math/algebra"), ("geometry", "EleutherAI/hendrycks_math/geometry")]
    local = hub.model_copy(update={"path": "/data/math.parquet"})
    assert [(p.config, label) for p, label in local.parts()] == [(None, "EleutherAI/hendrycks_math")]
    single = DatasetEntry(name="gsm8k", dataset="openai/gsm8k", config="main")
    assert [label for _, label in single.parts()] == ["openai/gsm8k"] and single.mapping == "gsm8k"


def test_near_dedup_signature_is_datasketch_minhash():
    import zlib

    from datasketch import MinHash

    from stages.sources.near_dedup import shingles

    near = NearDedup(num_perm=64, shingle_size=3, seed=1)
    words = normalise("Find the area under y = x^2 between x = 0 and x = 3 please.").split()
    ref = MinHash(num_perm=64, seed=1, hashfunc=zlib.crc32)
    ref.update_batch(shingles(words, 3))
    near.signature("some other text first to dirty the reused object".split())
    assert (near.signature(words) == ref.hashvalues.astype("uint32")).all()


def test_literal_pre_check_never_changes_a_regex_verdict():
    import json
    from pathlib import Path

    from stages.sources.categories import RULES
    from stages.sources.hints import Keyed, literal_hints
    from stages.sources.toolfilter import BENEFIT, NO_BENEFIT

    texts = ["INTEGRATE x^2", "The MATRIX [[1,2],[3,4]]", "Ohm's law: V = IR", "pH of 0.1 M HCl", "ſolve x = 2",
             "Find d/dx of x^2", "KNIGHTS and KNAVES", "ANTIDERIVATIVE", "résumé of a 3 m/s run", ""]
    for path in (Path(__file__).parent / "fixtures").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            texts += [v for v in json.loads(line).values() if isinstance(v, str)]
    keyed = [r.pattern for r in RULES] + [r.pattern for r in (*NO_BENEFIT, *BENEFIT) if r.pattern is not None]
    assert sum(k.hints is not None for k in keyed) > len(keyed) // 2  # most rules get a pre-check
    for k in keyed:
        for t in texts:
            assert k.search(t, t.casefold()) == (k.pattern.search(t) is not None), (k.pattern.pattern, t)
    import re
    assert literal_hints(re.compile(r"\bfoo(?:d|l)|\bQux", re.I)) == ("foo", "qux")
    assert literal_hints(re.compile(r"a+|bc")) is None  # an alternative without a literal start
    assert Keyed(re.compile(r"\bAB\b")).search("xx AB", "xx ab")
