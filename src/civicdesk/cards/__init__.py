"""My Number card issuance (seed 004): venues and areas, card targets, public reservations,
documents and ledgers, reconciliation, venue days, call recordings and disclosures."""
