"""The household page's timeline pages: every event on exactly one page, each link to an
event going to the page that shows it."""

from urllib.parse import parse_qs

from hypothesis import given, settings
from hypothesis import strategies as st

from api.web.views import Timeline

AS_OF = st.one_of(st.none(), st.just("2030-01-01"), st.just("2030-01-01T08:00"))


@settings(deadline=None)  # 5,000 pages of one event are many Timelines
@given(total=st.integers(0, 5_000), size=st.integers(1, 300), as_of=AS_OF)
def test_the_pages_show_every_event_once_in_order(total: int, size: int, as_of: str | None) -> None:
    pages = Timeline(total, 1, size, as_of).pages
    shown = [n for page in range(1, pages + 1) for n in Timeline(total, page, size, as_of).shown]
    assert shown == list(range(1, total + 1))


@given(
    total=st.integers(1, 5_000),
    size=st.integers(1, 300),
    asked=st.integers(1, 10_000),
    as_of=AS_OF,
    data=st.data(),
)
def test_a_link_to_an_event_goes_to_the_page_that_shows_it(
    total: int, size: int, asked: int, as_of: str | None, data: st.DataObject
) -> None:
    here = Timeline(total, asked, size, as_of)
    assert 1 <= here.page <= here.pages  # a page past the last shows the last
    number = data.draw(st.integers(1, total))
    href = here.href(number)
    if number in here.shown:
        assert href == ""
    else:
        query = parse_qs(href.removeprefix("?"))
        assert number in Timeline(total, int(query["page"][0]), size, as_of).shown
        assert query.get("as_of") == ([as_of] if as_of else None)
    assert (here.previous is None) == (here.page == 1)
    assert (here.next is None) == (here.page == here.pages)
