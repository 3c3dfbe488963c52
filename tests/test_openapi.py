"""The API describes itself: an OpenAPI 3.1 document of every route, and a page to read it."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from aiohttp import hdrs
from schemathesis.specs.openapi.definitions import OPENAPI_31

from kernel.app import create_app
from kernel.keys import KERNEL


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(create_app(config))


@pytest.fixture
async def spec(client):
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    return await response.json()


def app_routes(app):
    """(path template, method) of every route the app serves, as the router has them."""
    for route in app.router.routes():
        if route.method == hdrs.METH_HEAD:
            continue
        path = re.sub(r"\{([^}:]+):[^}]*\}", r"{\1}", route.resource.canonical)
        yield path, route.method.lower()


async def test_every_route_of_the_app_is_an_operation_with_its_own_docs(client, spec):
    routes = set(app_routes(client.app))
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert routes == described
    undocumented = sorted(
        f"{method.upper()} {path}"
        for path, method in routes
        if spec["paths"][path][method].get("x-undocumented")
    )
    assert undocumented == [], "give these handlers a docstring (or a row in openapi_known)"
    for path, method in routes:
        assert spec["paths"][path][method]["summary"]


async def test_the_document_is_valid_openapi_3_1_and_self_contained(spec):
    jsonschema.Draft202012Validator(OPENAPI_31).validate(spec)
    for schema in spec["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    text = json.dumps(spec)
    assert "https://govflow.local/schemas/" not in text  # no reference leaves the document
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', text)):
        assert ref.startswith("#/"), ref
        target = spec
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]  # KeyError: dangling


async def test_path_parameters_come_from_the_route_pattern(spec):
    transition = spec["paths"]["/api/applications/{id}/transitions/{name}"]["post"]
    path_params = [p["name"] for p in transition["parameters"] if p["in"] == "path"]
    assert path_params == ["id", "name"]
    assert {"bearer": []} in transition["security"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_errors_are_described_as_problem_details_with_violations(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "violations"} <= set(problem["required"])
    login = spec["paths"]["/api/auth/login"]["post"]
    assert login["responses"]["4XX"] == {"$ref": "#/components/responses/Problem"}
    body = login["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["username", "password"]
    assert body["properties"]["captcha"]["required"] == ["id", "answer"]


async def test_the_processes_schemas_are_components_and_validate_like_the_kernel(client, spec):
    schemas = spec["components"]["schemas"]
    kernel = client.app[KERNEL]
    assert {"codeassign.application", "common.contact", "foreignwork.defs"} <= set(schemas)
    assert schemas["codeassign.application"]["title"] == "机关、群团等统一社会信用代码申请"
    mobile = schemas["codeassign.application"]["properties"]["handler_mobile"]
    assert mobile["$ref"] == "#/components/schemas/common.contact/$defs/mobile"
    # The rewritten schema, inside the document, still refuses what the kernel refuses.
    wrapped = {**spec, "$ref": "#/components/schemas/codeassign.application"}
    validator = jsonschema.Draft202012Validator(wrapped)
    assert not validator.is_valid({"matter": "change"})
    assert kernel.schemas.validate(
        kernel.schemas.resolve_id("application.json", "codeassign"), {"matter": "change"}
    )
    validate = spec["paths"]["/api/processes/{process}/validate"]["post"]
    body = validate["requestBody"]["content"]["application/json"]["schema"]
    refs = [s.get("$ref") for s in body["properties"]["document"]["anyOf"]]
    assert "#/components/schemas/codeassign.application" in refs
    assert validate["parameters"][0]["schema"]["enum"] == sorted(kernel.processes)


async def test_the_document_is_built_once_per_app(client):
    first = await (await client.get("/api/openapi.json")).json()
    cached = client.app[KERNEL].cache["openapi"]
    assert (await (await client.get("/api/openapi.json")).json()) == first
    assert client.app[KERNEL].cache["openapi"] is cached


async def test_the_docs_page_is_html_that_names_every_path_and_schema(client, spec):
    response = await client.get("/api/docs")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    assert "<script" not in page and "http://" not in page.replace("https://govflow.local", "")
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in page, path
    assert 'id="schema-codeassign.application"' in page
    assert "暂存 / Save the draft" in page and "经办人手机号码 / Handler&#x27;s mobile" in page


async def test_forms_attachments_and_the_correction_notice_are_marked_as_needing_a_token(
    client, spec
):
    """#12 point 11: the document says what the server does, a 401 problem without a token."""
    application = "/api/applications/1"
    for path in (
        "/api/applications/{id}/forms",
        "/api/applications/{id}/forms/{name}.pdf",
        "/api/applications/{id}/attachments",
        "/api/attachments/{id}",
        "/api/applications/{id}/correction-notice.pdf",
    ):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"bearer": []}], path
        assert operation["responses"]["401"] == {"$ref": "#/components/responses/Unauthorized"}
        url = path.replace("/api/applications/{id}", application).replace("{id}", "1")
        response = await client.get(url.replace("{name}", "application"))
        assert response.status == 401, path
        assert response.content_type == "application/problem+json", path
    pdf = spec["paths"]["/api/applications/{id}/correction-notice.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]


async def test_every_answer_an_operation_can_give_is_declared_and_errors_are_problems(spec):
    problem = {"$ref": "#/components/schemas/Problem"}
    for name in ("Problem", "Unauthorized", "Forbidden", "Unavailable"):
        response = spec["components"]["responses"][name]
        assert response["content"] == {"application/problem+json": {"schema": problem}}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            assert "default" not in responses, where  # an undeclared status is a lie
            assert responses["4XX"] == {"$ref": "#/components/responses/Problem"}, where
            assert "503" in responses, where
            assert responses["401"] == {"$ref": "#/components/responses/Unauthorized"}, where
    roles = spec["paths"]["/api/codeassign/units/{uscc}"]["get"]
    assert roles["x-access"] == ["registry_reviewer"] and "403" in roles["responses"]
    assert "403" not in spec["paths"]["/api/applications"]["get"]["responses"]
    health = spec["paths"]["/healthz"]["get"]["responses"]
    assert health["503"]["content"]["application/json"]["schema"]["$ref"].endswith("/Health")


async def test_a_path_parameter_keeps_the_shape_its_route_pattern_gives_it(spec):
    verify = spec["paths"]["/api/websites/public/verify/{code}"]["get"]
    assert verify["parameters"][0]["schema"] == {"type": "string", "pattern": "^(?:[0-9]{10})$"}
    agreement = spec["paths"]["/api/agreements/{text_id}"]["get"]
    assert agreement["parameters"][0]["schema"]["maxLength"] == 64
