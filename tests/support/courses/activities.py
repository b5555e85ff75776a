"""A course with one item of every type for the Moodle backup tests (``synth``): real PNGs,
a PDF, a non-ASCII asset name, both languages."""

import struct
import zlib

TOOL = "https://tool.example.org/qser/"


def png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 1x1 PNG (a real image, so a real file type reaches files.xml)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00" + bytes(rgb)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


SYNTHETIC = {
    "course.md": """
        ---
        title: Synthetic course for every item type
        shortname: synth
        languages: [en, el]
        version: "2.0"
        license: CC-BY-4.0
        authors: [Test Author]
        date: 2026-03-01
        summary: A course that uses every feature.
        lti:
          url: https://tool.example.org/qser/
        ---
        Welcome. Start with [the welcome page](01-intro/01-welcome.md).
        """,
    "course.el.md": """
        ---
        title: Συνθετικό μάθημα
        summary: Ένα μάθημα με όλα τα χαρακτηριστικά.
        ---
        Καλώς ήρθατε.
        """,
    "01-intro/index.md": """
        ---
        title: Introduction
        summary: Getting started.
        ---
        The section map: ![Section map](../assets/map.png)
        """,
    "01-intro/index.el.md": """
        ---
        title: Εισαγωγή
        ---
        Ο χάρτης της ενότητας: ![Χάρτης](../assets/map.png)
        """,
    "01-intro/01-welcome.md": """
        ---
        title: Welcome page
        summary: What the course is about.
        ---
        ## Welcome

        ![A red dot](../assets/pic.png) and ![A plan](<../assets/été plan.png>)

        Go to [the check](../02-practice/02-check.md), to [the practice section](../02-practice/index.md#start),
        to [the note](02-note.md), read [the handout](../assets/handout.pdf) or go [home](../course.md).

        A phrase in French: <span lang="fr">bonjour</span>.[^1]

        [^1]: A footnote.
        """,
    "01-intro/01-welcome.el.md": """
        ---
        title: Σελίδα καλωσορίσματος
        summary: Τι αφορά το μάθημα.
        ---
        ## Καλώς ήρθατε

        ![Μια κόκκινη κουκκίδα](../assets/pic.png)
        """,
    "01-intro/02-note.md": """
        ---
        type: label
        title: A note
        ---
        Remember to take notes. This label has no Greek translation.
        """,
    "01-intro/03-site.md": """
        ---
        type: url
        title: Project website
        url: https://example.org/q-ser?lang=en&x=1
        summary: The project's public website.
        ---
        Opens the project website.
        """,
    "01-intro/03-site.el.md": """
        ---
        title: Ιστότοπος έργου
        ---
        Ανοίγει τον ιστότοπο.
        """,
    "01-intro/04-handout.md": """
        ---
        type: file
        title: Handout
        file: ../assets/handout.pdf
        ---
        The printable handout.
        """,
    "02-practice/index.md": """
        ---
        title: Practice
        ---
        Practise what you learnt.

        ## Start
        """,
    "02-practice/01-screener.md": """
        ---
        type: screener
        title: Screener
        threshold: 2
        questions:
          - id: one
            text: First question?
          - id: two
            text: Second question?
          - id: three
            text: Third question?
        suitable: Suitable.
        unsuitable: Not suitable.
        summary_fields:
          - id: name
            label: Name
        ---
        Answer yes or no.
        """,
    "02-practice/02-check.md": """
        ---
        type: quiz
        title: Check your understanding
        pass_percent: 60
        questions:
          - id: single-one
            prompt: Which colour is the dot? ![dot](../assets/pic.png)
            choices:
              - text: Red
                correct: true
                feedback: Yes, red.
              - text: Blue
                feedback: No, look again.
            feedback:
              correct: Well done.
              incorrect: Look at the picture.
          - id: many
            type: multiple
            points: 2
            prompt: Which are *even*?
            choices:
              - text: "2"
                correct: true
              - text: "4"
                correct: true
              - text: "5"
              - text: "6"
                correct: true
        ---
        Two questions.
        """,
    "02-practice/02-check.el.md": """
        ---
        title: Ελέγξτε την κατανόησή σας
        questions:
          - prompt: Τι χρώμα έχει η κουκκίδα;
            choices:
              - text: Κόκκινο
                feedback: Ναι.
              - text: Μπλε
                feedback: Όχι.
            feedback:
              correct: Μπράβο.
              incorrect: Δείτε την εικόνα.
          - prompt: Ποιοι είναι άρτιοι;
            choices:
              - text: "2"
              - text: "4"
              - text: "5"
              - text: "6"
        ---
        Δύο ερωτήσεις.
        """,
    "assets/pic.png": png((200, 0, 0)),
    "assets/map.png": png((0, 120, 0)),
    "assets/été plan.png": png((0, 0, 200)),
    "assets/handout.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
}
