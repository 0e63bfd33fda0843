"""Building the training set, warm-starting and training the brief model."""
