"""Tried and not kept: where a reaction sits in its thread and who wrote it, beside the stance features.

The best-known RumourEval 2017 systems read the thread, and some read the author too. This adds to the
shipped features (words, cues and the transformer's thread vectors; bench/validity/train_stance.py)
columns a sociable workspace also has for every reaction: whether it is the source post, its depth
(1, 2, 3 or more), whether its author wrote the source or the parent, how many replies it drew, its place
in the thread's order and the minutes since the source; and, as a further candidate, the author's
verified mark, followers, posts, accounts followed and account age (Twitter's user object). Our reactions
(no thread around them) get their depth and average author columns. Each candidate is scored out of fold,
leave one event out, with offsets by the shipped rule (highest accuracy with macro-F1 >= 0.52). The test
split is never read. Run: `PYTHONPATH=src python bench/validity/stance_structure.py`.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from rumoureval import data_folder, examples, threads
from train_stance import GRID_L2, GRID_POWER, candidate_line, labels_of, our_examples, out_of_fold, vectors_of

TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"
TREE = ("source", "depth 1", "depth 2", "depth 3+", "by the source's author", "by the parent's author",
        "replies drawn (log)", "place in the thread", "minutes since the source (log)")
AUTHOR = ("verified", "followers (log)", "posts (log)", "following (log)", "account age (years)")


def _when(tweet: dict) -> datetime:
    return datetime.strptime(tweet["created_at"], TWITTER_TIME)


def thread_columns(folder: Path, splits: tuple[str, ...] = ("train", "dev")) -> dict[str, tuple[list, list]]:
    """{tweet id: (tree columns, author columns)} for every tweet of the splits' threads."""
    found: dict[str, tuple[list, list]] = {}
    for split in splits:
        for thread in threads(folder / split):
            tweets, source, parents = thread.tweets, thread.source, thread.parents
            replies: dict[str, int] = {}
            for parent in parents.values():
                if parent:
                    replies[parent] = replies.get(parent, 0) + 1
            order = sorted(tweets, key=lambda i: _when(tweets[i]))
            start = _when(tweets[source])
            for tweet_id, tweet in tweets.items():
                depth, at = 0, tweet_id
                while parents.get(at) and depth < 50:
                    at, depth = parents[at] or "", depth + 1
                parent = tweets.get(parents.get(tweet_id) or "")
                user = tweet["user"]
                tree = [tweet_id == source, depth == 1, depth == 2, depth >= 3,
                        tweet_id != source and user["id_str"] == tweets[source]["user"]["id_str"],
                        parent is not None and user["id_str"] == parent["user"]["id_str"],
                        np.log1p(replies.get(tweet_id, 0)) / 3, order.index(tweet_id) / max(len(order) - 1, 1),
                        np.log1p(max((_when(tweet) - start).total_seconds(), 0) / 60) / 10]
                age = (_when(tweet) - datetime.strptime(user["created_at"], TWITTER_TIME)).days / 365
                author = [bool(user["verified"]), np.log1p(user["followers_count"]) / 10,
                          np.log1p(user["statuses_count"]) / 10, np.log1p(user["friends_count"]) / 10,
                          min(age, 10) / 10]
                found[tweet_id] = (tree, author)
    return found


def main() -> None:
    folder = data_folder()
    items = examples("train", folder) + examples("dev", folder)
    ours = our_examples()
    y = labels_of(items)
    columns = thread_columns(folder)
    vectors, our_vectors = vectors_of(items), vectors_of(ours)
    tree = np.array([columns[e.id][0] for e in items], dtype=np.float32)
    author = np.array([columns[e.id][1] for e in items], dtype=np.float32)
    our_tree = np.zeros((len(ours), len(TREE)), dtype=np.float32)
    for row, example in enumerate(ours):
        our_tree[row, 1 if example.parent_text == example.target_text else 2] = 1.0
    our_tree[:, TREE.index("place in the thread")] = 0.5
    our_author = np.tile(author.mean(axis=0), (len(ours), 1))
    candidates = (("shipped features", vectors, our_vectors),
                  ("+ place in the thread", np.hstack([vectors, tree]), np.hstack([our_vectors, our_tree])),
                  ("+ depth and authorship only", np.hstack([vectors, tree[:, :6]]),
                   np.hstack([our_vectors, our_tree[:, :6]])),
                  ("+ place in the thread + author", np.hstack([vectors, tree, author]),
                   np.hstack([our_vectors, our_tree, our_author])))
    print(f"train + dev: {len(items)} labelled tweets; leave-one-event-out; offsets by the shipped rule")
    for name, extra, our_extra in candidates:
        logp = out_of_fold(items, GRID_L2[0], GRID_POWER[0], extra, ours, our_extra)
        print(candidate_line(name, logp, y), flush=True)


if __name__ == "__main__":
    main()
