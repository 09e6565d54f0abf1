"""Showing results: charts (matplotlib), HTML views for Jupyter, and the self-contained HTML report."""
