from thg.survey.corpus import Paper
from thg.survey.curate import CurationConfig, curate, decide


def _paper(pid, title, abstract="", venue="", stars=None):
    return Paper(id=pid, title=title, abstract=abstract, venue=venue, stars=stars)


def test_peer_reviewed_keyword_match_is_kept():
    d = decide(_paper("a", "One-shot talking head generation", venue="CVPR 2023"))
    assert d.keep and "talking head" in d.reason


def test_preprints_need_impact():
    low = _paper("b", "Portrait animation with diffusion", venue="arXiv", stars=20)
    high = _paper("c", "Portrait animation with diffusion", stars=2500)
    assert not decide(low).keep and "20 stars (< 100)" in decide(low).reason
    assert decide(high).keep
    assert decide(low, CurationConfig(min_stars=10)).keep


def test_papers_without_keywords_or_out_of_scope_are_dropped():
    off_topic = _paper("d", "Image classification with transformers", venue="ICCV 2021")
    speech = _paper("e", "Expressive speech synthesis", "Speech synthesis for talking avatars.", venue="TASLP")
    in_title = _paper("f", "Talking avatars from speech synthesis output", "Uses speech synthesis.", venue="TMM")
    assert decide(off_topic).reason == "no retrieval keyword in title or abstract"
    assert not decide(speech).keep and "out of scope" in decide(speech).reason
    assert decide(in_title).keep


def test_top_venue_filter_and_decisions_for_every_paper():
    papers = [_paper("g", "Lip sync in the wild", venue="Some Workshop 2022"),
              _paper("h", "Lip sync in the wild", venue="ACM MM 2022")]
    kept, decisions = curate(papers, CurationConfig(top_venues_only=True))
    assert [p.id for p in kept] == ["h"] and len(decisions) == 2
    assert "not in the top-venue list" in decisions[0].reason
