"""The two API clients: the only modules that talk to the network."""
