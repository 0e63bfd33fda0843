"""One brief per event across articles: group articles into events, merge their records, and
flag where the articles disagree."""
