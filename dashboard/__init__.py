"""The admin dashboard: reads every feature app, is read by none."""
