#!/usr/bin/env python3
"""Renders what benches/pdf_render.rs renders with WeasyPrint and Typst, and
times it. pdf_render.rs writes the content (titles, the handout Markdown,
home practice, prompts, names, links, QR codes as SVG) to a JSON file and
runs:

    python3 benches/pdf_compare.py CONTENT.json

which prints one JSON object (the last line of stdout) with the timings.
Each engine and document is timed in its own Python process, so one run's
memory and caches do not colour the next, and that process's peak RSS is
reported too:

    python3 benches/pdf_compare.py CONTENT.json --one typst handout

What is timed is the engine only: HTML (or Typst markup) in, PDF bytes out.
Building the markup from the JSON, with the small Markdown converter below,
is done before the clock starts. Before the timed runs each process renders
the handout once, untimed, so lazy set-up (font loading, imports) is not
counted: attune's numbers come from Criterion after its warm-up too.

Typst memoises layout within a process (comemo; typst-py keeps what the last
10 compilations used), so compiling the identical source again is mostly
cache hits. Each timed Typst run therefore gets its own source, differing
only in an invisible `#set text(tracking: ...)` of a millionth of a point,
which is what rendering a new document costs. The cache-hit figure for the
identical source is reported separately as `repeat_median_ms`.

Needs: pip install weasyprint==70.0 typst==0.15.0 (either may be missing; its
column is then skipped, with this line in the output).
"""

import html
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time

ENGINES = ("typst", "weasyprint")
DOCS = ("handout", "plan", "packet")
PIP = {"typst": "pip install typst==0.15.0", "weasyprint": "pip install weasyprint==70.0"}


# --------------------------------------------------------------------------
# The Markdown subset the curricula use: ATX headings, paragraphs, bullet and
# numbered lists (one level), block quotes, **bold**, *italic* / _italic_.


def parse_markdown(text):
    """Blocks: ("h", level, inlines), ("p", inlines), ("ul", 0, [inlines]),
    ("ol", start, [inlines]), ("quote", blocks)."""
    blocks = []
    para = []
    items = None  # (kind, start, [lines of each item])
    quote = []

    def flush():
        nonlocal para, items, quote
        if para:
            blocks.append(("p", inlines(" ".join(para))))
            para = []
        if items is not None:
            kind, start, lines = items
            blocks.append((kind, start, [inlines(" ".join(l)) for l in lines]))
            items = None
        if quote:
            blocks.append(("quote", parse_markdown("\n".join(quote))))
            quote = []

    blank = False  # a blank line since the last text line
    for raw in text.splitlines():
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            blank = True
            if para or quote:
                flush()
            continue
        after_blank, blank = blank, False
        if stripped.startswith(">"):
            if not quote:
                flush()
            quote.append(stripped[1:].lstrip())
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*$", stripped)
        if m:
            flush()
            blocks.append(("h", len(m.group(1)), inlines(m.group(2))))
            continue
        bullet = re.match(r"^[-*+]\s+(.*)$", stripped)
        number = re.match(r"^(\d{1,9})[.)]\s+(.*)$", stripped)
        if bullet or number:
            kind = "ul" if bullet else "ol"
            text_ = bullet.group(1) if bullet else number.group(2)
            if items is None or items[0] != kind:
                flush()
                items = (kind, int(number.group(1)) if number else 1, [])
            items[2].append([text_])
            continue
        if items is not None and (not after_blank or raw.startswith((" ", "\t"))):
            # A continuation line of the last item (lazy, or indented).
            items[2][-1].append(stripped)
            continue
        if items is not None:
            flush()
        para.append(stripped)
    flush()
    return blocks


def inlines(text):
    """[(style, text)], style a subset of "bi"."""
    out = []
    bold = italic = False
    buf = ""
    i = 0
    while i < len(text):
        if text.startswith("**", i) or text.startswith("__", i):
            out.append((("b" if bold else "") + ("i" if italic else ""), buf))
            buf = ""
            bold = not bold
            i += 2
            continue
        c = text[i]
        if c in "*_" and (c == "*" or _word_boundary(text, i)):
            out.append((("b" if bold else "") + ("i" if italic else ""), buf))
            buf = ""
            italic = not italic
            i += 1
            continue
        if c == "\\" and i + 1 < len(text):
            buf += text[i + 1]
            i += 2
            continue
        buf += c
        i += 1
    out.append((("b" if bold else "") + ("i" if italic else ""), buf))
    return [(s, t) for s, t in out if t]


def _word_boundary(text, i):
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not (before.isalnum() and after.isalnum())


def plain(inl):
    return "".join(t for _, t in inl)


# --------------------------------------------------------------------------
# HTML for WeasyPrint.


def css_rgb(c):
    return "rgb({:.1f}%, {:.1f}%, {:.1f}%)".format(*(x * 100 for x in c))


def css_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def h_inlines(inl):
    out = []
    for style, text in inl:
        t = html.escape(text)
        if "i" in style:
            t = "<em>" + t + "</em>"
        if "b" in style:
            t = "<strong>" + t + "</strong>"
        out.append(t)
    return "".join(out)


def h_blocks(blocks, offset):
    out = []
    for b in blocks:
        if b[0] == "h":
            level = max(1, min(3, b[1] + offset))
            out.append("<h%d>%s</h%d>" % (level, html.escape(plain(b[2])), level))
        elif b[0] == "p":
            out.append("<p>%s</p>" % h_inlines(b[1]))
        elif b[0] == "ul":
            out.append("<ul>%s</ul>" % "".join("<li>%s</li>" % h_inlines(i) for i in b[2]))
        elif b[0] == "ol":
            out.append(
                '<ol start="%d">%s</ol>' % (b[1], "".join("<li>%s</li>" % h_inlines(i) for i in b[2]))
            )
        elif b[0] == "quote":
            out.append('<div class="box">%s</div>' % h_blocks(b[1], offset))
    return "".join(out)


def h_css(c, scale=1.0):
    p, col = c["page"], c["colors"]
    fonts = c["fonts_dir"]
    size = lambda pt: "%.2fpt" % (pt * scale)
    faces = [("DejaVuSans.ttf", "normal", "normal"), ("DejaVuSans-Bold.ttf", "bold", "normal"),
             ("DejaVuSans-Oblique.ttf", "normal", "italic")]
    css = "".join(
        '@font-face { font-family: "DejaVu Sans"; src: url("file://%s/%s"); '
        "font-weight: %s; font-style: %s }\n" % (fonts, f, w, s)
        for f, w, s in faces
    )
    furniture = "font-size: %s; color: %s;" % (size(p["furniture"]), css_rgb(col["muted"]))
    css += """
@page { size: %(w).3fpt %(h).3fpt; margin: %(mt)spt %(mx)spt %(mb)spt %(mx)spt;
  font-family: "DejaVu Sans";
  @top-left { content: string(header); %(f)s }
  @bottom-left { content: string(footer); %(f)s }
  @bottom-right { content: "Page " counter(page); %(f)s } }
@page :blank { @top-left { content: none } @bottom-left { content: none }
  @bottom-right { content: none } }
body { font-family: "DejaVu Sans"; font-size: %(body)s; line-height: %(lead)s;
  color: %(ink)s; margin: 0 }
p { margin: 0 0 %(pgap)s 0 }
h1, h2, h3 { color: %(accent)s; line-height: 1.25; margin: 0 0 4pt 0; break-after: avoid }
h1 { font-size: %(h1)s; margin-top: 16pt } h2 { font-size: %(h2)s; margin-top: 13pt }
h3 { font-size: %(h3)s; margin-top: 9pt }
ul, ol { margin: 0 0 6pt 0; padding-left: 16pt } li { margin-bottom: 2.5pt }
li p { margin: 0 }
.part { break-before: right }
.part:first-child { break-before: auto }
.muted { color: %(muted)s } .accent { color: %(accent)s }
.small { font-size: %(small)s }
.box { background: #f6f6f6; border: 0.8pt solid #8c8c8c; padding: 9pt; margin: 8pt 0 10pt 0 }
.box-title { font-weight: bold; color: %(accent)s; font-size: %(boxt)s; margin-bottom: 3pt }
.qr { display: flow-root; break-inside: avoid; margin: 6pt 0 10pt 0 }
.qr svg { float: left; width: %(qr)spt; height: %(qr)spt; margin-right: 14pt }
.wl { height: %(wl)spt; border-bottom: 0.5pt solid #9e9e9e; box-sizing: border-box; margin: 0 }
.prompt { font-weight: bold; margin-top: 6pt; break-after: avoid }
table { border-collapse: collapse; width: 100%%; font-size: %(table)s; line-height: 1.3;
  margin: 6pt 0 10pt 0 }
th, td { border: 0.6pt solid #737373; padding: 4pt; vertical-align: top; text-align: left }
th { background: #e6e6e6 } tr { break-inside: avoid }
""" % dict(
        w=p["width"], h=p["height"], mt=p["margin_top"], mx=p["margin_x"], mb=p["margin_bottom"],
        f=furniture, body=size(p["body"]), lead=p["leading"], ink=css_rgb(col["ink"]),
        muted=css_rgb(col["muted"]), accent=css_rgb(col["accent"]), pgap=size(p["body"] * 0.55),
        h1=size(p["headings"][0]), h2=size(p["headings"][1]), h3=size(p["headings"][2]),
        small=size(p["small"]), boxt=size(p["body"] + 1), qr=96, wl=p["writing_line"],
        table=size(p["body"] - 1.5),
    )
    return css


def h_strings(header, footer):
    return 'style="string-set: header %s, footer %s"' % (
        html.escape(css_string(header)), html.escape(css_string(footer)))


def h_handout_part(part, p):
    out = ['<section class="part" %s>' % h_strings(part["header"], part["footer"])]
    out.append("<h1>%s</h1>" % html.escape(part["title"]))
    out.append('<p class="muted">%s</p>' % html.escape(part["meta"]))
    qr = part["qr"]
    if qr:
        out.append('<div class="qr">%s<p><strong>%s</strong></p><p style="font-size: %spt">%s</p>'
                   '<p class="small accent">%s</p><p class="small muted"><em>%s</em></p></div>' % (
                       qr["svg"], html.escape(qr["lead"]), p["body"] - 1, html.escape(qr["explain"]),
                       html.escape(qr["link"]), html.escape(qr["keep"])))
    out.append(h_blocks(parse_markdown(part["markdown"]), 1))
    out.append('<div class="box"><p class="box-title">%s</p>%s</div>' % (
        html.escape(part["home_practice_title"]),
        h_blocks(parse_markdown(part["home_practice_markdown"]), 2)))
    if part["prompts"]:
        out.append("<h2>%s</h2>" % html.escape(part["reflections_heading"]))
        out.append('<p class="muted">%s</p>' % html.escape(part["reflections_intro"]))
        for prompt in part["prompts"]:
            out.append('<p class="prompt">%s</p>' % html.escape(prompt))
            out.append('<div class="wl"></div>' * part["writing_lines"])
    if part["lost_link"]:
        out.append('<hr><p class="small muted">%s</p>' % html.escape(part["lost_link"]))
    out.append("</section>")
    return "".join(out)


def h_page(title, css, body):
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>'
            "<style>%s</style></head><body>%s</body></html>" % (html.escape(title), css, body))


def html_handouts(c, doc):
    body = "".join(h_handout_part(part, c["page"]) for part in doc["parts"])
    return h_page(doc["title"], h_css(c), body)


def html_plan(c):
    d = c["plan"]
    out = ['<section class="part" %s>' % h_strings(d["header"], d["footer"])]
    out.append('<p class="muted">%s</p>' % html.escape(d["kicker"]))
    out.append("<h1>%s</h1>" % html.escape(d["heading"]))
    out.append('<p class="muted"><strong>%s</strong>%s<br>%s</p>' % (
        html.escape(d["meta_bold"]), html.escape(d["meta_rest"]), html.escape(d["facilitators"])))
    out.append("<h2>%s</h2><ul>%s</ul>" % (
        html.escape(d["objectives_heading"]),
        "".join("<li>%s</li>" % html.escape(o) for o in d["objectives"])))
    out.append("<h2>%s</h2>" % html.escape(d["agenda_heading"]))
    total = sum(w for _, w in d["columns"])
    cols = "".join('<col style="width: %.1f%%">' % (100 * w / total) for _, w in d["columns"])
    head = "".join("<th>%s</th>" % html.escape(t) for t, _ in d["columns"])
    rows = []
    for time_, length, kind, title, notes in d["agenda"]:
        what = "<strong>%s</strong>" % html.escape(title) if title else ""
        if notes:
            what += "<br>" + html.escape(notes)
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
            html.escape(time_), html.escape(length), html.escape(kind), what))
    out.append("<table><colgroup>%s</colgroup><thead><tr>%s</tr></thead><tbody>%s</tbody></table>"
               % (cols, head, "".join(rows)))
    for heading, items, tag in ((d["materials_heading"], d["materials"], "ul"),
                                (d["discussion_heading"], d["discussion"], "ol")):
        out.append("<h2>%s</h2><%s>%s</%s>" % (
            html.escape(heading), tag, "".join("<li>%s</li>" % html.escape(i) for i in items), tag))
    out.append("<h2>%s</h2>" % html.escape(d["home_practice_heading"]))
    out.append(h_blocks(parse_markdown(d["home_practice_markdown"]), 2))
    out.append("<h2>%s</h2><ul>%s</ul>" % (
        html.escape(d["reflections_heading"]),
        "".join("<li>%s</li>" % html.escape(r) for r in d["reflections"])))
    out.append("<h2>%s</h2>" % html.escape(d["notes_heading"]))
    out.append(h_blocks(parse_markdown(d["notes_markdown"]), 1))
    out.append("</section>")
    return h_page(d["title"], h_css(c, d["scale"]), "".join(out))


# --------------------------------------------------------------------------
# Typst markup. Text is escaped character by character (every ASCII
# punctuation mark gets a backslash), so nothing in the content is markup.

_PUNCT = re.compile(r"([\\/\[\]{}#~*_`$=<>@\"'+\-.:;!?%&|^,()])")


def t_text(s):
    return _PUNCT.sub(r"\\\1", s).replace("\n", " ")


def t_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def t_inlines(inl):
    out = []
    for style, text in inl:
        t = t_text(text)
        if "i" in style:
            t = "#emph[" + t + "]"
        if "b" in style:
            t = "#strong[" + t + "]"
        out.append(t)
    return "".join(out)


def t_heading(level, text):
    return "\n" + "=" * level + " " + t_text(text) + "\n"


def t_list(kind, start, items):
    body = ", ".join("[" + i + "]" for i in items)
    if kind == "ol":
        return "\n#enum(start: %d, %s)\n" % (start, body)
    return "\n#list(%s)\n" % body


def t_blocks(blocks, offset):
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append(t_heading(max(1, min(3, b[1] + offset)), plain(b[2])))
        elif b[0] == "p":
            out.append("\n" + t_inlines(b[1]) + "\n")
        elif b[0] in ("ul", "ol"):
            out.append(t_list(b[0], b[1], [t_inlines(i) for i in b[2]]))
        elif b[0] == "quote":
            out.append("\n#boxed[%s]\n" % t_blocks(b[1], offset))
    return "".join(out)


def t_preamble(c, title, scale=1.0):
    p, col = c["page"], c["colors"]
    s = lambda pt: "%.2fpt" % (pt * scale)
    rgb = lambda x: "rgb(%s)" % ", ".join("%.1f%%" % (v * 100) for v in x)
    return """#set document(title: %(title)s)
#let ink = %(ink)s
#let muted = %(muted)s
#let accent = %(accent)s
#set page(width: %(w).3fpt, height: %(h).3fpt,
  margin: (x: %(mx)spt, top: %(mt)spt, bottom: %(mb)spt))
// Lines as far apart as attune's (1.4 em; Typst measures DejaVu's
// ascender to descender as 1 em) and the same 0.55 em between paragraphs.
#set text(font: "DejaVu Sans", size: %(body)s, fill: ink, lang: "en",
  top-edge: "ascender", bottom-edge: "descender")
#set par(leading: 0.4em, spacing: 0.95em)
#set list(spacing: 0.95em)
#set enum(spacing: 0.95em)
#show heading: set text(fill: accent)
#show heading: set par(leading: 0.25em)
#show heading.where(level: 1): set block(above: 16pt, below: 6pt)
#show heading.where(level: 2): set block(above: 13pt, below: 6pt)
#show heading.where(level: 3): set block(above: 9pt, below: 6pt)
#show heading.where(level: 1): set text(size: %(h1)s)
#show heading.where(level: 2): set text(size: %(h2)s)
#show heading.where(level: 3): set text(size: %(h3)s)
#let boxed(body) = block(width: 100%%, fill: luma(246), stroke: 0.8pt + luma(140),
  inset: 9pt, breakable: true, above: 10pt, below: 12pt, body)
#let lines(n) = for _ in range(n) {
  block(width: 100%%, height: %(wl)spt, spacing: 0pt, stroke: (bottom: 0.5pt + luma(158)))
}
#let furniture(header, footer, end) = (
  header: text(size: %(fur)s, fill: muted, header),
  footer: context text(size: %(fur)s, fill: muted, grid(columns: (1fr, auto), footer,
    [Page #counter(page).get().first() of #counter(page).at(end).first()])),
)
""" % dict(
        title=t_str(title), ink=rgb(col["ink"]), muted=rgb(col["muted"]),
        accent=rgb(col["accent"]), w=p["width"], h=p["height"], mx=p["margin_x"],
        mt=p["margin_top"], mb=p["margin_bottom"], body=s(p["body"]), h1=s(p["headings"][0]),
        h2=s(p["headings"][1]), h3=s(p["headings"][2]), wl=p["writing_line"],
        fur=s(p["furniture"]),
    )


def t_part_start(k, header, footer):
    return ("\n#pagebreak(weak: true, to: \"odd\")\n"
            "#set page(..furniture([%s], [%s], <end-%d>))\n#counter(page).update(1)\n"
            % (t_text(header), t_text(footer), k))


def t_handout_part(k, part, p):
    out = [t_part_start(k, part["header"], part["footer"])]
    out.append(t_heading(1, part["title"]))
    out.append("\n#text(fill: muted)[%s]\n" % t_text(part["meta"]))
    qr = part["qr"]
    if qr:
        out.append(
            "\n#block(breakable: false, above: 6pt, below: 10pt, grid(columns: (%spt, 1fr), "
            "column-gutter: 14pt, image(bytes(%s), format: \"svg\", width: %spt), [\n"
            "#strong[%s]\n\n#text(size: %spt)[%s]\n\n#text(size: %spt, fill: accent)[%s]\n\n"
            "#text(size: %spt, fill: muted)[#emph[%s]]\n]))\n" % (
                qr["size"], t_str(qr["svg"]), qr["size"], t_text(qr["lead"]), p["body"] - 1,
                t_text(qr["explain"]), p["small"], t_text(qr["link"]), p["small"],
                t_text(qr["keep"])))
    out.append(t_blocks(parse_markdown(part["markdown"]), 1))
    out.append("\n#boxed[#text(size: %spt, weight: \"bold\", fill: accent)[%s]\n%s]\n" % (
        p["body"] + 1, t_text(part["home_practice_title"]),
        t_blocks(parse_markdown(part["home_practice_markdown"]), 2)))
    if part["prompts"]:
        out.append(t_heading(2, part["reflections_heading"]))
        out.append("\n#text(fill: muted)[%s]\n" % t_text(part["reflections_intro"]))
        for prompt in part["prompts"]:
            out.append("\n#block(above: 12pt, below: 4pt, sticky: true, strong[%s])\n#lines(%d)\n"
                       % (t_text(prompt), part["writing_lines"]))
    if part["lost_link"]:
        out.append("\n#line(length: 100%%)\n#text(size: %spt, fill: muted)[%s]\n"
                   % (p["small"] + 0.5, t_text(part["lost_link"])))
    out.append("\n#metadata(none) <end-%d>\n" % k)
    return "".join(out)


def typst_handouts(c, doc):
    return t_preamble(c, doc["title"]) + "".join(
        t_handout_part(k, part, c["page"]) for k, part in enumerate(doc["parts"]))


def typst_plan(c):
    d = c["plan"]
    out = [t_preamble(c, d["title"], d["scale"]), t_part_start(0, d["header"], d["footer"])]
    out.append("\n#text(fill: muted)[%s]\n" % t_text(d["kicker"]))
    out.append(t_heading(1, d["heading"]))
    out.append("\n#text(fill: muted)[#strong[%s]%s \\ %s]\n" % (
        t_text(d["meta_bold"]), t_text(d["meta_rest"]), t_text(d["facilitators"])))
    out.append(t_heading(2, d["objectives_heading"]))
    out.append(t_list("ul", 1, [t_text(o) for o in d["objectives"]]))
    out.append(t_heading(2, d["agenda_heading"]))
    cells = []
    for time_, length, kind, title, notes in d["agenda"]:
        what = ("#strong[%s]" % t_text(title)) if title else ""
        if notes:
            what += " \\ " + t_text(notes)
        cells.extend("[%s]" % x for x in (t_text(time_), t_text(length), t_text(kind), what))
    out.append(
        "\n#text(size: %.2fpt, table(columns: (%s), inset: 4pt, stroke: 0.6pt + luma(115),\n"
        "fill: (x, y) => if y == 0 { luma(230) },\ntable.header(%s),\n%s))\n" % (
            (c["page"]["body"] - 1.5) * d["scale"],
            ", ".join("%sfr" % w for _, w in d["columns"]),
            ", ".join("[#strong[%s]]" % t_text(t) for t, _ in d["columns"]),
            ",\n".join(cells)))
    out.append(t_heading(2, d["materials_heading"]))
    out.append(t_list("ul", 1, [t_text(m) for m in d["materials"]]))
    out.append(t_heading(2, d["discussion_heading"]))
    out.append(t_list("ol", 1, [t_text(q) for q in d["discussion"]]))
    out.append(t_heading(2, d["home_practice_heading"]))
    out.append(t_blocks(parse_markdown(d["home_practice_markdown"]), 2))
    out.append(t_heading(2, d["reflections_heading"]))
    out.append(t_list("ul", 1, [t_text(r) for r in d["reflections"]]))
    out.append(t_heading(2, d["notes_heading"]))
    out.append(t_blocks(parse_markdown(d["notes_markdown"]), 1))
    out.append("\n#metadata(none) <end-0>\n")
    return "".join(out)


# --------------------------------------------------------------------------
# Timing.


def source(engine, c, doc):
    if engine == "typst":
        return typst_plan(c) if doc == "plan" else typst_handouts(c, c[doc])
    return html_plan(c) if doc == "plan" else html_handouts(c, c[doc])


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def one(engine, doc, c):
    """Times one engine on one document, in this process."""
    runs = c["runs"][engine][doc]
    src = source(engine, c, doc)
    warm = source(engine, c, "handout")
    result = {"engine": engine, "doc": doc}
    if engine == "typst":
        import typst

        result["version"] = "typst-py " + typst.__version__
        fonts = [c["fonts_dir"]]

        def render(s):
            return typst.compile(s.encode("utf-8"), font_paths=fonts, ignore_system_fonts=True)

        # A new document each run: see the module's docstring.
        variant = lambda i: "#set text(tracking: %.6fpt)\n" % ((i + 1) * 1e-6) + src
    else:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        result["version"] = "weasyprint " + weasyprint.__version__
        font_config = FontConfiguration()
        base = "file://" + c["fonts_dir"] + "/"

        def render(s):
            return weasyprint.HTML(string=s, base_url=base).write_pdf(font_config=font_config)

        variant = lambda i: src

    render(warm)
    result["rss_before_mb"] = peak_rss_mb()
    times = []
    pdf = b""
    for i in range(runs):
        s = variant(i)
        t = time.perf_counter()
        pdf = render(s)
        times.append((time.perf_counter() - t) * 1000.0)
    result["peak_rss_mb"] = peak_rss_mb()
    if engine == "typst" and doc != "packet":
        again = []
        for _ in range(runs):
            t = time.perf_counter()
            render(src)
            again.append((time.perf_counter() - t) * 1000.0)
        result["repeat_median_ms"] = sorted(again)[len(again) // 2]
    with open(os.path.join(c["out_dir"], "%s-%s.pdf" % (engine, doc)), "wb") as f:
        f.write(pdf)
    with open(os.path.join(c["out_dir"], "%s-%s.%s" % (engine, doc, "typ" if engine == "typst"
                                                          else "html")), "w") as f:
        f.write(src)
    times.sort()
    result.update(runs=runs, median_ms=times[len(times) // 2], min_ms=times[0],
                  max_ms=times[-1], bytes=len(pdf))
    return result


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    with open(args[0], encoding="utf-8") as f:
        c = json.load(f)
    if len(args) == 4 and args[1] == "--one":
        print(json.dumps(one(args[2], args[3], c)))
        return
    out = {}
    for engine in ENGINES:
        if importlib.util.find_spec(engine) is None:
            out[engine] = {"skipped": "not installed: " + PIP[engine]}
            print("pdf_compare: %s is not installed; %s" % (engine, PIP[engine]), file=sys.stderr)
            continue
        out[engine] = {}
        for doc in DOCS:
            if engine == "weasyprint" and doc == "packet" and c.get("skip_weasyprint_packet"):
                out[engine][doc] = {"skipped": "BENCH_WEASYPRINT_PACKET=0"}
                continue
            print("pdf_compare: %s %s, %d run(s)..." % (engine, doc, c["runs"][engine][doc]),
                  file=sys.stderr, flush=True)
            t = time.perf_counter()
            p = subprocess.run([sys.executable, __file__, args[0], "--one", engine, doc],
                               capture_output=True, text=True)
            if p.returncode != 0:
                out[engine][doc] = {"skipped": "failed: " + p.stderr.strip()[-400:]}
                print("pdf_compare: %s %s failed:\n%s" % (engine, doc, p.stderr), file=sys.stderr)
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            out[engine][doc] = r
            out[engine]["version"] = r["version"]
            print("pdf_compare: %s %s: median %.1f ms (%.0f s in all)"
                  % (engine, doc, r["median_ms"], time.perf_counter() - t),
                  file=sys.stderr, flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
