"""Charts: matplotlib drawing functions over plain data. No Qt, no pyplot.

The timeline (a personal "swimmer chart") is drawn in two steps, so the
screen and the PDF show exactly the same thing:

1. :func:`journal.charts.data.timeline_data_from` ``(history, summary, *, today=None,
   extra_labs=(), max_drug_rows=5, label_chars=40, title="") -> TimelineData``
   rearranges the records and the rules' results (``build_summary`` output, or
   anything with ``lines`` and optionally ``responses``) into lanes, rows, bars,
   events, side-effect spans, lab series and nadir/threshold levels. It computes
   no medical rule: lines, best responses, confirmed and pending progressions,
   the followed markers, nadir and threshold steps all come from
   :mod:`journal.domain`. Every mark keeps the ``ref`` of its record
   ("regimen:3", "lab:17"); computed marks keep the lab refs their trace names.
2. :func:`journal.charts.timeline.draw_timeline` ``(fig, data, *, date_range=None,
   text_scale=1.0, options=None) -> TimelineArtists`` draws on a plain
   ``matplotlib.figure.Figure`` (cleared first, the Figure object is kept).
   ``TimelineArtists.hit(x_px, y_px)`` finds the mark under a pointer,
   ``marks_for(ref)`` the marks of a record; ``relayout(arts)`` re-fits margins
   after the figure was resized; ``set_date_range``/``shown_range`` zoom;
   ``suggested_height(data, text_scale=)`` gives a readable figure height.

On paper (the screening PDF), :func:`journal.charts.paper.draw_paper_timeline` draws
the whole history of a ``TimelineData`` on a fixed-size figure: the recent years to
scale, earlier years compressed behind a marked break, early lines sharing one lane,
side effects on as many named rows as fit, and no name printed over another.

How to read it (also what the legend says): one lane per line of therapy, its
number and regimens on the left ("*" = line number set by the person); one row
per drug, bars from first to last dose, an arrow when still going, a dashed
edge when the dates are approximate, hatching when given in a trial; on the
lane's first row the events: responses (filled = recorded by the doctor,
hollow = computed from labs, the text is the category), progressions
(triangles; hollow = awaiting confirmation), transplant (star), CAR-T
(diamond); side effects below, colour AND pattern by grade, thick edge =
serious; lab panels share the time axis, with the lowest value so far (dotted)
and the progression threshold (dashed) the response rule computed.
"""
