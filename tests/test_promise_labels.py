"""The labelled real comments (bench/promises) meet the bar: precision >= 0.97,
recall >= 0.95, nothing invented from status dates or past events."""
from bench.promises.__main__ import score

from .conftest import SHARED, needs_shared


@needs_shared()
def test_labelled_set_scores():
    result = score(SHARED)
    assert result["unlabelled_or_mismatched"] == [] and result["labels_not_seen"] == 0
    assert result["comments"] >= 70 and result["promises_labelled"] >= 20
    assert result["precision"] >= 0.97 and result["recall"] >= 0.95
    assert result["invented_from_non_promises"] == 0


@needs_shared()
def test_dev_heldout_and_challenge_meet_the_bar_separately():
    """Every real labelled comment is in the split; each part scores on its own."""
    result = score(SHARED)
    assert result["not_in_split"] == []
    assert result["heldout"]["comments"] * 3 >= result["dev"]["comments"] + result["heldout"]["comments"]
    for part in ("dev", "heldout", "challenge"):
        assert result[part]["precision"] >= 0.97 and result[part]["recall"] >= 0.95, (part, result[part])
    assert result["challenge"]["comments"] >= 100
