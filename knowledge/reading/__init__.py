"""Reading what board members type, without a language model.

Words are stemmed (Snowball, Dutch and English), misspellings forgiven (rapidfuzz's ratio,
computed in :mod:`knowledge.reading.similar`), number words read (text2num), and option
words denied or doubted in the manner of NegEx/ConText: a trigger changes the words in its
scope up to a clause boundary. The triggers, hedges,
"don't know" phrases, scales and number words are data (``reading.yaml``).

- :mod:`knowledge.reading.words`: tokens, clauses, stems, phrase search.
- :mod:`knowledge.reading.similar`: the written word closest to a misspelt one.
- :mod:`knowledge.reading.numbers`: counts and bounds ("niet meer dan tien").
- :mod:`knowledge.reading.ranges`: a range between two options ("nauwelijks tot soms").
- :mod:`knowledge.reading.answers`: one typed answer → an option, or why not.
- :mod:`knowledge.reading.descriptions`: a description → the dilemmas it resembles.
- :mod:`knowledge.reading.examples`: the examples file, run by ``check``.
"""
