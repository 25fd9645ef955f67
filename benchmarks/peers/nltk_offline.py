"""Installed as ``sitecustomize`` in the peers' virtualenvs: lets nltk tokenize words offline.

newspaper4k tokenizes Korean with ``nltk.word_tokenize``, which first splits sentences with
the Punkt model — data nltk downloads on first use. With no network that download fails,
so when the model is missing, words are tokenized per line (``preserve_line=True``): the
same Treebank word tokenizer, without the sentence split, which newspaper4k only uses to
count stop words. Active only when ``BENCH_NLTK_OFFLINE=1``.
"""

import os

if os.environ.get("BENCH_NLTK_OFFLINE") == "1":
    try:
        import nltk
        import nltk.tokenize

        try:
            nltk.data.find("tokenizers/punkt_tab/english/")
        except LookupError:
            _word_tokenize = nltk.tokenize.word_tokenize

            def word_tokenize(text, language="english", preserve_line=False):
                return _word_tokenize(text, language, preserve_line=True)

            nltk.word_tokenize = nltk.tokenize.word_tokenize = word_tokenize
    except ImportError:
        pass
