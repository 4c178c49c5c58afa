"""Input the database itself refuses (a NUL character on PostgreSQL) is a 400, never a 500."""

from __future__ import annotations

from tests.conftest import Api, error_code


async def test_nul_character_in_a_login_is_invalid_form_body_not_a_server_error(api: Api) -> None:
    response = await api.http.post(
        "/auth/login", json={"login": "someone\u0000else", "password": "whatever it is"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert error_code(response) == 50035


async def test_nul_character_in_a_member_search_is_refused_only_where_it_cannot_be_stored(
    api: Api, backend: str
) -> None:
    alice = await api.account()
    guild = await alice.guild()
    response = await alice.get(
        f"/guilds/{guild['id']}/members/search", params={"query": "a\u0000", "limit": 5}
    )
    if backend == "postgresql":
        assert response.status_code == 400
        assert error_code(response) == 50035
        assert response.json()["errors"]["_errors"][0]["code"] == "BASE_TYPE_INVALID"
    else:
        assert response.status_code == 200
        assert response.json() == []
