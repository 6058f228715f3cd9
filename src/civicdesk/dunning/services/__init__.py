"""State changes of the dunning center, one module per subdomain."""
