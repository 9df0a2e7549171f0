"""Messages: what a notification says, rendered from Jinja2 templates per channel and kind."""
