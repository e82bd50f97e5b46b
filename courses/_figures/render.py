"""Render the teaching diagrams of the bundled courses to small palette PNGs.

Run from the repository root:  .venv/bin/python courses/_figures/render.py [OUT_DIR]
Every figure is drawn from the data in this file with Pillow and the DejaVu fonts in
static/fonts, so the output is the same on every run (no dates, no randomness); commit the
PNGs it writes into each course's modules/img/ folder together with any change here.
Folders starting with "_" are not course folders, so `flask courses check` skips this one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
COURSES = HERE.parent
FONTS = COURSES.parent / "static" / "fonts"

INK = (33, 37, 41)
GREY = (108, 117, 125)
LIGHT = (241, 243, 245)
BLUE = (13, 71, 161)
BLUE_BG = (227, 238, 252)
RED = (198, 40, 40)
RED_BG = (253, 232, 232)
GREEN = (27, 94, 32)
GREEN_BG = (232, 245, 233)
AMBER = (230, 126, 0)
AMBER_BG = (255, 243, 224)
ORANGE = (245, 124, 0)
WHITE = (255, 255, 255)


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONTS / name), size)


def wrap(draw: ImageDraw.ImageDraw, text: str, fnt, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(), ""
        for word in words:
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=fnt) <= width:
                line = trial
            else:
                if line:
                    lines.append(line)
                line = word
        lines.append(line)
    return lines


def box(draw, xy, text, fill=LIGHT, outline=GREY, size=15, bold=False, color=INK, width=2,
        align="center"):
    x0, y0, x1, y1 = xy
    draw.rounded_rectangle(xy, radius=8, fill=fill, outline=outline, width=width)
    fnt = font(size, bold)
    lines = wrap(draw, text, fnt, x1 - x0 - 16)
    line_h = size + 5
    y = (y0 + y1) / 2 - len(lines) * line_h / 2
    for line in lines:
        w = draw.textlength(line, font=fnt)
        x = (x0 + x1 - w) / 2 if align == "center" else x0 + 10
        draw.text((x, y), line, font=fnt, fill=color)
        y += line_h


def text(draw, xy, s, size=15, bold=False, color=INK, anchor="la"):
    draw.text(xy, s, font=font(size, bold), fill=color, anchor=anchor)


def arrow(draw, start, end, color=GREY, width=3, label=None, label_side=1):
    draw.line([start, end], fill=color, width=width)
    (x0, y0), (x1, y1) = start, end
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    head = [(x1, y1), (x1 - 12 * ux + 6 * uy, y1 - 12 * uy - 6 * ux),
            (x1 - 12 * ux - 6 * uy, y1 - 12 * uy + 6 * ux)]
    draw.polygon(head, fill=color)
    if label:
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        if y0 == y1:  # horizontal: the label sits above the line
            text(draw, (mx, my - 6), label, size=14, bold=True, color=color, anchor="md")
        else:
            text(draw, (mx + 8 * label_side, my), label, size=14, bold=True, color=color,
                 anchor="lm" if label_side > 0 else "rm")


def save(image: Image.Image, path: Path, colors: int = 32) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    small = image.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, format="PNG", optimize=True)


def canvas(width: int, height: int, title: str):
    image = Image.new("RGB", (width, height), WHITE)
    draw = ImageDraw.Draw(image)
    text(draw, (20, 16), title, size=20, bold=True)
    return image, draw


# --- customs course ---------------------------------------------------------------------------

def waste_decision_tree(out: Path) -> None:
    image, draw = canvas(980, 700, "Is it a waste? Is it controlled by the Basel Convention?")
    q = dict(fill=BLUE_BG, outline=BLUE)
    yes = dict(fill=RED_BG, outline=RED)
    no = dict(fill=GREEN_BG, outline=GREEN)
    box(draw, (30, 60, 430, 130), "1. Is it disposed of, intended to be disposed of, or required by law "
        "to be disposed of? (recycling and recovery count: Annex IV, R codes)", **q)
    box(draw, (560, 60, 950, 130), "Not a waste: a product or used goods. Check chemicals law "
        "(Rotterdam, Stockholm) and e-waste reuse criteria", **no)
    arrow(draw, (430, 95), (560, 95), label="No", color=GREEN)
    box(draw, (30, 175, 430, 245), "2. Is it in Annex VIII (List A)?\n"
        "e.g. A1160 lead-acid batteries, A1181 hazardous e-waste, A3210 hazardous plastics", **q)
    arrow(draw, (230, 130), (230, 175), label="Yes", color=RED)
    box(draw, (560, 175, 950, 245), "Presumed HAZARDOUS: prior informed consent "
        "(Art. 6) and movement document", **yes)
    arrow(draw, (430, 210), (560, 210), label="Yes", color=RED)
    box(draw, (30, 290, 430, 360), "3. Is it in Annex IX (List B) and not contaminated? "
        "e.g. B3011 clean sorted plastics, B1010 clean metal scrap", **q)
    arrow(draw, (230, 245), (230, 290), label="No", color=GREEN)
    box(draw, (560, 290, 950, 360), "Normally NOT controlled by Basel (but check national "
        "law and the importing country's definitions)", **no)
    arrow(draw, (430, 325), (560, 325), label="Yes", color=GREEN)
    box(draw, (30, 405, 430, 475), "4. Is it in Annex II (other wastes)?\nY46 household, "
        "Y47 incineration ash, Y48 plastics, Y49 e-waste", **q)
    arrow(draw, (230, 360), (230, 405), label="No", color=GREEN)
    box(draw, (560, 405, 950, 475), "OTHER WASTE: same consent procedure and movement document",
        **yes)
    arrow(draw, (430, 440), (560, 440), label="Yes", color=RED)
    box(draw, (30, 520, 430, 590), "5. Does it belong to an Annex I category (Y1-Y45)?", **q)
    arrow(draw, (230, 475), (230, 520), label="No", color=GREEN)
    box(draw, (560, 520, 950, 590), "HAZARDOUS unless it has none of the Annex III "
        "characteristics (H1-H13): whoever claims otherwise must show it", **yes)
    arrow(draw, (430, 555), (560, 555), label="Yes", color=RED)
    box(draw, (30, 630, 950, 685), "If no box applies, Basel does not cover it, unless the national law "
        "of the State of export, import or transit defines it as hazardous (Art. 1(1)(b)). "
        "When unsure, hold the shipment and ask the competent authority.", fill=AMBER_BG,
        outline=AMBER, size=14)
    save(image, out)


MOVEMENT_BLOCKS = [
    ("1", "Corresponding to notification No."), ("2", "Serial / total number of shipments"),
    ("3", "Exporter - notifier"), ("4", "Importer - consignee"),
    ("5", "Actual quantity"), ("6", "Actual date of shipment"),
    ("7", "Packaging"), ("8", "Carrier(s)"),
    ("9", "Waste generator"), ("10", "Disposal or recovery facility"),
    ("11", "Disposal / recovery operation (D or R code)"), ("12", "Designation and composition"),
    ("13", "Physical characteristics"), ("14", "Waste identification: Basel A/B, Y, H, UN, HS codes"),
    ("15", "Declaration of exporter-notifier"), ("16", "Additional information"),
    ("17", "Received by importer-consignee (if not the facility)"),
    ("18", "Received at the facility"), ("19", "Certificate of disposal / recovery"),
    ("20-22", "For use by customs offices (export/exit, entry, transit)"),
]
HIGHLIGHT = {"1": BLUE, "4": RED, "10": RED, "14": BLUE, "5": AMBER, "20-22": BLUE}


def movement_document(out: Path) -> None:
    image, draw = canvas(980, 690, "The Basel movement document: what customs compares")
    col_w, row_h, top = 460, 48, 60
    for index, (number, label) in enumerate(MOVEMENT_BLOCKS):
        col, row = index % 2, index // 2
        x0 = 20 + col * (col_w + 20)
        y0 = top + row * (row_h + 6)
        color = HIGHLIGHT.get(number)
        fill = {RED: RED_BG, BLUE: BLUE_BG, AMBER: AMBER_BG}.get(color, LIGHT)
        draw.rectangle((x0, y0, x0 + col_w, y0 + row_h), fill=fill, outline=color or GREY,
                       width=3 if color else 1)
        text(draw, (x0 + 10, y0 + row_h / 2), number, size=16, bold=True, color=color or GREY,
             anchor="lm")
        text(draw, (x0 + 70, y0 + row_h / 2), label, size=14, anchor="lm")
    y = top + 10 * (row_h + 6) + 4
    text(draw, (20, y), "Red: block 4 (importer-consignee) and block 10 (facility) may name different "
         "companies; that is", size=14, color=RED)
    text(draw, (20, y + 22), "normal. Compare the customs consignee with block 4, the destination with "
         "block 10 (in the", size=14, color=RED)
    text(draw, (20, y + 44), "notification document: blocks 2 and 10). Blue: notification number, "
         "codes, customs offices.", size=14, color=RED)
    save(image, out)


def ewaste_2025(out: Path) -> None:
    image, draw = canvas(980, 470, "E-waste since 1 January 2025 (Basel decision BC-15/18)")
    box(draw, (30, 60, 450, 130), "Used electrical or electronic equipment: tested, working, "
        "protected for transport, for direct reuse?", fill=BLUE_BG, outline=BLUE)
    box(draw, (560, 60, 950, 130), "Not waste (keep test records and packaging proof; "
        "technical guidelines on e-waste)", fill=GREEN_BG, outline=GREEN)
    arrow(draw, (450, 95), (560, 95), label="Yes", color=GREEN)
    box(draw, (30, 180, 450, 250), "E-waste (HS 2022 heading 8549). Does it contain hazardous "
        "components or show an Annex III characteristic?", fill=BLUE_BG, outline=BLUE)
    arrow(draw, (240, 130), (240, 180), label="No / unproven", color=RED)
    box(draw, (30, 310, 400, 390), "A1181 (Annex VIII)\nhazardous e-waste, e.g. CRTs, "
        "batteries, PCB capacitors", fill=RED_BG, outline=RED, bold=True)
    box(draw, (580, 310, 950, 390), "Y49 (Annex II)\nall other e-waste, its components and "
        "processing residues", fill=RED_BG, outline=RED, bold=True)
    arrow(draw, (200, 250), (200, 310), label="Yes", color=RED)
    arrow(draw, (450, 230), (700, 310), label="No", color=RED)
    box(draw, (30, 410, 950, 455), "Both need notification and prior written consent. "
        "A1180, B1110 and B4030 no longer exist.", fill=AMBER_BG, outline=AMBER, bold=True, size=15)
    save(image, out)


def diamond(draw, cx, cy, r, fill, outline, width=5):
    points = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    draw.polygon(points, fill=fill, outline=outline)
    draw.line(points + [points[0]], fill=outline, width=width, joint="curve")


def flame(draw, cx, cy, s, color):
    """A GHS-style flame: an outer tongue, a smaller inner tongue, and a base bar."""
    outer = [(0.00, -1.00), (0.18, -0.62), (0.42, -0.30), (0.52, 0.05), (0.45, 0.38),
             (0.22, 0.60), (0.00, 0.66), (-0.22, 0.60), (-0.45, 0.38), (-0.52, 0.05),
             (-0.38, -0.22), (-0.20, -0.05), (-0.16, -0.45)]
    draw.polygon([(cx + x * s, cy + y * s) for x, y in outer], fill=color)
    inner = [(0.02, -0.20), (0.20, 0.10), (0.22, 0.38), (0.00, 0.52), (-0.20, 0.38),
             (-0.16, 0.12)]
    draw.polygon([(cx + x * s, cy + y * s) for x, y in inner], fill=WHITE)
    draw.rectangle((cx - s * 0.62, cy + s * 0.74, cx + s * 0.62, cy + s * 0.86), fill=color)


def labels(out: Path) -> None:
    image, draw = canvas(980, 465, "Two label systems: supply and use (GHS) versus transport (UN)")
    text(draw, (30, 60), "GHS pictograms: red border, black symbol", size=15, bold=True,
         color=RED)
    for i, (caption, symbol) in enumerate([("GHS02 flammable", "flame"), ("GHS07 harmful, irritant", "!"),
                                           ("GHS09 hazardous to the aquatic environment", "fish")]):
        cx = 100 + i * 160
        diamond(draw, cx, 160, 62, WHITE, RED)
        if symbol == "flame":
            flame(draw, cx, 160, 30, INK)
        elif symbol == "!":
            text(draw, (cx, 160), "!", size=64, bold=True, anchor="mm")
        else:
            draw.ellipse((cx - 30, 165, cx + 14, 185), fill=INK)
            draw.polygon([(cx + 12, 175), (cx + 30, 163), (cx + 30, 187)], fill=INK)
            draw.line([(cx - 20, 158), (cx - 20, 128)], fill=INK, width=4)
            draw.polygon([(cx - 34, 140), (cx - 20, 118), (cx - 6, 140)], fill=INK)
        for j, line in enumerate(wrap(draw, caption, font(13), 140)):
            text(draw, (cx, 235 + 17 * j), line, size=13, anchor="ma")
    text(draw, (30, 300), "With a signal word (Danger / Warning), hazard statements and the "
         "active ingredient.", size=14)
    x0 = 520
    text(draw, (x0, 60), "Transport labels: colour + class number", size=15, bold=True,
         color=BLUE)
    diamond(draw, x0 + 70, 160, 62, RED, INK, width=2)
    flame(draw, x0 + 70, 140, 26, INK)
    text(draw, (x0 + 70, 205), "3", size=22, bold=True, anchor="mm")
    diamond(draw, x0 + 220, 160, 62, WHITE, INK, width=2)
    draw.polygon([(x0 + 158, 160), (x0 + 220, 98), (x0 + 282, 160)], fill=WHITE)
    draw.polygon([(x0 + 158, 160), (x0 + 220, 222), (x0 + 282, 160)], fill=INK)
    text(draw, (x0 + 220, 135), "corrosive", size=12, anchor="mm")
    text(draw, (x0 + 220, 200), "8", size=22, bold=True, color=WHITE, anchor="mm")
    draw.rectangle((x0 + 310, 115, x0 + 440, 205), fill=ORANGE, outline=INK, width=4)
    draw.line([(x0 + 310, 160), (x0 + 440, 160)], fill=INK, width=4)
    text(draw, (x0 + 375, 138), "80", size=26, bold=True, anchor="mm")
    text(draw, (x0 + 375, 183), "2794", size=26, bold=True, anchor="mm")
    for cx, caption in [(x0 + 70, "Class 3 flammable liquid"), (x0 + 220, "Class 8 corrosive"),
                        (x0 + 375, "Orange plate: hazard no. / UN no.")]:
        for j, line in enumerate(wrap(draw, caption, font(13), 140)):
            text(draw, (cx, 235 + 17 * j), line, size=13, anchor="ma")
    box(draw, (30, 335, 950, 445), "How to use them at the border: read the UN number and class on "
        "the transport documents and on the container, the pictograms and active ingredient on the "
        "package, the Basel and HS codes on the declaration. They must all describe the same goods. "
        "UN 2794 = batteries, wet, filled with acid (waste lead-acid batteries are A1160). "
        "A label that contradicts the declaration is a reason to hold and check, never to open a drum.",
        fill=LIGHT, outline=GREY, size=15, align="left")
    save(image, out, colors=24)


def gas_safety(out: Path) -> None:
    image, draw = canvas(980, 320, "Opening a closed container: measure, do not sniff")
    steps = [
        ("1. Check", "Fumigation label? Declared goods that off-gas? Treat every closed container "
                     "as possibly fumigated."),
        ("2. Measure", "Gas detector probe at the door seal or vents before opening "
                       "(methyl bromide is odourless)."),
        ("3. Open safely", "Stand aside and upwind, open one door, step away; let it ventilate."),
        ("4. Re-measure", "Measure again inside the load. Enter only when cleared by the "
                          "measurement or a specialist."),
    ]
    for i, (title, body) in enumerate(steps):
        x0 = 20 + i * 240
        box(draw, (x0, 60, x0 + 220, 100), title, fill=BLUE_BG, outline=BLUE, bold=True, size=16)
        box(draw, (x0, 110, x0 + 220, 230), body, fill=LIGHT, outline=GREY, size=14)
        if i < 3:
            arrow(draw, (x0 + 222, 80), (x0 + 238, 80), color=BLUE)
    box(draw, (20, 245, 960, 305), "Anyone feels unwell: close up, leave, call the emergency "
        "services. Smell proves nothing: many toxic gases have no odour.", fill=RED_BG,
        outline=RED, size=14, bold=True)
    save(image, out)


# --- NIP course -------------------------------------------------------------------------------

LISTINGS = [
    (2004, "Convention in force: the 12 initial POPs", 12),
    (2009, "COP-4: nine POPs incl. PFOS (B), PeCB (A, C), lindane, PBDEs", 21),
    (2011, "COP-5: technical endosulfan", 22),
    (2013, "COP-6: HBCD", 23),
    (2015, "COP-7: PCP, PCN (A, C), HCBD (A)", 26),
    (2017, "COP-8: decaBDE, SCCPs; HCBD added to Annex C", 28),
    (2019, "COP-9: dicofol, PFOA; PFOS uses narrowed (SC-9/4)", 30),
    (2022, "COP-10: PFHxS", 31),
    (2023, "COP-11: methoxychlor, Dechlorane Plus, UV-328", 34),
    (2025, "COP-12: chlorpyrifos, MCCPs, LC-PFCAs", 37),
]


def pops_timeline(out: Path) -> None:
    image, draw = canvas(980, 520, "POPs listed under the Stockholm Convention, 2004-2025")
    x0, x1, axis = 60, 930, 120

    def x(year):
        return x0 + (year - 2004) * (x1 - x0) / (2025 - 2004)

    draw.line([(x0, axis), (x1, axis)], fill=INK, width=3)
    for year in range(2004, 2026, 3):
        draw.line([(x(year), axis - 6), (x(year), axis + 6)], fill=INK, width=2)
        text(draw, (x(year), axis - 12), str(year), size=13, color=GREY, anchor="md")
    for i, (year, _label, _total) in enumerate(LISTINGS):
        draw.line([(x(year), axis), (x(year), 160 + i * 34 + 12)], fill=BLUE, width=1)
        draw.ellipse((x(year) - 6, axis - 6, x(year) + 6, axis + 6), fill=BLUE)
    for i, (year, label, total) in enumerate(LISTINGS):
        y = 160 + i * 34
        width = draw.textlength(label, font=font(14))
        left = x(year) + 10 if x(year) + 10 + width + 90 < 970 else x(year) - 10 - width - 90
        draw.rectangle((left - 4, y, left + width + 60, y + 24), fill=WHITE)
        text(draw, (left, y + 12), label, size=14, anchor="lm")
        text(draw, (left + width + 10, y + 12), f"= {total}", size=14, bold=True, color=BLUE,
             anchor="lm")
    text(draw, (60, 505), "Each listing enters into force one year after the depositary notification "
         "(Art. 22), then the NIP update is due within two years.", size=13, color=GREY, anchor="ls")
    save(image, out)


def nip_deadline(out: Path) -> None:
    image, draw = canvas(980, 300, "From listing to updated NIP: the PFHxS example (COP-10, 2022)")
    steps = [("COP adopts the amendment", "June 2022, decision SC-10/13"),
             ("Depositary notification", "16 November 2022, about five months later"),
             ("Entry into force (Art. 22(3))", "one year after the notification: 16 November 2023"),
             ("Updated NIP transmitted", "within two years: by 16 November 2025")]
    for i, (title, body) in enumerate(steps):
        x0 = 20 + i * 240
        box(draw, (x0, 70, x0 + 220, 120), title, fill=BLUE_BG, outline=BLUE, bold=True, size=14)
        box(draw, (x0, 130, x0 + 220, 200), body, fill=LIGHT, outline=GREY, size=14)
        if i < 3:
            arrow(draw, (x0 + 222, 95), (x0 + 238, 95), color=BLUE)
    box(draw, (20, 220, 960, 285), "Parties with an Article 25(4) declaration: in force 90 days "
        "after they deposit their own ratification of the amendment. A notification of "
        "non-acceptance (Art. 22(3)(b)) also changes the date. Check your country's date.",
        fill=AMBER_BG, outline=AMBER, size=14)
    save(image, out)


def pcb_deadlines(out: Path) -> None:
    image, draw = canvas(980, 330, "PCBs: the Annex A, Part II deadlines and thresholds")
    rows = [("Above 10% PCB and above 5 litres", "first priority for identification, "
             "labelling and removal from use"),
            ("Above 0.05% (500 ppm) and above 5 litres", "second priority"),
            ("Above 0.005% (50 ppm) and above 0.05 litres", "third priority"),
            ("2025", "eliminate the use of PCBs in equipment (transformers, capacitors, ...)"),
            ("2028", "environmentally sound management of liquids and equipment above 0.005% "
             "PCB, as soon as possible and no later than 2028")]
    for i, (left, right) in enumerate(rows):
        y = 60 + i * 52
        color = AMBER if i < 3 else RED
        fill = AMBER_BG if i < 3 else RED_BG
        box(draw, (20, y, 400, y + 44), left, fill=fill, outline=color, bold=True, size=14)
        box(draw, (410, y, 960, y + 44), right, fill=LIGHT, outline=GREY, size=14)
    save(image, out)


def toolkit_vectors(out: Path) -> None:
    image, draw = canvas(980, 430, "Toolkit: release = emission factor x activity rate, to five vectors")
    box(draw, (20, 60, 300, 130), "Activity rate\ne.g. tonnes burned per year", fill=BLUE_BG,
        outline=BLUE)
    text(draw, (320, 95), "x", size=28, bold=True, anchor="mm")
    box(draw, (340, 60, 620, 130), "Emission factor for the technology class\n(µg TEQ per tonne)",
        fill=BLUE_BG, outline=BLUE)
    text(draw, (640, 95), "=", size=28, bold=True, anchor="mm")
    box(draw, (660, 60, 960, 130), "Annual release (g TEQ per year), for each vector", fill=AMBER_BG,
        outline=AMBER, bold=True)
    for i, vector in enumerate(["Air", "Water", "Land", "Products", "Residues"]):
        x0 = 20 + i * 190
        box(draw, (x0, 150, x0 + 175, 190), vector, fill=LIGHT, outline=GREY, bold=True)
    text(draw, (20, 230), "Worked example (lesson 5), releases to air:", size=15, bold=True)
    bars = [("Open burning of household waste: 50,000 t x 40 µg TEQ/t", 2),
            ("Hospital incinerators, no gas cleaning: 500 t x 40,000 µg TEQ/t", 20)]
    for i, (label, grams) in enumerate(bars):
        y = 260 + i * 75
        text(draw, (20, y), label, size=14)
        draw.rectangle((20, y + 22, 20 + grams * 38, y + 52), fill=RED if grams > 5 else AMBER)
        text(draw, (30 + grams * 38, y + 37), f"{grams} g TEQ per year", size=14, bold=True,
             anchor="lm")
    text(draw, (20, 420), "100 times less waste, ten times the release: the technology class "
         "matters as much as the amount.", size=14, color=GREY, anchor="ls")
    save(image, out)


def nip_phases(out: Path) -> None:
    image, draw = canvas(980, 300, "Reviewing and updating a NIP: three phases, then endorsement")
    phases = [("Phase 1: organize", "months 1-3", "steering committee, task teams, work plan, budget"),
              ("Phase 2: inventories", "months 4-12", "new POPs, original POPs, Toolkit release "
               "inventory, gaps"),
              ("Phase 3: priorities and plans", "months 13-18", "criteria, scores, objectives, "
               "costed action plans"),
              ("Endorse and transmit", "months 19-22", "validation, government adoption, "
               "transmission to the COP")]
    for i, (title, when, outputs) in enumerate(phases):
        x0 = 20 + i * 240
        box(draw, (x0, 60, x0 + 220, 110), title, fill=BLUE_BG if i < 3 else GREEN_BG,
            outline=BLUE if i < 3 else GREEN, bold=True, size=14)
        text(draw, (x0 + 110, 125), when, size=14, bold=True, color=GREY, anchor="ma")
        box(draw, (x0, 150, x0 + 220, 230), outputs, fill=LIGHT, outline=GREY, size=14)
        if i < 3:
            arrow(draw, (x0 + 222, 85), (x0 + 238, 85), color=BLUE)
    box(draw, (20, 245, 960, 290), "Plan backwards from the deadline: two years after the "
        "amendment enters into force for your country.", fill=AMBER_BG, outline=AMBER, size=14)
    save(image, out)


# --- ESM course -------------------------------------------------------------------------------

def esm_toolkit(out: Path) -> None:
    image, draw = canvas(980, 520, "The Basel ESM toolkit as delivered, 2013-2019")
    box(draw, (20, 60, 960, 110), "Framework for ESM (BC-11/1, 2013): common understanding, "
        "tools, strategies", fill=BLUE_BG, outline=BLUE, bold=True)
    columns = [
        ("COP-13, 2017", ["Practical manuals: terminology", "policies and legislation",
                          "permits, licences, authorizations", "certification schemes",
                          "waste prevention", "fact sheets on waste streams"]),
        ("COP-14, 2019", ["Practical manual on extended producer responsibility",
                          "Practical manual on financing systems",
                          "Guidance on recycling and recovery strategies",
                          "Guidance on ESM in the informal sector"]),
        ("Technical guidelines", ["POPs wastes (general + specific)", "e-waste and used EEE",
                                  "lead-acid batteries", "plastic wastes", "mercury wastes",
                                  "used tyres, co-processing in cement kilns, ..."]),
    ]
    for i, (head, items) in enumerate(columns):
        x0 = 20 + i * 320
        box(draw, (x0, 130, x0 + 300, 175), head, fill=GREEN_BG if i < 2 else AMBER_BG,
            outline=GREEN if i < 2 else AMBER, bold=True)
        for j, item in enumerate(items):
            box(draw, (x0, 185 + j * 52, x0 + 300, 229 + j * 52), item, size=13)
    text(draw, (20, 510), "Manuals and guidance: how to organize ESM. Technical guidelines: "
         "what ESM means for one waste stream.", size=13, color=GREY, anchor="ls")
    save(image, out)


def waste_hierarchy(out: Path) -> None:
    image, draw = canvas(980, 400, "Waste hierarchy: preferred options first")
    tiers = [("Prevention", "don't generate the waste; less hazardous inputs"),
             ("Minimization", "less waste and less hazard per unit produced"),
             ("Reuse", "used products, tested and fit for purpose"),
             ("Recycling and recovery (R codes)", "material and energy recovery in licensed plants"),
             ("Disposal (D codes)", "engineered landfill, incineration: can be ESM when "
              "designed, run and monitored well")]
    for i, (name, note) in enumerate(tiers):
        inset = i * 45
        y = 60 + i * 64
        box(draw, (20 + inset, y, 560 - inset, y + 54), name,
            fill=GREEN_BG if i < 3 else (AMBER_BG if i == 3 else RED_BG),
            outline=GREEN if i < 3 else (AMBER if i == 3 else RED), bold=True, size=15)
        text(draw, (580, y + 27), note, size=13, anchor="lm")
    save(image, out)


def epr_flows(out: Path) -> None:
    image, draw = canvas(980, 360, "EPR through a producer responsibility organization (PRO)")
    box(draw, (20, 70, 250, 140), "Producers and first importers (registered)", fill=BLUE_BG,
        outline=BLUE, bold=True)
    box(draw, (375, 70, 605, 140), "PRO", fill=BLUE_BG, outline=BLUE, bold=True, size=18)
    box(draw, (730, 70, 960, 140), "Collectors and licensed recyclers (ESM permits)",
        fill=GREEN_BG, outline=GREEN, bold=True)
    arrow(draw, (250, 105), (375, 105), color=BLUE, label="fees")
    arrow(draw, (605, 105), (730, 105), color=BLUE, label="pays")
    box(draw, (20, 240, 250, 310), "Consumers (pay through the price or a deposit)", fill=LIGHT,
        outline=GREY)
    box(draw, (375, 240, 605, 310), "Collection points, take-back, deposit refund", fill=LIGHT,
        outline=GREY)
    arrow(draw, (250, 275), (375, 275), color=GREEN, label="used products")
    arrow(draw, (605, 275), (730, 160), color=GREEN)
    text(draw, (690, 225), "waste", size=14, bold=True, color=GREEN, anchor="mm")
    box(draw, (730, 240, 960, 310), "Government: register of producers, targets, audits, "
        "action against free riders", fill=AMBER_BG, outline=AMBER, size=14)
    text(draw, (20, 345), "Money flows from producers to the system; material flows from users "
         "to licensed recyclers.", size=14, color=GREY, anchor="ls")
    save(image, out)


def informal_steps(out: Path) -> None:
    image, draw = canvas(980, 280, "From informal recycling towards ESM: step by step")
    steps = [("Recognize", "map and register the workers; listen to them"),
             ("Organize", "cooperatives or associations; a place to work"),
             ("Make it safer", "no burning or acid baths; PPE; health checks"),
             ("Connect", "sell whole items and fractions to licensed recyclers; EPR contracts")]
    for i, (title, body) in enumerate(steps):
        x0 = 20 + i * 240
        box(draw, (x0, 60, x0 + 220, 100), title, fill=GREEN_BG, outline=GREEN, bold=True, size=16)
        box(draw, (x0, 110, x0 + 220, 200), body, fill=LIGHT, outline=GREY, size=14)
        if i < 3:
            arrow(draw, (x0 + 222, 80), (x0 + 238, 80), color=GREEN)
    box(draw, (20, 215, 960, 265), "Bans alone push the work out of sight; the 2019 guidance "
        "(BC-14/3) favours gradual formalization.", fill=AMBER_BG, outline=AMBER, size=14)
    save(image, out)


FIGURES = {
    "customs-and-the-conventions/modules/img/waste-decision-tree.png": waste_decision_tree,
    "customs-and-the-conventions/modules/img/movement-document.png": movement_document,
    "customs-and-the-conventions/modules/img/ewaste-2025.png": ewaste_2025,
    "customs-and-the-conventions/modules/img/labels.png": labels,
    "customs-and-the-conventions/modules/img/gas-safety.png": gas_safety,
    "nip-review-and-update/modules/img/pops-timeline.png": pops_timeline,
    "nip-review-and-update/modules/img/nip-deadline.png": nip_deadline,
    "nip-review-and-update/modules/img/pcb-deadlines.png": pcb_deadlines,
    "nip-review-and-update/modules/img/toolkit-vectors.png": toolkit_vectors,
    "nip-review-and-update/modules/img/nip-phases.png": nip_phases,
    "esm-hazardous-wastes/modules/img/esm-toolkit.png": esm_toolkit,
    "esm-hazardous-wastes/modules/img/waste-hierarchy.png": waste_hierarchy,
    "esm-hazardous-wastes/modules/img/epr-flows.png": epr_flows,
    "esm-hazardous-wastes/modules/img/informal-steps.png": informal_steps,
}


def main(argv: list[str]) -> int:
    """Write every figure under the courses folder, or under the folder given as argument."""
    root = Path(argv[0]) if argv else COURSES
    for rel, draw_figure in FIGURES.items():
        path = root / rel
        draw_figure(path)
        print(f"{rel}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
