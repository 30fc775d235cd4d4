"""The checker's prefilter: which patterns could match a post, found in one RE2 pass (see README.md).

Only for speed: every finding is the one the patterns give when run on every post
(tests/safety/test_prefilter.py, test_prefilter_relaxed.py and test_prefilter_forms.py).
"""

from sociable.safety.prefilter.forms import DIGIT, MARK, NO_FORMS, Forms, forms_of, mark_boundaries
from sociable.safety.prefilter.scan import Gate, Guard, Scan, as_scan, gate_for

__all__ = [
    "DIGIT", "MARK", "NO_FORMS", "Forms", "Gate", "Guard", "Scan", "as_scan", "forms_of", "gate_for", "mark_boundaries",
]
