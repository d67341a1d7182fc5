"""A finding's planned figures carry their plan keys, so the disclosure audit reads each
sentence as an attacker would (SECURITY.md: a sentence gives away no hidden count)."""

from wscb_analysis.report.blocks import Finding


def spans(html: str) -> list[tuple[str, str]]:
    import re

    return re.findall(r'<span data-key="([^"]*)">([^<]*)</span>', html)


def test_two_hidden_counts_each_carry_their_key_in_order():
    f = Finding("Fewer than 6 of fewer than 6 referrals recorded a religion.",
                [("fewer than 6", "a"), ("fewer than 6", "b")])
    assert spans(f._repr_html_()) == [("a", "Fewer than 6"), ("b", "fewer than 6")]


def test_a_printed_6_is_never_tagged_inside_fewer_than_6():
    # The shown 6 is the second number in the sentence, after the hidden one.
    f = Finding("fewer than 6 of 6 children.", [("6", "n"), ("fewer than 6", "x")])
    assert spans(f._repr_html_()) == [("x", "fewer than 6"), ("n", "6")]


def test_a_number_is_matched_whole_not_inside_a_larger_one_or_a_decimal():
    f = Finding("12 of 1,120 plans (1.2%).", {"12": "x", "1,120": "n"})
    assert spans(f._repr_html_()) == [("x", "12"), ("n", "1,120")]


def test_words_the_sentence_does_not_hold_are_left_out_and_text_is_escaped():
    f = Finding("<b>7</b> children", [("fewer than 6", "gone"), ("7", "k")])
    out = f._repr_html_()
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert spans(out) == [("k", "7")]


def test_a_block_carries_its_run_data_in_output_metadata_and_shows_the_same_html():
    from IPython.core.formatters import DisplayFormatter

    from wscb_analysis.report.blocks import Block

    block = Block([Finding("Seven indicators.")], meta={"scorecard_tile": {"indicators": 7}})
    data, metadata = DisplayFormatter().format(block)
    assert metadata == {"wscb": {"scorecard_tile": {"indicators": 7}}}
    assert data["text/html"] == Block([Finding("Seven indicators.")])._repr_html_()
    assert data["text/plain"].startswith("[")  # the label, not the figures
    # Without meta, nothing is added to the output's metadata.
    assert DisplayFormatter().format(Block([Finding("x")]))[1] == {}


def test_tidy_takes_the_run_data_out_of_the_executed_notebook():
    import nbformat

    from wscb_analysis.publish.run import tidy

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("sc.summary()")
    cell.outputs = [nbformat.v4.new_output(
        "execute_result", data={"text/html": "<p>x</p>"}, execution_count=1,
        metadata={"wscb": {"scorecard_tile": {"indicators": 7}}, "other": 1})]
    nb.cells = [cell]
    assert tidy(nb) == {"scorecard_tile": {"indicators": 7}}
    assert nb.cells[0].outputs[0].metadata == {"other": 1}
    assert tidy(nb) == {}
