"""leadctl: lead intake, duplicate detection and assignment for sales-ops admins."""

__version__ = "0.1.0"
