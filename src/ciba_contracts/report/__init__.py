"""Reporters: a finished run rendered for people (text) and machines (json, junit,
github, sarif, gitlab)."""

from ciba_contracts.report.model import Located, RunReport, Summary
from ciba_contracts.report.render import REPORTERS, write_report

__all__ = ["REPORTERS", "Located", "RunReport", "Summary", "write_report"]
