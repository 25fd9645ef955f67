"""The tools planwatch is compared with, each run in its own virtualenv (see runners.py)."""
