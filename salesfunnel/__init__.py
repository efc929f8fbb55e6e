"""salesfunnel: B2B sales funnel analytics from CRM CSV exports."""

__version__ = "0.1.0"
