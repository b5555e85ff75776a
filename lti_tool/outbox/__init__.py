"""Durable grade passback. A score is a row written in the same transaction as the attempt;
workers claim due rows with a lease, deliver them, and record the outcome. A worker that
dies mid-delivery leaves a lease that expires, and the score is delivered by the next one.
"""

from .worker import OutboxWorker, InlineWorker

__all__ = ["InlineWorker", "OutboxWorker"]
