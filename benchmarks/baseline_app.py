"""The yardstick: a bare FastAPI app answering a small JSON document."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, object]:
    return {"id": "00000000-0000-0000-0000-000000000000", "status": "ok", "version": 1}
