"""What every page's <head> carries: a description for search results and link previews, and
the site's icon (a static file of ours, so no browser asks for a missing /favicon.ico)."""

from django.contrib.staticfiles import finders

from tests.factories import UserFactory

DESCRIPTION = (
    '<meta name="description" content="Leo Panitch Leadership Programme, run by Momentum: a '
    "year-long programme that helps committed members become organisers. Free to take part; "
    'apply online.">'
)


def test_the_home_page_has_a_description_and_an_icon(client, db):
    page = client.get("/").content.decode()

    assert DESCRIPTION in page
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page


def test_the_admin_has_the_icon_too(client, db):
    client.force_login(UserFactory(role="Programme admin"))

    page = client.get("/admin/").content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page


def test_the_icon_is_an_svg_of_ours():
    path = finders.find("img/favicon.svg")

    assert path is not None
    with open(path) as icon:
        assert icon.read().startswith(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        )
