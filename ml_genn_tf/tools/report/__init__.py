"""The accuracy comparison report (HTML) built from ``results.json``."""
from .html import report_html, write_report

#: ``ml_genn_tf.report(results, path)``: the same as :func:`write_report`.
report = write_report

__all__ = ["report", "report_html", "write_report"]
