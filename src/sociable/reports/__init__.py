"""Outputs: the HTML report and exports."""
