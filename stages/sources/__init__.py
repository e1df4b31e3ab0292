"""Real datasets for the source stage: one module per job.

- `config`     — the `source.datasets` / dedup / decontamination parameters, validated (ConfigError).
- `loader`     — rows of one split, streamed with `datasets` from the hub or a local copy (DataError).
- `mappings`   — built-in column mappings (OpenMathInstruct-2, CAMEL physics/chemistry/math, MATH, GSM8K).
- `answers`    — reference answers from solution text (last `\\boxed{}`, GSM8K `####`).
- `categories` — category from metadata, else an ordered keyword/structure classifier; tools per category.
- `toolfilter` — keep problems a tool helps with, naming the rule that decided.
- `dedup`      — exact duplicates (normalised text), and the normalisation both levels share.
- `near_dedup` — near duplicates (MinHash-LSH); imported only when a dataset is enabled.
- `decontam`   — benchmark n-gram overlap.
- `select`     — the row → problem pipeline with quotas and a count for every decision.

`stages.source` mixes what `select` keeps with the synthetic generators.
"""
