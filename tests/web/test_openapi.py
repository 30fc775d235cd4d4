"""The API contract: every /api route is in the OpenAPI schema with its response and the one error shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from sociable.web.responses import ErrorBody
from sociable.web.routes import api

EXPECTED = {
    ("get", "/api/overview"), ("get", "/api/collections"), ("get", "/api/views"), ("get", "/api/views/{name}"),
    ("get", "/api/accounts"), ("get", "/api/accounts/{platform}/{account_id}"), ("get", "/api/posts"),
    ("get", "/api/rejected"), ("get", "/api/runs"), ("post", "/api/check"), ("post", "/api/imports"),
    ("get", "/api/jobs"), ("get", "/api/jobs/{job_id}"), ("get", "/api/captures"),
}


def schema(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path): op for path, item in document["paths"].items() for method, op in item.items()}


def test_every_api_route_is_documented_and_nothing_else(client: TestClient) -> None:
    documented = set(operations(schema(client)))
    assert documented == EXPECTED, "pages, login and exports stay out of the API schema"


def test_every_operation_documents_the_error_shape(client: TestClient) -> None:
    document = schema(client)
    error = document["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"error", "status"} and set(error["properties"]) == {"ok", "error", "status"}
    for key, op in operations(document).items():
        assert op.get("summary"), key
        success = next(code for code in op["responses"] if code.startswith("2"))
        assert "$ref" in op["responses"][success]["content"]["application/json"]["schema"], key
        for code in ("400", "401", "403", "404", "422"):
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorBody", (key, code)


def test_no_interactive_docs_that_would_need_a_cdn(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def validate(model: type[BaseModel], body: dict[str, Any]) -> None:
    parsed = model.model_validate(body)
    assert parsed.model_dump(mode="json") == body


def test_responses_match_their_documented_models(client: TestClient) -> None:
    validate(api.Overview, client.get("/api/overview").json())
    validate(api.Collections, client.get("/api/collections").json())
    validate(api.Views, client.get("/api/views").json())
    validate(api.View, client.get("/api/views/map", params={"collection": "ward"}).json())
    validate(api.Accounts, client.get("/api/accounts").json())
    validate(api.AccountDetail, client.get("/api/accounts/twitter/990000000001").json())
    validate(api.Posts, client.get("/api/posts").json())
    validate(api.RejectedRecords, client.get("/api/rejected").json())
    validate(api.Runs, client.get("/api/runs").json())
    validate(api.Jobs, client.get("/api/jobs").json())


def test_errors_match_the_error_model(client: TestClient) -> None:
    for response in (client.get("/api/views/none"), client.get("/api/posts?limit=-1"), client.get("/api/nowhere"),
                     client.post("/api/check", json={"text": "x"})):
        validate(ErrorBody, response.json())
        assert response.json()["status"] == response.status_code
