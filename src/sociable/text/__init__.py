"""Reading words: sentence vectors and the small trained models over them.

``embed(texts)`` gives one L2-normalised vector per text from a static embedding distilled from
all-MiniLM-L6-v2 (fast enough to run on every post); ``load_head(name)`` gives a trained head
(sentiment, stance, roles, the checker's categories) kept as a small ``.npz`` with its data card.
This package sits below analyses and safety and above model/errors: it never reads the store.
"""

from sociable.text.heads import Head, load_head, read_head, save_head, train_head
from sociable.text.static import dimensions, embed

__all__ = ["Head", "dimensions", "embed", "load_head", "read_head", "save_head", "train_head"]
