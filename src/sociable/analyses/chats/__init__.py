"""Hashtag chats: sessions found from the data, transcripts, questions and answers, newcomers, CPD records.

`detect.py` finds a chat's weekly windows and sessions from its posts' times; `labels.py` reads
question and answer labels; `sessions.py` reads each session's posts and links answers to
questions; `analysis.py` registers the `chats` analysis; `records.py` builds a session's
transcript and a participant's CPD record (rendered by sociable.reports.chats).
"""

from sociable.analyses.chats.analysis import ChatsResult, find_chats
from sociable.analyses.chats.sessions import Chat, ChatPost, Question, Session, normalise_tag, read_chat

__all__ = ["Chat", "ChatPost", "ChatsResult", "Question", "Session", "find_chats", "normalise_tag", "read_chat"]
