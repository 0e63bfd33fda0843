"""Ways to show a brief: markdown (and, from issue 15, HTML and tables)."""
