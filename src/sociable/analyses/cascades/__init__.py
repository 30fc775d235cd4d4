"""Cascades: spread trees from replies, quotes and reposts, their measures, stance and corrections.

`trees.py` measures a forest given as parent indices (numpy, O(n)); `spread.py` reads the posts in
a Scope into that forest; `reactions.py` reads the chosen trees' posts, predicts stance and finds
corrections; `corrections.py` compares the spread before and after a correction; `analysis.py`
registers the `cascades` analysis and `one.py` builds one cascade for its page.
"""

from sociable.analyses.cascades.analysis import CascadesResult, find_cascades

__all__ = ["CascadesResult", "find_cascades"]
