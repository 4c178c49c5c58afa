"""Emails are validated on every path and unique without regard to case.

The probe: `PATCH /users/@me` took an email without `@` (so one account's "email" could be another
account's username, and sign-in took whichever row came first).
"""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import Api, error_code

PASSWORD = "correct horse battery"


async def register(http: httpx.AsyncClient, email: str | None = None) -> dict[str, str]:
    body = {"username": f"u_{uuid.uuid4().hex[:10]}", "password": PASSWORD}
    if email is not None:
        body["email"] = email
    response = await http.post("/auth/register", json=body)
    assert response.status_code == 201, response.text
    return {**response.json(), "username": body["username"]}


async def change_email(http: httpx.AsyncClient, token: str, email: str) -> httpx.Response:
    return await http.patch(
        "/users/@me",
        json={"email": email, "password": PASSWORD},
        headers={"Authorization": token},
    )


async def test_an_email_without_an_at_sign_is_refused_as_at_registration(api: Api) -> None:
    alice, bob = await register(api.http), await register(api.http)
    for bad in (alice["username"], "no-at-sign", "two@@example.org", "spaced out@example.org"):
        response = await change_email(api.http, bob["token"], bad)
        assert (response.status_code, error_code(response)) == (400, 50035), bad
        assert response.json()["errors"]["email"]["_errors"][0]["code"] == (
            "EMAIL_TYPE_INVALID_EMAIL"
        )
    # Signing in as alice is still alice.
    signed_in = await api.http.post(
        "/auth/login", json={"login": alice["username"], "password": PASSWORD}
    )
    assert signed_in.json()["user_id"] == alice["user_id"]


async def test_emails_are_unique_without_regard_to_case(api: Api) -> None:
    email = f"Case.{uuid.uuid4().hex[:8]}@Example.org"
    await register(api.http, email)
    taken = await api.http.post(
        "/auth/register",
        json={
            "username": f"u_{uuid.uuid4().hex[:10]}",
            "password": PASSWORD,
            "email": email.upper(),
        },
    )
    assert (taken.status_code, error_code(taken)) == (400, 50035)
    assert "email" in taken.json()["errors"]
    other = await register(api.http)
    changed = await change_email(api.http, other["token"], email.lower())
    assert (changed.status_code, error_code(changed)) == (400, 50035)
    assert changed.json()["errors"]["email"]["_errors"][0]["code"] == "EMAIL_ALREADY_REGISTERED"


async def test_a_well_formed_email_can_be_set(api: Api) -> None:
    me = await register(api.http)
    email = f"me.{uuid.uuid4().hex[:8]}@example.org"
    response = await change_email(api.http, me["token"], email)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == email
