"""A course with one item of every kind for the Common Cartridge tests (``every``): links
between pages, assets with spaces and non-ASCII names, an LTI screener, a quiz."""

from .activities import TOOL

SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#b3261e"/></svg>\n'

EVERY_KIND = {
    "course.md": f"""
        ---
        title: Every kind course
        shortname: every
        languages: [en, el]
        version: "2.1"
        license: CC-BY-4.0
        authors: [Ada Author, Q-SER consortium]
        summary: A course with one item of every kind.
        date: 2026-03-01
        lti:
          url: {TOOL}
          name: Test screener tool
        ---
        Welcome. Start with [the first page](01-basics/01-first.md).
        """,
    "course.el.md": """
        ---
        title: Μάθημα όλων των ειδών
        summary: Ένα μάθημα με κάθε είδος στοιχείου.
        ---
        Καλώς ήρθατε. Ξεκινήστε από [την πρώτη σελίδα](01-basics/01-first.md).
        """,
    "01-basics/index.md": """
        ---
        title: Basics
        summary: The first steps.
        ---
        This section introduces the ![blue circle](../assets/circle.svg) model.
        """,
    "01-basics/index.el.md": """
        ---
        title: Βασικά
        ---
        Η ενότητα παρουσιάζει το μοντέλο.
        """,
    "01-basics/01-first.md": """
        ---
        title: First page
        ---
        ## Overview

        ![A blue circle](../assets/circle.svg)

        Read [the second page](02-second.md#details), the [note](03-note.md), the
        [external site](04-site.md), the [handout](05-handout.md) and the
        [slides](<../assets/Präsentation 1.pdf>). Then take [the quiz](../02-check/01-quiz.md)
        and use [the screener](../02-check/02-screener.md). Back to the [course](../course.md)
        or [this section](index.md).

        | a | b |
        |---|---|
        | 1 | 2 |
        """,
    "01-basics/01-first.el.md": """
        ---
        title: Πρώτη σελίδα
        ---
        ## Επισκόπηση

        ![Ένας μπλε κύκλος](../assets/circle.svg)

        Διαβάστε [τη δεύτερη σελίδα](02-second.md#details).
        """,
    "01-basics/02-second.md": """
        ---
        title: Second page
        ---
        ## Details

        More text.
        """,
    "01-basics/03-note.md": """
        ---
        type: label
        title: A note
        ---
        Remember to **take notes** while you read.
        """,
    "01-basics/04-site.md": """
        ---
        type: url
        title: External site
        url: https://example.org/guide?lang=en&part=1
        ---
        A guide on another website.
        """,
    "01-basics/05-handout.md": """
        ---
        type: file
        title: Handout
        file: ../assets/handout.pdf
        ---
        The printable handout.
        """,
    "02-check/index.md": """
        ---
        title: Check
        ---
        """,
    "02-check/01-quiz.md": """
        ---
        type: quiz
        title: Knowledge check
        pass_percent: 60
        questions:
          - id: principle
            prompt: Which principle is about communication? ![A red square](../assets/square.svg)
            choices:
              - text: Principle 1
                correct: true
                feedback: Yes, principle 1 is about communicating.
              - id: correct
                text: Principle 2
                feedback: No, principle 2 is about the organisation.
              - text: Neither
            feedback:
              correct: Well done.
              incorrect: Look again at the two principles.
          - id: benefits
            type: multiple
            points: 2
            prompt: Which are benefits of a good practice?
            choices:
              - text: Staff learn
                correct: true
                feedback: Right, staff learn.
              - text: The service improves
                correct: true
              - text: Nothing changes
                feedback: Something always changes.
            feedback:
              correct: All benefits found.
              incorrect: Some benefits are missing.
        ---
        Answer both questions.
        """,
    "02-check/02-screener.md": """
        ---
        type: screener
        title: Case-study screener
        summary: Five questions.
        threshold: 2
        questions:
          - id: recurring
            text: Is this a recurring issue?
          - id: recordable
            text: Can it be recorded?
          - id: shared
            text: Do other departments have it?
        suitable: The case study is suitable.
        unsuitable: Please find another case study.
        summary_fields:
          - id: name
            label: Name
          - id: background
            label: Problem background
            kind: textarea
        ---
        Think of one situation from your own service.
        """,
    "02-check/02-screener.el.md": """
        ---
        title: Εργαλείο αξιολόγησης
        questions:
          - text: Είναι επαναλαμβανόμενο ζήτημα;
          - text: Μπορεί να καταγραφεί;
          - text: Υπάρχει σε άλλα τμήματα;
        suitable: Κατάλληλη.
        unsuitable: Βρείτε άλλη.
        summary_fields:
          - label: Όνομα
          - label: Ιστορικό
        ---
        Σκεφτείτε μια κατάσταση από την υπηρεσία σας.
        """,
    "assets/circle.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b5cad"/></svg>\n',
    "assets/square.svg": SVG,
    "assets/handout.pdf": b"%PDF-1.4\n% handout\n",
    "assets/Präsentation 1.pdf": b"%PDF-1.4\n% slides\n",
    "assets/unused.txt": "not used by any page\n",
}
