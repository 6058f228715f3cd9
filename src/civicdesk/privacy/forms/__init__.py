"""Forms of the privacy app, one module per subdomain."""
