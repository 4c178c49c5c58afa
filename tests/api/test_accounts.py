"""Registration, login, tokens and the current user."""

from __future__ import annotations

from tests.conftest import Api, error_code


async def test_registered_user_can_log_in_by_username_and_see_themselves(api: Api) -> None:
    alice = await api.account("alice")
    login = await api.http.post(
        "/auth/login", json={"login": alice.username, "password": "correct horse battery"}
    )
    assert login.status_code == 200
    assert login.headers["content-type"] == "application/json"
    token = login.json()["token"]
    me = await api.http.get("/users/@me", headers={"Authorization": token})
    assert me.status_code == 200
    assert me.json()["id"] == str(alice.id)
    assert me.json()["username"] == alice.username


async def test_bot_scheme_in_authorization_header_is_accepted(api: Api) -> None:
    alice = await api.account()
    me = await api.http.get("/users/@me", headers={"Authorization": f"Bot {alice.token}"})
    assert me.status_code == 200


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(api: Api) -> None:
    alice = await api.account()
    wrong = await api.http.post(
        "/auth/login", json={"login": alice.username, "password": "nope nope nope"}
    )
    unknown = await api.http.post(
        "/auth/login", json={"login": "nobody_here", "password": "nope nope nope"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    assert error_code(wrong) == 50035


async def test_request_without_token_gets_401_in_discord_format(api: Api) -> None:
    response = await api.http.get("/users/@me")
    assert response.status_code == 401
    assert response.json() == {"code": 0, "message": "401: Unauthorized"}


async def test_garbage_token_gets_401(api: Api) -> None:
    response = await api.http.get("/users/@me", headers={"Authorization": "not-a-token"})
    assert response.status_code == 401


async def test_logout_revokes_the_token(api: Api) -> None:
    alice = await api.account()
    assert (await alice.post("/auth/logout")).status_code == 204
    assert (await alice.get("/users/@me")).status_code == 401


async def test_username_is_unique_regardless_of_case(api: Api) -> None:
    alice = await api.account("dup")
    again = await api.http.post(
        "/auth/register",
        json={"username": alice.username.upper(), "password": "correct horse battery"},
    )
    assert again.status_code == 400
    assert "username" in again.json()["errors"]


async def test_invalid_username_and_short_password_get_form_errors(api: Api) -> None:
    bad = await api.http.post(
        "/auth/register", json={"username": "Bad Name!", "password": "x" * 10}
    )
    assert bad.status_code == 400
    assert error_code(bad) == 50035
    assert "username" in bad.json()["errors"]
    short = await api.http.post(
        "/auth/register", json={"username": "fine_name_1", "password": "short"}
    )
    assert short.status_code == 400
    assert "password" in short.json()["errors"]


async def test_password_change_needs_old_password_and_revokes_other_tokens(api: Api) -> None:
    alice = await api.account()
    refused = await alice.patch(
        "/users/@me", json={"password": "wrong password", "new_password": "a new secret 1"}
    )
    assert refused.status_code == 400
    changed = await alice.patch(
        "/users/@me", json={"password": "correct horse battery", "new_password": "a new secret 1"}
    )
    assert changed.status_code == 200
    new_token = changed.json()["token"]
    assert (await alice.get("/users/@me")).status_code == 401
    assert (
        await api.http.get("/users/@me", headers={"Authorization": new_token})
    ).status_code == 200
    relogin = await api.http.post(
        "/auth/login", json={"login": alice.username, "password": "a new secret 1"}
    )
    assert relogin.status_code == 200


async def test_global_name_change_is_visible_to_others(api: Api) -> None:
    alice, bob = await api.account(), await api.account()
    assert (await alice.patch("/users/@me", json={"global_name": "Alice A."})).status_code == 200
    seen = await bob.get(f"/users/{alice.id}")
    assert seen.status_code == 200
    assert seen.json()["global_name"] == "Alice A."
    assert "email" not in seen.json()


async def test_unknown_user_is_404_with_code_10013(api: Api) -> None:
    alice = await api.account()
    response = await alice.get("/users/123456789012345678")
    assert response.status_code == 404
    assert error_code(response) == 10013


async def test_malformed_json_is_a_clear_400(api: Api) -> None:
    response = await api.http.post(
        "/auth/register", content=b'{"username": ', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert error_code(response) == 50109


async def test_registering_with_an_unknown_invite_creates_no_account(api: Api) -> None:
    body = {
        "username": "invited_nobody",
        "password": "correct horse battery",
        "invite": "nosuchcode1",
    }
    refused = await api.http.post("/auth/register", json=body)
    assert refused.status_code == 404
    assert error_code(refused) == 10006
    login = await api.http.post(
        "/auth/login", json={"login": "invited_nobody", "password": "correct horse battery"}
    )
    assert login.status_code == 400
