from collections import Counter

from thg.survey.corpus import arxiv_year
from thg.survey.curate import TOP_VENUES
from thg.survey.methods import survey_methods


def test_table_one_has_117_methods_in_ten_clusters():
    rows = survey_methods()
    assert len(rows) == 117 and len({p.id for p in rows}) == 117
    assert sorted(Counter(p.cluster for p in rows)) == list(range(1, 11))


def test_table_one_is_consistent():
    for p in survey_methods():
        assert 2021 <= p.year <= 2025, p.method
        assert arxiv_year(p.id) <= p.year, p.method                 # published no earlier than submitted
        assert p.venue == "arXiv" or p.venue in TOP_VENUES, p.venue
        if p.stars is not None:
            assert p.extra["code"], p.method                        # stars only where code is public
        if p.code_url:
            assert p.code_url.startswith("https://github.com/") and p.extra["code"]


def test_new_metrics_are_listed():
    rows = {p.method: p for p in survey_methods()}
    assert [m["name"] for m in rows["MEDTalk"].new_metrics] == ["MLE", "MEE", "EIE", "FRD"]
    assert sum(bool(p.new_metrics) for p in rows.values()) == 21
