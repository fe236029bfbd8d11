"""Integration message contracts: the only code services share besides the kernel."""
