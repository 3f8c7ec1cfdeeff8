"""HTTP layer: router contract, servers with auth / fault / counter wrappers, route modules."""
