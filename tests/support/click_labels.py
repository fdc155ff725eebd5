"""The lines benchmarks/clicks.py adds to a table, in order: what both the clicks benchmark's
test and `make bench`'s expect."""

CLICK_LABELS = [
    "Pause click: reply: p50 ms [floor]",
    "Pause click: views.open: p50 ms [floor]",
    "Done click: chat.update: p50 ms [floor]",
    "done link GET: p50 ms [floor]",
    "done link POST: p50 ms [floor]",
    "4 Pause clicks at once: reply: p50 / max ms",
    "4 Pause clicks at once: views.open: p50 / max ms",
    "Sheets calls / cells: Pause click",
    "Sheets calls / cells: Pause form submitted",
    "Sheets calls / cells: Done click",
    "Sheets calls / cells: done link GET",
    "Sheets calls / cells: done link POST",
    "Sheets calls / cells: GET, sheet just sorted",
    "Sheets calls / cells: the next GET",
]
