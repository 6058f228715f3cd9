"""The receivables pages, one module per subdomain: staff imports and the obligor pages."""
