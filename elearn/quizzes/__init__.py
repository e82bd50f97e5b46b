"""Quizzes: question types, attempts and grading."""
