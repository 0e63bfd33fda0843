"""Constrained decoding: values are copied from the sentence, never written.

Why not outlines or transformers-cfg: both compile a regex or grammar into a token automaton
ahead of time. Here the language changes with every input (a value must be a contiguous
token span of *this* sentence, and a count span must hold a number), so it would mean one
grammar compile per sentence; and a copy constraint stated over the source's own token ids
sidesteps the tokenizer's disagreements between a span tokenized alone and in context. The
automaton below is small: forced labels, closed-set choices, and implicit tries over the
source tokens.

Training targets are built from the same pieces (``summarizer.training.targets``), so a model learns
exactly the token sequences this decoder lets it produce.
"""
