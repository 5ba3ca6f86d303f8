"""The web app: public report, inspectors' workspace, API v1, metrics and health."""
