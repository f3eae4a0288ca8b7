"""Reports and the internal-control page: the audits' questions answered from the data."""
