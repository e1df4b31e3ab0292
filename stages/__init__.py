"""The pipeline's six stages (source → generate → execute → filter → format → split), one module each."""

import os

# SymPy memoises its core operations in an LRU cache of 1,000 entries by default. The stages build,
# differentiate and compare thousands of related expressions; a 200k-entry cache made the synthetic
# draws ~13 % cheaper (the tool workers get the same size from tools/executor.py). It must be set
# before anything imports SymPy, hence here; a SYMPY_CACHE_SIZE of the user's own wins.
os.environ.setdefault("SYMPY_CACHE_SIZE", "200000")
