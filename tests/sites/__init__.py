"""Fixture sites served on 127.0.0.1 for the crawler tests."""
