"""The smallest complete course: two languages, a section with a page, a screener-free
build every target accepts."""

MINI_COURSE = {
    "course.md": """
        ---
        title: Mini course
        shortname: mini
        languages: [en, el]
        version: "1.0"
        license: CC-BY-4.0
        authors: [Test Author]
        date: 2026-01-15
        lti:
          url: https://tool.example.org/
        ---
        Welcome to the mini course. Start with [the first page](01-basics/01-first.md).
        """,
    "course.el.md": """
        ---
        title: Μικρό μάθημα
        ---
        Καλώς ήρθατε. Ξεκινήστε από [την πρώτη σελίδα](01-basics/01-first.md).
        """,
    "01-basics/index.md": """
        ---
        title: Basics
        summary: The first steps.
        ---
        What this section covers.
        """,
    "01-basics/index.el.md": """
        ---
        title: Βασικά
        summary: Τα πρώτα βήματα.
        ---
        Τι καλύπτει η ενότητα.
        """,
    "01-basics/01-first.md": """
        ---
        title: First page
        ---
        ## A heading

        Text with an image ![A blue circle](../assets/circle.svg) and a [link back](../course.md).

        | a | b |
        |---|---|
        | 1 | 2 |
        """,
    "01-basics/01-first.el.md": """
        ---
        title: Πρώτη σελίδα
        ---
        ## Επικεφαλίδα

        Κείμενο με εικόνα ![Ένας μπλε κύκλος](../assets/circle.svg).
        """,
    "01-basics/02-note.md": """
        ---
        type: label
        title: A note
        ---
        Remember to take notes.
        """,
    "01-basics/02-note.el.md": """
        ---
        title: Σημείωση
        ---
        Κρατήστε σημειώσεις.
        """,
    "assets/circle.svg": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="#0b5cad"/></svg>\n',
}
