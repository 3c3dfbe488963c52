"""#12 point 1: a reviewer acts only inside its administrative division, read and list alike.

A province covers its cities and districts, a city its districts, a district itself: the
reproductions were a Chongqing (500000) reviewer reading and accepting a Sichuan (510104)
application, and a reviewer of Shenzhen's 坪山区 (440310) acting on one of 光明区 (440311).
"""

from __future__ import annotations

import pytest

from kernel.app import create_app

from .factories import CHANGE_DOCUMENT, agree_commitment, login, make_account, make_unit, qr_login


async def _reviewer(name: str, region: str) -> None:
    await make_account(
        name,
        "reviewer",
        ["registry_reviewer"],
        scopes=[{"process": "codeassign", "region": region}],
    )


async def _submitted(client, unit: str) -> int:
    """A change application of ``unit``, submitted: awaiting acceptance (version 2)."""
    headers = await qr_login(unit)
    created = await client.post(
        "/api/applications",
        json={"process": "codeassign", "matter": "change", "data": CHANGE_DOCUMENT},
        headers=headers,
    )
    assert created.status == 201, await created.text()
    number = (await created.json())["id"]
    await agree_commitment(client, headers)
    submitted = await client.post(
        f"/api/applications/{number}/transitions/submit", headers={**headers, "If-Match": '"1"'}
    )
    assert submitted.status == 200, await submitted.text()
    return number


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await make_unit("unit-chengdu", "510104")  # 成都市锦江区, Sichuan
    await make_unit("unit-guangming", "440311")  # 深圳市光明区
    await make_unit("unit-yuzhong", "500103")  # 重庆市渝中区 (a 直辖市 district)
    await make_unit("unit-xiantao", "429004")  # 仙桃市, a 省直辖县 of Hubei
    for name, region in (
        ("reviewer-chongqing", "500000"),
        ("reviewer-sichuan", "510000"),
        ("reviewer-chengdu", "510100"),
        ("reviewer-pingshan", "440310"),
        ("reviewer-shenzhen", "440300"),
        ("reviewer-hubei", "420000"),
        ("reviewer-hubei-direct", "429000"),
        ("reviewer-wuhan", "420100"),
    ):
        await _reviewer(name, region)
    return client


async def _sees(client, reviewer: str, number: int) -> tuple[int, list[int]]:
    headers = await login(client, reviewer)
    read = await client.get(f"/api/applications/{number}", headers=headers)
    listed = await (await client.get("/api/applications", headers=headers)).json()
    return read.status, [a["id"] for a in listed["items"]]


async def test_chongqing_does_not_cover_sichuan(client):
    number = await _submitted(client, "unit-chengdu")
    assert await _sees(client, "reviewer-chongqing", number) == (404, [])
    headers = await login(client, "reviewer-chongqing")
    accepted = await client.post(
        f"/api/applications/{number}/transitions/accept",
        json={"reply": "予以受理"},
        headers={**headers, "If-Match": '"2"'},
    )
    assert accepted.status == 404
    filtered = await client.get("/api/applications?region=510104", headers=headers)
    assert (await filtered.json())["items"] == []
    # Its province and its city do cover it, and the province's reviewer can act.
    assert await _sees(client, "reviewer-sichuan", number) == (200, [number])
    assert await _sees(client, "reviewer-chengdu", number) == (200, [number])
    sichuan = await login(client, "reviewer-sichuan")
    accepted = await client.post(
        f"/api/applications/{number}/transitions/accept",
        json={"reply": "予以受理"},
        headers={**sichuan, "If-Match": '"2"'},
    )
    assert accepted.status == 200, await accepted.text()


async def test_a_district_does_not_cover_its_neighbour(client):
    number = await _submitted(client, "unit-guangming")
    assert await _sees(client, "reviewer-pingshan", number) == (404, [])
    headers = await login(client, "reviewer-pingshan")
    refused = await client.post(
        f"/api/applications/{number}/transitions/refuse",
        json={"reply": "不予受理"},
        headers={**headers, "If-Match": '"2"'},
    )
    assert refused.status == 404
    listed = await client.get("/api/applications?region=440311", headers=headers)
    assert (await listed.json())["items"] == []
    assert await _sees(client, "reviewer-shenzhen", number) == (200, [number])


async def test_municipality_districts_and_province_administered_counties(client):
    yuzhong = await _submitted(client, "unit-yuzhong")
    xiantao = await _submitted(client, "unit-xiantao")
    assert await _sees(client, "reviewer-chongqing", yuzhong) == (200, [yuzhong])
    # 仙桃 is Hubei's, under its 省直辖县级行政区划 grouping, and no city's (not Wuhan's).
    assert await _sees(client, "reviewer-hubei", xiantao) == (200, [xiantao])
    assert await _sees(client, "reviewer-hubei-direct", xiantao) == (200, [xiantao])
    assert await _sees(client, "reviewer-wuhan", xiantao) == (404, [])


@pytest.mark.parametrize("region", ["5", "51", "5101040", "５１０１０４", "5_0104", "999999"])
async def test_a_region_filter_is_a_division_code(client, region):
    headers = await login(client, "reviewer-sichuan")
    response = await client.get("/api/applications", params={"region": region}, headers=headers)
    assert response.status == 400
    body = await response.json()
    assert body["violations"][0]["fields"] == ["/query/region"]


async def test_a_scope_that_is_no_division_covers_nothing(client):
    number = await _submitted(client, "unit-chengdu")
    await _reviewer("reviewer-five", "5")
    assert await _sees(client, "reviewer-five", number) == (404, [])
