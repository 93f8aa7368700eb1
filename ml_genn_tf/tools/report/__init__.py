"""The accuracy comparison report (HTML) built from ``results.json``."""
from .html import report_html, write_report

__all__ = ["report_html", "write_report"]
