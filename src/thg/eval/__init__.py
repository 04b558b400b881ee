"""Evaluation: the survey's metric suite, statistics, protocol and reports."""
