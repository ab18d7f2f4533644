"""What a run leaves behind: the CSV trace, the plot, facts read from the rows, fault texts."""
