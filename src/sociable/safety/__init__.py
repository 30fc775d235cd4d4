"""The safe-practice checker."""
