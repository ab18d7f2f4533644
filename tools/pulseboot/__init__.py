"""Host side of PulseBoot: simulated plant, simulator and command-line tools."""
