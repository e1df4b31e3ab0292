"""Verification of traces: answer equivalence, tool-result comparison and the three execute layers."""
