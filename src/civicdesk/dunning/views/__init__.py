"""Pages of the dunning center, one module per subdomain (thin: parse, call, render)."""
