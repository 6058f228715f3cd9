"""Read queries of the receivables app, one module per subdomain: the staff import pages
(``imports``) and the obligors seen through their accounts (``obligors``)."""
