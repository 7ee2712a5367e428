"""Build zhifa/cases/forms/document.docx, the docxtpl template every form is rendered from.

Agencies may replace the file with their own house layout in Word, keeping the Jinja tags
({{ agency }}, {{ title }}, {{ number }}, the {%tr for row in rows %} table and {{ issued }}).
Run: .venv/bin/python scripts/make_docx_template.py
"""

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "zhifa" / "cases" / "forms" / "document.docx"

doc = Document()
style = doc.styles["Normal"]
style.font.name = "SimSun"
style.font.size = Pt(12)
style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
for text, size in (("{{ agency }}", 16), ("{{ title }}", 22)):
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run(text)
    run.bold = True
    run.font.size = Pt(size)
p = doc.add_paragraph("{{ number }}")
p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
table = doc.add_table(rows=3, cols=2)
table.style = "Table Grid"
table.cell(0, 0).text = "{%tr for row in rows %}"
table.cell(1, 0).text = "{{ row.label }}"
table.cell(1, 1).text = "{{ row.value }}"
table.cell(2, 0).text = "{%tr endfor %}"
doc.add_paragraph("")
p = doc.add_paragraph("{{ issued }}")
p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
OUT.parent.mkdir(parents=True, exist_ok=True)
doc.save(OUT)
print(OUT)
