"""Reading typed text (knowledge/reading/): one answer and one description, over the
examples of the bundled knowledge. Word caches (stems, number words) fill as the bot
reads; the cold figure reads every example once with them emptied."""

from __future__ import annotations

import statistics
import time

from bench.report import Figure
from knowledge.loader import load_knowledge
from knowledge.reading import numbers, words
from knowledge.reading.answers import read_answer
from knowledge.reading.descriptions import read_description


def _clear_word_caches() -> None:
    words.forget_stems()
    numbers.word_value.cache_clear()
    numbers.run_value.cache_clear()


def reading(rounds: int = 20) -> list[Figure]:
    """Median time to read one answer and one description, warm and cold."""
    knowledge = load_knowledge()
    answers = [
        (question, example.text)
        for example in knowledge.examples.answers
        if (question := knowledge.intake_question(example.question)) is not None
    ]
    descriptions = [example.text for example in knowledge.examples.descriptions]
    for question, text in answers:  # builds each question's phrase index once
        read_answer(question, text, knowledge)
    read_description("", knowledge)

    _clear_word_caches()
    cold = []
    for question, text in answers:
        started = time.perf_counter()
        read_answer(question, text, knowledge)
        cold.append(time.perf_counter() - started)
    warm = []
    for _ in range(rounds):
        for question, text in answers:
            started = time.perf_counter()
            read_answer(question, text, knowledge)
            warm.append(time.perf_counter() - started)
    described = []
    for _ in range(rounds):
        for text in descriptions:
            started = time.perf_counter()
            read_description(text, knowledge)
            described.append(time.perf_counter() - started)
    n, m = len(answers), len(descriptions)
    return [
        Figure(
            "read one typed answer (median)",
            statistics.median(warm) * 1e6,
            "µs",
            200,
            f"{n} examples × {rounds}",
        ),
        Figure(
            "read one typed answer, cold word caches (median)",
            statistics.median(cold) * 1e6,
            "µs",
            None,
            f"{n} examples once",
        ),
        Figure(
            "read one description (median)",
            statistics.median(described) * 1e3,
            "ms",
            1,
            f"{m} examples × {rounds}",
        ),
    ]
