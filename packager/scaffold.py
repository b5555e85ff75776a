"""``qser new``: a small complete course to start from, in the author's languages.

It has one item of each kind a first course needs (a page with an image and a callout, a
label, a quiz, the Q-SER screener with its five questions, worded as in ``content/``), passes
``qser check --strict`` and builds every target. Texts exist in English, Greek and Spanish;
another language gets the English text to translate. Each default-language file names its
JSON Schema (``qser schema``) for the YAML language server, from ``.qser/schema/``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path
from typing import Any

import yaml

from .source.json_schema import KINDS, json_schema

SCHEMA_DIR = ".qser/schema"


class T(dict):
    """One translatable text: language code -> wording ("en" is required)."""

    def __init__(self, en: str, el: str = "", es: str = ""):
        super().__init__({k: v for k, v in {"en": en, "el": el, "es": es}.items() if v})


SECTION = "01-first-steps"
IMAGE = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 60" role="img"><rect width="120" height="60" rx="8" fill="#e8f0fb"/><circle cx="30" cy="30" r="16" fill="#0b5cad"/><rect x="56" y="22" width="50" height="16" rx="4" fill="#b8860b"/></svg>\n"""

COURSE = {
    "front": {"title": T("My first course", "Το πρώτο μου μάθημα", "Mi primer curso"),
              "summary": T("A course made with qser.", "Ένα μάθημα φτιαγμένο με το qser.", "Un curso hecho con qser.")},
    "body": T(f"Welcome. Start with [the first section]({SECTION}/index.md).\n",
              f"Καλώς ήρθατε. Ξεκινήστε από [την πρώτη ενότητα]({SECTION}/index.md).\n",
              f"Bienvenida. Empiece por [la primera sección]({SECTION}/index.md).\n"),
}

FILES: dict[str, dict[str, Any]] = {
    f"{SECTION}/index.md": {
        "kind": "section",
        "front": {"title": T("First steps", "Πρώτα βήματα", "Primeros pasos"),
                  "summary": T("What this section covers.", "Τι καλύπτει η ενότητα.", "Qué trata esta sección.")},
        "body": T("Read the page, then check what you learnt.\n", "Διαβάστε τη σελίδα και ελέγξτε τι μάθατε.\n",
                  "Lea la página y compruebe lo que ha aprendido.\n"),
    },
    f"{SECTION}/01-welcome.md": {
        "kind": "item",
        "front": {"title": T("Welcome", "Καλώς ήρθατε", "Bienvenida"),
                  "summary": T("How this course works.", "Πώς λειτουργεί το μάθημα.", "Cómo funciona el curso.")},
        "body": T(
            "## How it works\n\n![A blue circle beside a gold bar](../assets/welcome.svg)\n\n"
            "> [!TIP]\n> Write pages in Markdown; `qser preview` shows them as you save.\n",
            "## Πώς λειτουργεί\n\n![Ένας μπλε κύκλος δίπλα σε μια χρυσή μπάρα](../assets/welcome.svg)\n\n"
            "> [!TIP]\n> Γράψτε τις σελίδες σε Markdown· το `qser preview` τις δείχνει μόλις αποθηκεύσετε.\n",
            "## Cómo funciona\n\n![Un círculo azul junto a una barra dorada](../assets/welcome.svg)\n\n"
            "> [!TIP]\n> Escriba las páginas en Markdown; `qser preview` las muestra al guardar.\n",
        ),
    },
    f"{SECTION}/02-remember.md": {
        "kind": "item",
        "front": {"type": "label", "title": T("Remember", "Θυμηθείτε", "Recuerde")},
        "body": T("Take notes as you go.\n", "Κρατάτε σημειώσεις καθώς προχωράτε.\n", "Tome notas a medida que avanza.\n"),
    },
    f"{SECTION}/03-check.md": {
        "kind": "item",
        "front": {
            "type": "quiz",
            "title": T("Check what you learnt", "Ελέγξτε τι μάθατε", "Compruebe lo que ha aprendido"),
            "pass_percent": 50,
            "questions": [{
                "id": "format",
                "prompt": T("In which format are the pages written?", "Σε ποια μορφή γράφονται οι σελίδες;", "¿En qué formato se escriben las páginas?"),
                "choices": [
                    {"text": T("Markdown"), "correct": True, "feedback": T("Right.", "Σωστά.", "Correcto.")},
                    {"text": T("A word-processor file", "Αρχείο επεξεργαστή κειμένου", "Un archivo de procesador de textos")},
                ],
            }],
        },
        "body": T("One question.\n", "Μία ερώτηση.\n", "Una pregunta.\n"),
    },
    f"{SECTION}/04-screener.md": {
        "kind": "item",
        "front": {
            "type": "screener",
            "title": T("Case-study screener", "Έλεγχος καταλληλότητας μελέτης περίπτωσης", "Cribado de estudios de caso"),
            "threshold": 4,
            "questions": [
                {"id": "recurring", "text": T("Is this a reoccurring issue within the department?",
                                              "Πρόκειται για ζήτημα που επανεμφανίζεται στο τμήμα;",
                                              "¿Se trata de un problema que se repite en el departamento?")},
                {"id": "recordable", "text": T("Can this issue be recorded, and a written solution be provided / be distributed?",
                                               "Μπορεί το ζήτημα να καταγραφεί και να δοθεί ή να διανεμηθεί γραπτή λύση;",
                                               "¿Se puede registrar el problema y ofrecer o difundir una solución por escrito?")},
                {"id": "other-departments", "text": T("Is this issue identified in other departments?",
                                                      "Έχει εντοπιστεί το ζήτημα και σε άλλα τμήματα;",
                                                      "¿Se ha detectado este problema también en otros departamentos?")},
                {"id": "service-change", "text": T("If this issue is resolved, will it bring about a change in how customer service is provided?",
                                                   "Αν επιλυθεί το ζήτημα, θα αλλάξει ο τρόπος με τον οποίο εξυπηρετείται το κοινό;",
                                                   "Si se resuelve el problema, ¿cambiará la forma de atender al público?")},
                {"id": "mutual-benefit", "text": T("Does the case-study bring benefits for both the staff member and the organisation?",
                                                   "Ωφελεί η μελέτη περίπτωσης τόσο τον εργαζόμενο όσο και τον οργανισμό;",
                                                   "¿Aporta el estudio de caso beneficios tanto a la persona empleada como a la organización?")},
            ],
            "suitable": T("Four or more answers are \"yes\": this case study is suitable.",
                          "Τέσσερις ή περισσότερες απαντήσεις είναι «ναι»: η μελέτη περίπτωσης είναι κατάλληλη.",
                          "Cuatro o más respuestas son «sí»: este estudio de caso es adecuado."),
            "unsuitable": T("Fewer than four answers are \"yes\". Please find another case study.",
                            "Λιγότερες από τέσσερις απαντήσεις είναι «ναι». Βρείτε μια άλλη μελέτη περίπτωσης.",
                            "Menos de cuatro respuestas son «sí». Busque otro estudio de caso."),
            "summary_fields": [
                {"id": "title", "label": T("Case study title / issue identified", "Τίτλος μελέτης περίπτωσης / ζήτημα που εντοπίστηκε",
                                           "Título del estudio de caso / problema detectado"), "max_length": 150},
                {"id": "background", "label": T("Problem background", "Ιστορικό του προβλήματος", "Antecedentes del problema"),
                 "kind": "textarea", "max_length": 800},
            ],
        },
        "body": T("Think of one real situation from your own service and answer each question.\n",
                  "Σκεφτείτε μια πραγματική κατάσταση από την υπηρεσία σας και απαντήστε σε κάθε ερώτηση.\n",
                  "Piense en una situación real de su servicio y responda a cada pregunta.\n"),
    },
}


def slug_of(folder: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    return slug if re.match(r"^[a-z0-9]", slug) else f"course-{slug}".rstrip("-")


def scaffold(target: Path, languages: tuple[str, ...], today: _dt.date | None = None) -> list[Path]:
    """Write the starter course into ``target`` (which must be empty or absent)."""
    default = languages[0]
    settings = {"shortname": slug_of(target), "languages": list(languages), "version": "0.1", "license": "CC-BY-4.0",
                "authors": ["Your name"], "date": (today or _dt.date.today()).isoformat(),
                "lti": {"url": "http://127.0.0.1:9001/", "name": "Q-SER case-study screener"}}
    course = {"kind": "course", "front": {**COURSE["front"], **settings}, "body": COURSE["body"]}
    files = {"course.md": course, **FILES}
    written = []
    for rel, spec in files.items():
        for lang in languages:
            front = spec["front"] if lang == default else _translatable(spec["front"])
            name = rel if lang == default else rel.replace(".md", f".{lang}.md")
            schema = _schema_line(rel, spec["kind"]) if lang == default else ""
            written.append(_write(target / name, schema + _dump(_pick(front, lang)), _pick(spec["body"], lang)))
    written.append(_write_bytes(target / "assets/welcome.svg", IMAGE.encode()))
    for kind in KINDS:
        written.append(_write_bytes(target / SCHEMA_DIR / f"{kind}.json", (json.dumps(json_schema(kind), indent=2) + "\n").encode()))
    return written


def _schema_line(rel: str, kind: str) -> str:
    up = "../" * rel.count("/")
    return f"# yaml-language-server: $schema={up}{SCHEMA_DIR}/{kind}.json\n"


def _pick(node: Any, lang: str) -> Any:
    """The course in one language: each text in ``lang``, else in English."""
    if isinstance(node, T):
        return node.get(lang, node["en"])
    if isinstance(node, dict):
        return {k: _pick(v, lang) for k, v in node.items()}
    if isinstance(node, list):
        return [_pick(v, lang) for v in node]
    return node


def _translatable(node: Any) -> Any:
    """What a translation file carries: the texts, and list entries kept in place."""
    if isinstance(node, T):
        return node
    if isinstance(node, dict):
        kept = {k: _translatable(v) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v is not None} or None
    if isinstance(node, list):
        return [_translatable(v) or {} for v in node] if any(_translatable(v) for v in node) else None
    return None


def _dump(front: dict) -> str:
    return yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)


def _write(path: Path, front: str, body: str) -> Path:
    return _write_bytes(path, f"---\n{front}---\n{body}".encode())


def _write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
