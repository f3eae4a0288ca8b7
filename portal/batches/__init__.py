"""Batch write-offs (samlingsbeslut): one write-off case of many customers of one committee."""
